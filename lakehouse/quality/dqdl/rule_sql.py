"""Each DQDL rule type as a leaf of the one-pass plan: its SQL text and Glue's metric names.

One method ``_<RuleType>(rule, params, where)`` per type the local engine evaluates; semantics and
metric names follow the DQDL rule type reference (docs/quality-dqdl.md). Spark-free.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from lakehouse.config.rule_types.base import ident
from lakehouse.quality.dqdl import ast, file_rules
from lakehouse.quality.dqdl import conditions as C
from lakehouse.quality.dqdl.parser import parse
from lakehouse.quality.dqdl.plan import Leaf, LeafBuilder, Ref, Unsupported, _fmt, _ratio, _split

# DetectAnomalies, locally (not Glue's model): the value is an anomaly when it lies outside
# mean +- ANOMALY_K * std (population) of the last ANOMALY_WINDOW values; it passes until
# ANOMALY_MIN_HISTORY values are recorded
ANOMALY_K, ANOMALY_WINDOW, ANOMALY_MIN_HISTORY = 3.0, 10, 3
_ANOMALY_TYPES = ("RowCount", "ColumnCount", "Completeness", "Uniqueness", "UniqueValueRatio",
                  "DistinctValuesCount", "Entropy", "Mean", "Sum", "StandardDeviation")
_AGGREGATE = re.compile(r"^\s*(sum|avg)\s*\(\s*([^()]+?)\s*\)\s*$", re.IGNORECASE)
_ANY = parse("Rules = [ RowCount >= 0 ]").rules[0].condition  # type: ignore[index,union-attr]
_NUMERIC = {"tinyint", "smallint", "int", "bigint", "float", "double"}
_SPARK_TYPES = {"boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP", "integer": "INT",
                "double": "DOUBLE", "float": "FLOAT", "long": "BIGINT"}


class RuleTypes(LeafBuilder):
    """The rule type builders (``compile._Builder`` adds whole rules and composites)."""

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
        return Leaf("", False, None, {}, {}, {},
                     lambda v, h: (found, "" if found else f"column {params[0]!r} does not exist"))

    def _ColumnNamesMatchPattern(self, rule, params, where):
        pattern = re.compile(params[0])
        ratio = sum(1 for c in self.columns if pattern.fullmatch(c)) / max(len(self.columns), 1)
        ok = ratio == 1.0
        return Leaf("", False, None, {}, {}, {"Dataset.*.ColumnNamesPatternMatchRatio": ratio},
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
        metrics: dict[str, Ref] = {}
        kind = self.types.get(col, "double").lower()
        if kind in _NUMERIC or kind.startswith("decimal"):  # unknown types: assume numeric
            metrics[f"Column.{col}.Maximum"] = self.agg(f"max({ident(col)})", where)
            metrics[f"Column.{col}.Minimum"] = self.agg(f"min({ident(col)})", where)
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
        return Leaf("", False, None, dict(self._helpers), dict(self._aggs), {name: compliance},
                     decide, primary=name)


    # ------------------------------------------------ rules that need an extra job (said so)
    def _external(self, rule, where, metric: str, request: tuple[str, ...]) -> Leaf:
        self._start()
        alias = self.alias()
        leaf = self._metric_rule(rule, where, {metric: alias}, metric)
        leaf.externals = {alias: request}
        return leaf

    def _CustomSql(self, rule, params, where):
        if rule.condition is not None and rule.threshold is not None:
            raise Unsupported("CustomSql", "a condition and `with threshold` together (Glue refuses"
                              " them too): write one of them")
        if rule.condition is not None:
            return self._external(rule, where, "Dataset.*.CustomSQL", ("custom_sql", params[0]))
        # row-level: the rows the statement returns pass (a left join on the columns it selects)
        self._start()
        flag = f"{self.alias()}_rows"
        leaf = self._all_rows(rule, where, f"NOT coalesce({ident(flag)}, false)", {},
                              "Dataset.*.CustomSQL.Compliance")
        leaf.joins = {flag: params[0]}
        return leaf

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

    def _AggregateMatch(self, rule, params, where):
        """first aggregate / second; a primary column's aggregate is in the single aggregation,
        ``avg(ref.col)`` is one extra job over the curated table of lake dataset ``ref``."""
        self._start()
        parts, cols, externals = [], [], {}
        for text in params[:2]:
            match = _AGGREGATE.match(text)
            if match is None:
                raise Unsupported("AggregateMatch", f"{text!r} is not sum(col) or avg(col)")
            fn, target = match.group(1).lower(), match.group(2)
            reference, _, col = target.rpartition(".")
            cols.append(col)
            if reference:
                alias = self.alias()
                externals[alias] = ("aggregate", reference, fn, col)
                parts.append(alias)
            else:
                parts.append(self.agg(f"{fn}(CAST({ident(col)} AS DOUBLE))", None))
        name = f"Column.{cols[0]}.AggregateMatch" if cols[0] == cols[1] else \
            f"Column.{cols[0]},{cols[1]}.AggregateMatch"
        leaf = self._metric_rule(rule, where, {name: _ratio(parts[0], parts[1])}, name)
        leaf.externals = externals
        return leaf

    def _DetectAnomalies(self, rule, params, where):
        kind = params[0]
        if kind not in _ANOMALY_TYPES:
            raise Unsupported("DetectAnomalies", f"the local detector watches {', '.join(_ANOMALY_TYPES)};"
                              f" not {kind}")
        metric_rule = replace(rule, rule_type=kind, params=rule.params[1:], condition=_ANY,
                              tags=())
        leaf: Leaf = getattr(self, f"_{kind}")(metric_rule, params[1:], None)
        name = leaf.primary
        assert name is not None

        def decide(values, history):
            value, past = values.get(name), list(history)[:ANOMALY_WINDOW]
            if len(past) < ANOMALY_MIN_HISTORY:
                return True, (f"{name}: {len(past)} past value(s), the local detector needs"
                              f" {ANOMALY_MIN_HISTORY} (passes)")
            mean = sum(past) / len(past)
            std = math.sqrt(sum((x - mean) ** 2 for x in past) / len(past))
            ok = value is not None and abs(value - mean) <= ANOMALY_K * std
            return ok, "" if ok else (f"{name}: {_fmt(value)} outside {mean:g} +- {ANOMALY_K:g}"
                                      f" * {std:g} (the last {len(past)} values)")
        leaf.decide, leaf.row_level, leaf.violation = decide, False, None  # dataset-level only
        return leaf

    # ------------------------------------ file rules: the files are listed apart (said so)
    def _file_rule(self, rule, params, where):
        return file_rules.leaf(rule, params, alias=self.alias(), now=self.now,
                               constants=self.constants)

    _FileSize = _FileFreshness = _FileMatch = _FileUniqueness = _file_rule

    def _DatasetMatch(self, rule, params, where):
        keys = _mapping(params[1])
        matched = _mapping(params[2]) if len(params) > 2 else \
            [(c, c) for c in self.columns if c not in {k for k, _ in keys}]
        return self._external(rule, where, f"Dataset.{params[0]}.DatasetMatch",
                              ("dataset_match", params[0], _pairs(keys), _pairs(matched)))


def _mapping(text: str) -> list[tuple[str, str]]:
    """``"a->b,c"`` as [(a, b), (c, c)]: primary column -> reference column."""
    out = []
    for item in (i.strip() for i in text.split(",") if i.strip()):
        mine, _, theirs = item.partition("->")
        out.append((mine.strip(), (theirs or mine).strip()))
    return out


def _pairs(pairs: list[tuple[str, str]]) -> str:
    return ",".join(f"{a}->{b}" for a, b in pairs)
