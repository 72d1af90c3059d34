"""A DQDL ruleset compiled into the gate's one-pass plan (Spark-free: SQL text and verdicts).

Each top-level rule becomes one :class:`DqdlCheck` named ``Rule_<n>`` (Glue's names, in text
order). A check brings, as Spark SQL text, what the gate folds into its single pass:

* ``violation``: for row-level rules, true when the row fails (its rows are quarantined);
* ``helpers``: projected columns a statistic needs (a window count per value, for uniqueness);
* ``aggregates``: alias -> aggregate SQL, read by the gate's one aggregation.

:meth:`DqdlCheck.verdict` then decides PASS/FAIL from the aggregated row, with Glue's metric
names (``Column.<col>.Completeness`` ...). A ``where`` clause restricts the rule to the rows it
selects (``FILTER (WHERE ...)`` on the aggregates, ``AND`` on the violation). Rule types this
engine does not evaluate raise :class:`Unsupported` with the reason (see :data:`UNSUPPORTED`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from lakehouse.config.rule_types.base import ident
from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl import conditions as C
from lakehouse.quality.dqdl.printer import rule_node

# rule types the local engine does not evaluate, and why (validation reports these at load time)
UNSUPPORTED: dict[str, str] = {
    "DetectAnomalies": "Glue's anomaly model is not published; not evaluated locally",
    "DatasetMatch": "needs a join with a second dataset: not in the one-pass engine yet",
    "AggregateMatch": "needs a second dataset's aggregate: not in the one-pass engine yet",
    "FileFreshness": "reads the landing files, not the batch: not in the gate yet",
    "FileMatch": "reads the landing files, not the batch: not in the gate yet",
    "FileSize": "reads the landing files, not the batch: not in the gate yet",
    "FileUniqueness": "reads the landing files, not the batch: not in the gate yet",
}
# what a metric-comparing row-level rule checks per row (the rest of these are all-rows rules)
_ROW_TYPES = {"IsComplete", "Completeness", "IsUnique", "IsPrimaryKey", "ColumnValues",
              "ColumnLength", "DataFreshness"}


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
class _Leaf:
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


def compile_ruleset(ruleset: ast.Ruleset, *, columns: Sequence[str], now: datetime,
                    prefix: str = "__lh_dq") -> list[DqdlCheck]:
    """Every top-level rule of ``ruleset`` as a :class:`DqdlCheck` (raises :class:`Unsupported`)."""
    consts = {c.name: c for c in ruleset.constants}
    out = []
    for i, node in enumerate(ruleset.rules or (), start=1):
        builder = _Builder(columns=list(columns), now=now, constants=consts,
                           prefix=f"{prefix}{i}_")
        out.append(builder.check(f"Rule_{i}", node))
    return out


class _Builder:
    def __init__(self, *, columns: list[str], now: datetime, constants: Mapping[str, ast.Constant],
                 prefix: str):
        self.columns, self.now, self.constants, self.prefix = columns, now, constants, prefix
        self.n = 0
        self.top: str | None = None  # the check's name while compiling a rule that is not composite

    def alias(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n}"

    # ---------------------------------------------------------------- composition
    def check(self, name: str, node: ast.RuleNode) -> DqdlCheck:
        leaves: list[_Leaf] = []
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
            externals={k: v for leaf in leaves for k, v in leaf.externals.items()})

    def node(self, node: ast.RuleNode, leaves: list[_Leaf]):
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
    def leaf(self, rule: ast.Rule) -> _Leaf:
        kind = rule.rule_type
        if kind in UNSUPPORTED:
            raise Unsupported(kind, UNSUPPORTED[kind], rule.pos)
        params = [self.param(p) for p in rule.params]
        where = rule.where.value if rule.where is not None else None
        build = getattr(self, f"_{kind}", None)
        if build is None:
            raise Unsupported(kind, "not a rule type of the local engine", rule.pos)
        try:
            leaf: _Leaf = build(rule, params, where)
        except Unsupported as exc:
            raise Unsupported(exc.rule_type, exc.reason, rule.pos) from None
        leaf.text = rule_node(rule)
        return leaf

    def param(self, value: ast.String | ast.Word | ast.VarRef) -> str:
        value = C.resolve(value, self.constants)
        if isinstance(value, ast.String):
            return value.value
        if isinstance(value, ast.Word):
            return value.text
        raise ValueError(f"not a parameter: {value!r}")

    def agg(self, sql: str, where: str | None) -> str:
        alias = self.alias()
        self._aggs[alias] = f"{sql} FILTER (WHERE {where})" if where else sql
        return alias

    # helpers shared by the rule builders --------------------------------
    def _start(self) -> None:
        self._aggs: dict[str, str] = {}
        self._helpers: dict[str, str] = {}

    def _count(self, where: str | None) -> str:
        return self.agg("count(1)", where)

    def _metric_rule(self, rule: ast.Rule, where: str | None, metrics: dict[str, Ref],
                     primary: str, *, row_violation: str | None = None) -> _Leaf:
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
        return _Leaf("", row_violation is not None, violation, dict(self._helpers),
                     dict(self._aggs), metrics, decide, primary=primary)

    def _all_rows(self, rule: ast.Rule, where: str | None, failing_sql: str,
                  metrics: dict[str, Ref], compliance: str | None = None) -> _Leaf:
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
        return _Leaf("", True, _scoped(failing_sql, where), dict(self._helpers), dict(self._aggs),
                     metrics, decide, primary=compliance if threshold is not None else None,
                     blocks=threshold is not None)

    # ---------------------------------------------------------------- rule types
    def _RowCount(self, rule, params, where):
        self._start()
        return self._metric_rule(rule, where, {"Dataset.*.RowCount": self._count(where)},
                                 "Dataset.*.RowCount")

    def _ColumnCount(self, rule, params, where):
        self._start()
        return self._metric_rule(rule, where, {"Dataset.*.ColumnCount": float(len(self.columns))},
                                 "Dataset.*.ColumnCount")

    def _ColumnExists(self, rule, params, where):
        found = params[0] in self.columns
        return _Leaf("", False, None, {}, {}, {},
                     lambda v, h: (found, "" if found else f"column {params[0]!r} does not exist"))

    def _ColumnNamesMatchPattern(self, rule, params, where):
        pattern = re.compile(params[0])
        ratio = sum(1 for c in self.columns if pattern.fullmatch(c)) / max(len(self.columns), 1)
        ok = ratio == 1.0
        return _Leaf("", False, None, {}, {}, {"Dataset.*.ColumnNamesPatternMatchRatio": ratio},
                     lambda v, h: (ok, "" if ok else "some column names do not match"))

    def _IsComplete(self, rule, params, where):
        self._start()
        col = ident(params[0])
        return self._all_rows(rule, where, f"{col} IS NULL", {},
                              f"Column.{params[0]}.Completeness")

    def _Completeness(self, rule, params, where):
        self._start()
        col = ident(params[0])
        comp = self.agg(f"avg(CASE WHEN {col} IS NULL THEN 0.0 ELSE 1.0 END)", where)
        name = f"Column.{params[0]}.Completeness"
        return self._metric_rule(rule, where, {name: comp}, name, row_violation=f"{col} IS NULL")

    def _dup(self, cols: list[str], where: str | None) -> tuple[str, str]:
        """(SQL: the row's value occurs once, alias of the projected count per value)."""
        keys = ", ".join(ident(c) for c in cols)
        counted = f"CASE WHEN {where} THEN 1 END" if where else "1"
        window = f"count({counted}) OVER (PARTITION BY {keys})"
        present = " AND ".join(f"{ident(c)} IS NOT NULL" for c in cols)
        helper = self.alias()
        self._helpers[helper] = window
        return f"({present} AND {window} = 1)", helper

    def _uniq_metric(self, cols: list[str]) -> str:
        return f"Column.{cols[0]}.Uniqueness" if len(cols) == 1 else \
            f"Multicolumn.{','.join(cols)}.Uniqueness"

    def _uniqueness_alias(self, cols: list[str], where: str | None) -> Ref:
        _, helper = self._dup(cols, where)
        present = " AND ".join(f"{ident(c)} IS NOT NULL" for c in cols)
        once = self.agg(f"count_if({present} AND {ident(helper)} = 1)", where)
        return _ratio(once, self._count(where))

    def _IsUnique(self, rule, params, where):
        self._start()
        cols = _split(params)
        once, _ = self._dup(cols, where)
        uniq = self._uniqueness_alias(cols, where)
        return self._all_rows(rule, where, f"NOT {once}", {self._uniq_metric(cols): uniq})

    def _IsPrimaryKey(self, rule, params, where):
        self._start()
        cols = _split(params)
        once, _ = self._dup(cols, where)
        metrics: dict[str, Ref] = {self._uniq_metric(cols): self._uniqueness_alias(cols, where)}
        for c in cols:
            metrics[f"Column.{c}.Completeness"] = self.agg(
                f"avg(CASE WHEN {ident(c)} IS NULL THEN 0.0 ELSE 1.0 END)", where)
        return self._all_rows(rule, where, f"NOT {once}", metrics)

    def _Uniqueness(self, rule, params, where):
        self._start()
        cols = _split(params)
        name = self._uniq_metric(cols)
        return self._metric_rule(rule, where, {name: self._uniqueness_alias(cols, where)}, name)

    def _UniqueValueRatio(self, rule, params, where):
        self._start()
        col = params[0]
        _, helper = self._dup([col], where)
        once = self.agg(f"count_if({ident(col)} IS NOT NULL AND {ident(helper)} = 1)", where)
        distinct = self.agg(f"count(DISTINCT {ident(col)})", where)
        name = f"Column.{col}.UniqueValueRatio"
        return self._metric_rule(rule, where, {name: _ratio(once, distinct)}, name)

    def _DistinctValuesCount(self, rule, params, where):
        self._start()
        name = f"Column.{params[0]}.DistinctValuesCount"
        return self._metric_rule(rule, where, {name: self.agg(f"count(DISTINCT {ident(params[0])})",
                                                              where)}, name)

    def _Entropy(self, rule, params, where):
        # entropy = ln N - (1/N) * sum over rows of ln(count of the row's value), natural log
        self._start()
        col = params[0]
        _, helper = self._dup([col], where)
        n = self.agg(f"count({ident(col)})", where)
        s = self.agg(f"sum(CASE WHEN {ident(col)} IS NOT NULL THEN ln({ident(helper)}) END)", where)

        def entropy(row: Mapping[str, Any]) -> float | None:
            count, logs = row.get(n), row.get(s)
            return None if not count else math.log(count) - float(logs or 0) / count
        name = f"Column.{col}.Entropy"
        return self._metric_rule(rule, where, {name: entropy}, name)

    def _stat(self, rule, params, where, fn: str, metric: str):
        self._start()
        name = f"Column.{params[0]}.{metric}"
        return self._metric_rule(rule, where, {name: self.agg(
            f"{fn}(CAST({ident(params[0])} AS DOUBLE))", where)}, name)

    def _Mean(self, rule, params, where):
        return self._stat(rule, params, where, "avg", "Mean")

    def _Sum(self, rule, params, where):
        return self._stat(rule, params, where, "sum", "Sum")

    def _StandardDeviation(self, rule, params, where):
        return self._stat(rule, params, where, "stddev_pop", "StandardDeviation")

    def _Variance(self, rule, params, where):
        return self._stat(rule, params, where, "var_pop", "Variance")

    def _ColumnCorrelation(self, rule, params, where):
        self._start()
        name = f"Multicolumn.{params[0]},{params[1]}.ColumnCorrelation"
        a, b = (f"CAST({ident(p)} AS DOUBLE)" for p in params[:2])
        return self._metric_rule(rule, where, {name: self.agg(f"corr({a}, {b})", where)}, name)

    def _ColumnValues(self, rule, params, where):
        self._start()
        col = params[0]
        passes = C.passes_sql(ident(col), rule.condition, now=self.now, constants=self.constants)
        metrics: dict[str, Ref] = {
            f"Column.{col}.Maximum": self.agg(f"max({ident(col)})", where),
            f"Column.{col}.Minimum": self.agg(f"min({ident(col)})", where)}
        compliance = f"Column.{col}.ColumnValues.Compliance" if rule.threshold is not None else None
        return self._all_rows(rule, where, f"NOT ({passes})", metrics, compliance)

    def _ColumnLength(self, rule, params, where):
        self._start()
        col = params[0]
        length = f"coalesce(length({ident(col)}), 0)"
        passes = C.passes_sql(length, rule.condition, now=self.now, constants=self.constants)
        metrics: dict[str, Ref] = {
            f"Column.{col}.MaximumLength": self.agg(f"max({length})", where),
            f"Column.{col}.MinimumLength": self.agg(f"min({length})", where)}
        return self._all_rows(rule, where, f"NOT ({passes})", metrics)

    def _DataFreshness(self, rule, params, where):
        self._start()
        col = params[0]
        cond = rule.condition
        limits = [C.resolve(o, self.constants) for o in cond.operands]
        if not all(isinstance(x, ast.Duration) for x in limits) or cond.op not in (
                "<", "<=", ">", ">=", "between", "not between"):
            raise Unsupported("DataFreshness", "only a comparison with a duration or `between` two"
                              " durations is evaluated")
        age = f"(unix_timestamp({C.literal(ast.Now(), self.now)}) - unix_timestamp({ident(col)}))"
        seconds = [C.duration_seconds(x) for x in limits]  # type: ignore[arg-type]
        if cond.op in ("between", "not between"):
            inside = f"({age} > {seconds[0]} AND {age} < {seconds[1]})"
            passes = f"coalesce({'NOT ' if cond.op == 'not between' else ''}{inside}, false)"
        else:
            passes = f"coalesce({age} {cond.op} {seconds[0]}, false)"
        return self._all_rows(rule, where, f"NOT ({passes})", {},
                              f"Column.{col}.DataFreshness.Compliance")

    def _ColumnDataType(self, rule, params, where):
        self._start()
        col = params[0]
        cond = rule.condition
        operand = C.resolve(cond.operands[0], self.constants)
        items = operand.items if isinstance(operand, ast.ValueList) else (operand,)
        types = [C.resolve(i, self.constants) for i in items]
        names = [t.value.lower() if isinstance(t, ast.String) else str(t) for t in types]
        casts = " OR ".join(f"try_cast({ident(col)} AS {_SPARK_TYPES[n]}) IS NOT NULL" for n in names)
        ok_sql = f"({ident(col)} IS NULL OR {casts})"
        if cond.op in ("!=", "not in"):
            ok_sql = f"({ident(col)} IS NULL OR NOT ({casts}))"
        compliance = self.agg(f"avg(CASE WHEN {ok_sql} THEN 1.0 ELSE 0.0 END)", where)
        name = f"Column.{col}.ColumnDataType.Compliance"
        threshold = rule.threshold

        def decide(values, history):
            value = values.get(name)
            ok = C.holds(threshold, value, history=history, constants=self.constants) \
                if threshold is not None else value is not None and value >= 1.0
            return ok, "" if ok else f"Value: {_fmt(value)} does not meet the constraint requirement!"
        return _Leaf("", False, None, dict(self._helpers), dict(self._aggs), {name: compliance},
                     decide, primary=name)


    # ------------------------------------------------ rules that need an extra job (said so)
    def _external(self, rule, where, metric: str, request: tuple[str, ...]) -> _Leaf:
        self._start()
        alias = self.alias()
        leaf = self._metric_rule(rule, where, {metric: alias}, metric)
        leaf.externals = {alias: request}
        return leaf

    def _CustomSql(self, rule, params, where):
        if rule.condition is None or rule.threshold is not None:
            raise Unsupported("CustomSql", "only the form with a condition (one value) is evaluated;"
                              " the row-level form is not in the local engine yet")
        return self._external(rule, where, "Dataset.*.CustomSQL", ("custom_sql", params[0]))

    def _RowCountMatch(self, rule, params, where):
        return self._external(rule, where, f"Dataset.{params[0]}.RowCountMatch",
                              ("row_count_match", params[0]))

    def _SchemaMatch(self, rule, params, where):
        return self._external(rule, where, f"Dataset.{params[0]}.SchemaMatch",
                              ("schema_match", params[0]))

    def _ReferentialIntegrity(self, rule, params, where):
        columns = _split(params[:1])
        reference, _, ref_cols = params[1].partition(".")
        ref_columns = [c.strip() for c in ref_cols.strip("{}").split(",") if c.strip()]
        if len(ref_columns) != len(columns):
            raise Unsupported("ReferentialIntegrity", "the reference names as many columns as the"
                              " primary: \"a,b\" \"ref.{a,b}\"")
        return self._external(rule, where, f"Column.{reference}.ReferentialIntegrity",
                              ("referential_integrity", reference, ",".join(columns),
                               ",".join(ref_columns)))


_SPARK_TYPES = {"boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "integer": "INT",
                "double": "DOUBLE", "float": "FLOAT", "long": "BIGINT"}


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


def _metric_values(leaf: _Leaf, row: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for name, ref in leaf.metrics.items():
        if name.startswith("__"):
            continue
        value = _value(ref, row)
        if value is not None and not math.isnan(value):
            out[name] = value
    return out


def _fmt(value: float | None) -> str:
    return "null" if value is None else f"{value:g}"
