"""A DQDL ruleset compiled into the gate's one-pass plan (Spark-free: SQL text and verdicts).

Each top-level rule becomes one :class:`DqdlCheck` named ``Rule_<n>`` (Glue's names, in text
order). A check brings, as Spark SQL text, what the gate folds into its single pass:

* ``violation``: for row-level rules, true when the row fails (its rows are quarantined);
* ``helpers``: projected columns a statistic needs (a window count per value, for uniqueness);
* ``aggregates``: alias -> aggregate SQL, read by the gate's one aggregation.

:meth:`DqdlCheck.verdict` then decides PASS/FAIL from the aggregated row, with Glue's metric
names (``Column.<col>.Completeness`` ...). A ``where`` clause restricts the rule to the rows it
selects (inside each aggregate: ``fn(CASE WHEN where THEN x END)``; ``AND`` on the violation). Rule types this
engine does not evaluate raise :class:`Unsupported` with the reason (see :data:`UNSUPPORTED`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl.plan import Leaf, Unsupported, Verdict, _value
from lakehouse.quality.dqdl.printer import rule_node
from lakehouse.quality.dqdl.rule_sql import RuleTypes

__all__ = ["UNSUPPORTED", "DqdlCheck", "Unsupported", "compile_ruleset"]

# rule types the local engine does not evaluate, and why (validation reports these at load time)
UNSUPPORTED: dict[str, str] = {}


@dataclass(frozen=True)
class DqdlCheck:
    """One top-level DQDL rule, compiled. Duck-types a rule spec for the gate (``dqdl`` True)."""

    name: str
    text: str
    level: Literal["row", "dataset"]
    severity: Literal["quarantine", "fail"]
    violation: str | None
    helpers: dict[str, str]
    aggregates: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)
    _decide: Callable[[Mapping[str, Any], Mapping[str, Sequence[float]]], Verdict] | None = None
    primaries: tuple[str, ...] = ()
    externals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    joins: dict[str, str] = field(default_factory=dict)  # flag column -> CustomSql statement
    dqdl: ClassVar[bool] = True
    rule: ClassVar[str] = "dqdl"
    description: ClassVar[str] = ""
    threshold: ClassVar[None] = None

    def verdict(self, row: Mapping[str, Any], history: Mapping[str, Sequence[float]]) -> Verdict:
        """(passed, Glue metrics, message) from the gate's aggregated ``row``."""
        assert self._decide is not None
        return self._decide(row, history)

    def columns(self) -> list[str]:
        return []


def compile_ruleset(ruleset: ast.Ruleset, *, columns: Sequence[str] | Mapping[str, str],
                    now: datetime, prefix: str = "__lh_dq") -> list[DqdlCheck]:
    """Every top-level rule of ``ruleset`` as a :class:`DqdlCheck` (raises :class:`Unsupported`).

    ``columns``: the batch's column names, or name -> Spark SQL type (``df.dtypes``); with types,
    ``ColumnValues`` reports ``Maximum``/``Minimum`` only for numeric columns, as Glue does
    (a string minimum costs a slow aggregate and Glue has no metric for it).
    """
    consts = {c.name: c for c in ruleset.constants}
    types = dict(columns) if isinstance(columns, Mapping) else {}
    out = []
    for i, node in enumerate(ruleset.rules or (), start=1):
        builder = _Builder(columns=list(columns), now=now, constants=consts,
                           prefix=f"{prefix}{i}_", types=types)
        out.append(builder.check(f"Rule_{i}", node))
    return out


class _Builder(RuleTypes):
    """Whole rules: a plain rule is one leaf; a composite combines its parts."""

    # ---------------------------------------------------------------- composition
    def check(self, name: str, node: ast.RuleNode) -> DqdlCheck:
        leaves: list[Leaf] = []
        self.top = name if isinstance(node, ast.Rule) else None
        decide, violation, row_level = self.node(node, leaves)
        blocks = any(leaf.blocks for leaf in leaves) or not row_level

        def verdict(row: Mapping[str, Any], history: Mapping[str, Sequence[float]]) -> Verdict:
            metrics: dict[str, float] = {}
            for leaf in leaves:
                metrics.update(_metric_values(leaf, row))
            ok, message = decide(row, history)
            return ok, metrics, message

        labels = {lb.key.value: lb.value.value for lb in node.labels or ()}
        return DqdlCheck(
            name=name, text=rule_node(node, top=True), level="row" if row_level else "dataset",
            severity="fail" if blocks else "quarantine", violation=violation,
            helpers={k: v for leaf in leaves for k, v in leaf.helpers.items()},
            aggregates={k: v for leaf in leaves for k, v in leaf.aggregates.items()},
            labels=labels, _decide=verdict,
            primaries=tuple(leaf.primary for leaf in leaves if leaf.primary),
            externals={k: v for leaf in leaves for k, v in leaf.externals.items()},
            joins={k: v for leaf in leaves for k, v in leaf.joins.items()})

    def node(self, node: ast.RuleNode, leaves: list[Leaf]):
        if isinstance(node, ast.Rule):
            leaf = self.leaf(node)
            leaves.append(leaf)

            def decide(row, history, leaf=leaf):
                values = {m: _value(ref, row) for m, ref in leaf.metrics.items()}
                return leaf.decide(values, history.get(leaf.primary or "", ()))
            return decide, leaf.violation, leaf.row_level
        parts = [self.node(child, leaves) for child in node.rules]
        row_level = all(p[2] for p in parts)
        violation = None
        if row_level:  # per row: "and" fails when any part fails, "or" when every part fails
            joiner = " OR " if node.op == "and" else " AND "
            violation = joiner.join(f"({p[1]})" for p in parts)

        def decide(row, history, parts=parts, op=node.op):
            found = [p[0](row, history) for p in parts]
            oks = [ok for ok, _ in found]
            ok = all(oks) if op == "and" else any(oks)
            return ok, "; ".join(m for _, m in found if m)
        return decide, violation, row_level

    # ---------------------------------------------------------------- one rule
    def leaf(self, rule: ast.Rule) -> Leaf:
        kind = rule.rule_type
        if kind in UNSUPPORTED:
            raise Unsupported(kind, UNSUPPORTED[kind], rule.pos)
        params = [self.param(p) for p in rule.params]
        where = rule.where.value if rule.where is not None else None
        build = getattr(self, f"_{kind}", None)
        if build is None:
            raise Unsupported(kind, "not a rule type of the local engine", rule.pos)
        try:
            leaf: Leaf = build(rule, params, where)
        except Unsupported as exc:
            raise Unsupported(exc.rule_type, exc.reason, rule.pos) from None
        leaf.text = rule_node(rule)
        return leaf


def _metric_values(leaf: Leaf, row: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for name, ref in leaf.metrics.items():
        if name.startswith("__"):
            continue
        value = _value(ref, row)
        if value is not None and not math.isnan(value):
            out[name] = value
    return out
