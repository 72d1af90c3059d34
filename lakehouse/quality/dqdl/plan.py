"""The building blocks of a compiled DQDL rule (Spark-free): a leaf's SQL parts and verdict.

A :class:`Leaf` is one plain rule: its violation SQL (row-level rules), projected helper
columns, aggregates (alias -> SQL) and how to decide PASS/FAIL from the aggregated row with
Glue's metric names. :class:`LeafBuilder` holds what every rule type's builder shares: aliases,
``where`` clauses inside each aggregate, metric rules and all-rows rules (see
``rule_sql.py`` for the rule types, ``compile.py`` for whole rules and composites).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lakehouse.config.rule_types.base import ident
from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl import conditions as C

_CALL = re.compile(r"^(\w+)\((DISTINCT )?(.*)\)$", re.DOTALL)


class Unsupported(Exception):
    """A rule type the local engine cannot evaluate (``reason`` says why)."""

    def __init__(self, rule_type: str, reason: str, pos: ast.Pos | None = None):
        self.rule_type, self.reason, self.pos = rule_type, reason, pos
        where = f"{pos}: " if pos else ""
        super().__init__(f"{where}{rule_type} cannot be evaluated locally: {reason}")



Verdict = tuple[bool, dict[str, float], str]
FAIL_ALIAS = "__lh_fail:"  # the gate's failing count of a row-level rule: FAIL_ALIAS + its name
# a metric: an aggregate alias, a value known at compile time, or a formula over the aggregates
Ref = str | float | Callable[[Mapping[str, Any]], float | None]


def _ratio(num: str, den: str, *, minus: bool = False) -> Callable[[Mapping[str, Any]], float | None]:
    def value(row: Mapping[str, Any]) -> float | None:
        n, d = row.get(num), row.get(den)
        if n is None or not d:
            return None
        r = float(n) / float(d)
        return 1.0 - r if minus else r
    return value


@dataclass
class Leaf:
    """One plain rule: its SQL parts and how to decide from the aggregated row."""

    text: str
    row_level: bool
    violation: str | None
    helpers: dict[str, str]
    aggregates: dict[str, str]
    metrics: dict[str, Ref]               # Glue metric name -> aggregate alias, value or formula
    decide: Callable[[dict[str, float | None], Sequence[float]], tuple[bool, str]]
    primary: str | None = None            # the metric a dynamic condition reads the history of
    blocks: bool = True                   # False: a failure only quarantines rows
    externals: dict[str, tuple[str, ...]] = field(default_factory=dict)  # alias -> extra-job request
    joins: dict[str, str] = field(default_factory=dict)  # flag column -> statement (row-level CustomSql)


class LeafBuilder:
    """Shared state and helpers of the rule type builders (one builder per top-level rule)."""

    def __init__(self, *, columns: list[str], now: datetime, constants: Mapping[str, ast.Constant],
                 prefix: str, types: Mapping[str, str] | None = None):
        self.columns, self.now, self.constants, self.prefix = columns, now, constants, prefix
        self.types = dict(types or {})
        self.n = 0
        self.top: str | None = None  # the check's name while compiling a rule that is not composite

    def alias(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n}"

    def param(self, value: ast.String | ast.Word | ast.VarRef) -> str:
        value = C.resolve(value, self.constants)
        if isinstance(value, ast.String):
            return value.value
        if isinstance(value, ast.Word):
            return value.text
        raise ValueError(f"not a parameter: {value!r}")

    def agg(self, sql: str, where: str | None) -> str:
        """Register aggregate ``fn(arg)`` over the rows ``where`` selects; returns its alias.

        The filter goes inside the argument (``fn(CASE WHEN where THEN arg END)``; aggregates
        skip NULLs): the same result as ``FILTER (WHERE ...)``, and cheaper in Spark's one pass
        (bench/bench_quality.py)."""
        alias = self.alias()
        self._aggs[alias] = _filtered(sql, where) if where else sql
        return alias

    # helpers shared by the rule builders --------------------------------
    def _start(self) -> None:
        self._aggs: dict[str, str] = {}
        self._helpers: dict[str, str] = {}

    def _count(self, where: str | None) -> str:
        return self.agg("count(1)", where)

    def _metric_rule(self, rule: ast.Rule, where: str | None, metrics: dict[str, Ref],
                     primary: str, *, row_violation: str | None = None) -> Leaf:
        """A rule that compares one metric with its condition."""
        cond = rule.condition
        assert cond is not None

        def decide(values, history):
            value = values.get(primary)
            try:
                ok = C.holds(cond, value, history=history, constants=self.constants)
            except C.NoHistory:
                return True, f"{primary}: no history yet for the dynamic rule (passes)"
            return ok, "" if ok else f"Value: {_fmt(value)} does not meet the constraint requirement!"
        violation = _scoped(row_violation, where)
        return Leaf("", row_violation is not None, violation, dict(self._helpers),
                     dict(self._aggs), metrics, decide, primary=primary)

    def _all_rows(self, rule: ast.Rule, where: str | None, failing_sql: str,
                  metrics: dict[str, Ref], compliance: str | None = None) -> Leaf:
        """A row-level rule that every row must pass (or ``with threshold`` of them).
        ``compliance``: the Glue name of its share of passing rows, if it reports one."""
        if self.top is not None:  # a plain rule: its violation column is counted by the gate
            fail_alias = f"{FAIL_ALIAS}{self.top}"
        else:  # a part of a composite: its own flag, projected (it may hold a window function)
            flag = self.alias()
            self._helpers[flag] = f"coalesce({failing_sql}, false)"
            fail_alias = self.agg(f"count_if({ident(flag)})", where)
        total_alias = self._count(where)
        threshold = rule.threshold
        metrics = {**metrics, "__failing": fail_alias}
        if compliance is not None:
            metrics[compliance] = _ratio(fail_alias, total_alias, minus=True)

        def decide(values, history):
            if threshold is not None and compliance is not None:
                value = values.get(compliance)
                ok = C.holds(threshold, value, history=history, constants=self.constants)
                return ok, "" if ok else f"Value: {_fmt(value)} does not meet the threshold"
            failing = values.get("__failing") or 0
            return not failing, "" if not failing else f"{int(failing)} row(s) failed"
        return Leaf("", True, _scoped(failing_sql, where), dict(self._helpers), dict(self._aggs),
                     metrics, decide, primary=compliance if threshold is not None else None,
                     blocks=threshold is not None)



def _scoped(violation: str | None, where: str | None) -> str | None:
    if violation is None or where is None:
        return violation
    return f"coalesce(({where}), false) AND ({violation})"


def _split(params: list[str]) -> list[str]:
    return [c.strip() for p in params for c in p.split(",") if c.strip()]


def _value(ref: Ref, row: Mapping[str, Any]) -> float | None:
    if callable(ref):
        return ref(row)
    if isinstance(ref, str):
        value = row.get(ref)
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError):
            return None  # a string or date column's minimum/maximum: not a number metric
    return float(ref)


def _filtered(sql: str, where: str) -> str:
    match = _CALL.match(sql)
    if match is None:
        raise ValueError(f"not an aggregate call: {sql}")
    fn, distinct, arg = match.groups()
    cond = f"coalesce(({where}), false)"
    if fn == "count_if":
        return f"count_if({cond} AND ({arg}))"
    return f"{fn}({distinct or ''}CASE WHEN {cond} THEN {arg} END)"


def _fmt(value: float | None) -> str:
    return "null" if value is None else f"{value:g}"
