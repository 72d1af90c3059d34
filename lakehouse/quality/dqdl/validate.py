"""Check a parsed DQDL ruleset against the rule type table and a dataset's columns (Spark-free).

``validate(ruleset, columns=...)`` returns every :class:`Problem` found, each with the line and
column of the rule: unknown rule types and columns (with "did you mean"), parameter counts,
conditions of the wrong kind, clauses a type does not take (``where``, ``with threshold``),
forms Glue's own parser rejects, and rule types this project cannot evaluate with Glue's
outcome (the reason comes from ``spec.RULE_TYPES``). The checks Glue makes are taken from the
DQDL reference and from Glue's parser (awslabs/dqdl ``DQDLParserListener``); ``where`` clauses
and ``CustomSql`` statements are Spark SQL and are checked when the rules are compiled, not here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from lakehouse.errors import ConfigError
from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl.printer import rule as rule_text
from lakehouse.quality.dqdl.spec import (
    DATA_TYPES,
    DYNAMIC_FUNCTIONS,
    HASH_ALGORITHMS,
    RULE_TYPES,
    RuleTypeSpec,
)

Kind = Literal["unknown_rule_type", "unknown_column", "invalid", "not_glue", "unsupported",
               "approximate"]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(?:\d{1,2}:\d{2} (?:AM|PM)|\d{2}:\d{2})$")
_AGGREGATE = re.compile(r"^\s*(\w+)\s*\(\s*([^()]+?)\s*\)\s*$")
_MAX_LABELS, _MAX_KEY, _MAX_VALUE = 10, 128, 256
_NUMERIC = {"tinyint", "smallint", "int", "bigint", "float", "double"}


@dataclass(frozen=True)
class Problem:
    """One finding. ``kind`` groups them; ``approximate`` ones are warnings, the rest errors."""

    kind: Kind
    message: str
    pos: ast.Pos | None = None
    rule: str = ""

    @property
    def is_error(self) -> bool:
        return self.kind != "approximate"

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        about = f" [{self.rule}]" if self.rule else ""
        return f"{where}{self.message}{about}"


def validate(ruleset: ast.Ruleset, *, columns: Mapping[str, str] | Iterable[object] | None = None,
             datasets: Iterable[str] | None = None) -> list[Problem]:
    """Every problem of ``ruleset``, in text order.

    Args:
        ruleset: A parsed ruleset (:func:`lakehouse.quality.dqdl.parse`).
        columns: The dataset's declared columns: a name -> type mapping, or ColumnSpec-like
            objects with ``name`` (and ``type``), or plain names. ``None`` skips column checks.
        datasets: Names of the lake's datasets, which reference aliases must name (``None``
            skips that check).
    """
    names, types = _columns_of(columns)
    return _Checker(ruleset, names, types, None if datasets is None else set(datasets)).run()


def check(ruleset: ast.Ruleset, *, file: str = "<dqdl>", **kwargs: object) -> list[Problem]:
    """:func:`validate`, raising :class:`ConfigError` listing the errors; returns the warnings."""
    problems = validate(ruleset, **kwargs)  # type: ignore[arg-type]
    errors = [str(p) for p in problems if p.is_error]
    if errors:
        raise ConfigError(file, errors, hint="see docs/quality-dqdl.md for the rule types and forms")
    return problems


def _columns_of(columns: Mapping[str, str] | Iterable[object] | None
                ) -> tuple[list[str] | None, dict[str, str]]:
    """Column names, and the declared Spark SQL type of those that have one."""
    if columns is None:
        return None, {}
    if isinstance(columns, Mapping):
        return list(columns), {k: str(v).lower() for k, v in columns.items() if v}
    names: list[str] = []
    types: dict[str, str] = {}
    for col in columns:
        name = col if isinstance(col, str) else str(col.name)  # type: ignore[attr-defined]
        names.append(name)
        if getattr(col, "type", None):
            types[name] = str(col.type).lower()  # type: ignore[attr-defined]
    return names, types


def _type_family(spark_type: str) -> str:
    if spark_type in _NUMERIC or spark_type.startswith("decimal"):
        return "numeric"
    return {"string": "string", "date": "date", "timestamp": "date", "timestamp_ntz": "date"}.get(
        spark_type, spark_type)


class _Checker:
    def __init__(self, ruleset: ast.Ruleset, columns: list[str] | None, types: dict[str, str],
                 datasets: set[str] | None):
        self.ruleset = ruleset
        self.columns = columns
        self.types = types
        self.datasets = datasets
        self.constants = {c.name: c for c in ruleset.constants}
        self.problems: list[Problem] = []

    def run(self) -> list[Problem]:
        if self.ruleset.default_labels is not None:
            self._labels(self.ruleset.default_labels, None, "")
        for node in self.ruleset.rules or ():
            self._node(node)
        for analyzer in self.ruleset.analyzers or ():
            self._analyzer(analyzer)
        return self.problems

    def _add(self, kind: Kind, message: str, pos: ast.Pos | None, text: str = "") -> None:
        self.problems.append(Problem(kind, message, pos, text))

    # -------------------------------------------------------------- rules
    def _node(self, node: ast.RuleNode) -> None:
        if node.labels is not None:
            self._labels(node.labels, node.pos, "")
        if isinstance(node, ast.Composite):
            for child in node.rules:
                self._node(child)
            return
        self._rule(node)

    def _rule(self, rule: ast.Rule) -> None:
        text = rule_text(rule)
        spec = self._spec(rule.rule_type, rule.pos, text)
        if spec is None:
            return
        if not spec.rule:
            self._add("invalid", f"{spec.name} is an analyzer only; move it to Analyzers = [ ... ]",
                      rule.pos, text)
            return
        if not self._arity(spec, rule.params, rule.pos, text):
            return
        self._params(spec, rule, text)
        self._condition(spec, rule, text)
        if rule.where is not None and not spec.where:
            self._add("invalid", f"{spec.name} does not take a where clause", rule.pos, text)
        self._tags(spec, rule.tags, rule.pos, text)
        self._local(spec, rule.pos, text)

    def _spec(self, name: str, pos: ast.Pos | None, text: str) -> RuleTypeSpec | None:
        spec = RULE_TYPES.get(name)
        if spec is None:
            same = [n for n in RULE_TYPES if n.lower() == name.lower()]
            close = same or difflib.get_close_matches(name, list(RULE_TYPES), n=1)
            hint = f" (rule types are case-sensitive: did you mean {close[0]!r}?)" if same else (
                f" (did you mean {close[0]!r}?)" if close else "")
            self._add("unknown_rule_type", f"unknown rule type {name!r}{hint}", pos, text)
        return spec

    def _arity(self, spec: RuleTypeSpec, params: tuple[object, ...], pos: ast.Pos | None,
               text: str) -> bool:
        if spec.accepts_arity(len(params)):
            return True
        counts = " or ".join(str(n) for n in spec.arities) + (" or more" if spec.var_arg else "")
        names = " ".join(f"<{p.name}>" for p in spec.params) or "no parameters"
        self._add("invalid", f"{spec.name} takes {counts} parameter(s) ({names}), got {len(params)}",
                  pos, text)
        return False

    # -------------------------------------------------------------- parameters
    def _params(self, spec: RuleTypeSpec, rule: ast.Rule, text: str) -> None:
        values = [self._param_value(p, rule.pos, text) for p in rule.params]
        for i, value in enumerate(values):
            if value is None:
                continue
            param = spec.params[min(i, len(spec.params) - 1)]
            if param.kind in ("column", "columns") and spec.name != "DetectAnomalies":
                cols = [value] if param.kind == "column" else value.split(",")
                self._columns(cols, rule.pos, text)
                self._column_types(spec, cols, rule.pos, text)
            elif param.kind == "reference":
                self._dataset(value, rule.pos, text)
            elif param.kind == "reference_columns":
                alias, _, _ = value.partition(".")
                self._dataset(alias, rule.pos, text)
            elif param.kind == "key_mapping":
                self._columns([m.split("->")[0] for m in value.split(",")], rule.pos, text)
            elif param.kind == "aggregate":
                self._aggregate(value, rule.pos, text)
            elif param.kind == "regex":
                self._regex(value, rule.pos, text)
        if spec.name == "DetectAnomalies" and values and values[0] is not None:
            self._detect_anomalies(values, rule.pos, text)

    def _param_value(self, param: ast.String | ast.Word | ast.VarRef, pos: ast.Pos | None,
                     text: str) -> str | None:
        if isinstance(param, ast.String):
            return param.value
        if isinstance(param, ast.Word):
            return param.text
        const = self._constant(param, pos, text)
        if const is not None and isinstance(const.value, ast.String):
            return const.value.value
        return None

    def _constant(self, ref: ast.VarRef, pos: ast.Pos | None, text: str) -> ast.Constant | None:
        const = self.constants.get(ref.name)
        if const is None:
            self._add("invalid", f"${ref.name} is not defined; declare `{ref.name} = \"...\"` above"
                      " Rules", pos, text)
        return const

    def _columns(self, names: Iterable[str], pos: ast.Pos | None, text: str) -> None:
        if self.columns is None:
            return
        for raw in names:
            name = raw.strip()
            if name and name not in self.columns:
                close = difflib.get_close_matches(name, self.columns, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self._add("unknown_column", f"column {name!r} is not declared by the dataset{hint}",
                          pos, text)

    def _column_types(self, spec: RuleTypeSpec, names: list[str], pos: ast.Pos | None, text: str) -> None:
        if spec.column_types is None:
            return
        for name in (n.strip() for n in names):
            declared = self.types.get(name)
            if declared is not None and _type_family(declared) not in spec.column_types:
                self._add("invalid", f"{spec.name} needs a {' or '.join(spec.column_types)} column;"
                          f" {name!r} is {declared}", pos, text)

    def _dataset(self, alias: str, pos: ast.Pos | None, text: str) -> None:
        if self.datasets is not None and alias not in self.datasets:
            close = difflib.get_close_matches(alias, sorted(self.datasets), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self._add("unsupported", f"reference {alias!r} names no dataset of the lake{hint}; locally"
                      " a reference alias must be a dataset name", pos, text)

    def _aggregate(self, value: str, pos: ast.Pos | None, text: str) -> None:
        match = _AGGREGATE.match(value)
        if not match or match.group(1).lower() not in ("sum", "avg"):
            self._add("invalid", f"{value!r} is not an aggregation; write \"sum(col)\" or"
                      " \"avg(reference.col)\"", pos, text)
            return
        target = match.group(2)
        if "." in target:
            self._dataset(target.rsplit(".", 1)[0], pos, text)
        else:
            self._columns([target], pos, text)

    def _regex(self, value: str, pos: ast.Pos | None, text: str) -> None:
        try:
            re.compile(value)
        except re.error as exc:
            if "bad escape" in str(exc):  # Java knows escapes Python does not (\p{Alpha}, \Q...\E)
                return
            self._add("invalid", f"{value!r} is not a valid regular expression: {exc}", pos, text)

    def _detect_anomalies(self, values: list[str | None], pos: ast.Pos | None, text: str) -> None:
        inner = values[0]
        target = RULE_TYPES.get("CustomSql" if inner == "CustomSQL" else inner or "")
        if target is None or (not target.dynamic and inner not in ("ColumnLength", "ColumnValues")):
            self._add("invalid", f"DetectAnomalies cannot watch {inner!r}; see the DetectAnomalies"
                      " page for the supported rule types", pos, text)
            return
        rest = values[1:]
        if not target.accepts_arity(len(rest)):
            self._add("invalid", f"DetectAnomalies {inner!r} needs {target.arities[0]} more"
                      f" parameter(s), got {len(rest)}", pos, text)
        elif target.params and target.params[0].kind in ("column", "columns"):
            self._columns([v for v in rest if v], pos, text)

    # -------------------------------------------------------------- conditions
    def _condition(self, spec: RuleTypeSpec, rule: ast.Rule, text: str) -> None:
        cond = rule.condition
        if cond is None:
            if "boolean" not in spec.returns:
                self._add("invalid", f"{spec.name} needs a condition, e.g. "
                          f"{spec.name} {' '.join(chr(34) + p.name + chr(34) for p in spec.params)}"
                          f" {_example(spec.returns[0])}", rule.pos, text)
            return
        if spec.returns == ("boolean",):
            self._add("invalid", f"{spec.name} is true or false by itself and takes no condition",
                      rule.pos, text)
            return
        kind = self._kind(cond, rule.pos, text)
        accepted = [r for r in spec.returns if r != "boolean"]
        if spec.name == "FileSize" and kind == "number":
            kind = "size"  # a plain number of bytes (Glue's parser converts it)
        if spec.name in ("ColumnValues", "FileFreshness") and kind == "string" and _dates(cond):
            kind = "date"
        if kind is not None and kind not in accepted and not (kind == "string" and "date" in accepted
                                                              and spec.name == "ColumnValues"):
            self._add("invalid", f"{spec.name} compares {_or(accepted)} values, got a {kind}"
                      f" condition ({_example(accepted[0])} for instance)", rule.pos, text)
        if cond.op in ("matches", "not matches"):
            self._regex(_str(cond.operands[0]), rule.pos, text)
        if spec.name == "ColumnDataType":
            self._data_types(cond, rule.pos, text)
        self._dynamic(cond, rule.pos, text)

    def _kind(self, cond: ast.Condition, pos: ast.Pos | None, text: str) -> str | None:
        items: list[ast.Operand] = []
        for operand in cond.operands:
            if isinstance(operand, ast.ValueList):
                items.extend(operand.items)
            elif isinstance(operand, ast.VarRef):
                const = self._constant(operand, pos, text)
                if const is not None:
                    items.extend(const.value.items if isinstance(const.value, ast.ValueList)
                                 else [const.value])
            else:
                items.append(operand)
        if cond.op in ("matches", "not matches"):
            return "string"
        kinds = {_operand_kind(i) for i in items} - {"null"}
        if "now" in kinds:
            kinds = (kinds - {"now", "string"}) | {"date"}
        if len(kinds) > 1:
            self._add("invalid", f"the values of one condition must be of one kind, got {_or(sorted(kinds))}",
                      pos, text)
            return None
        return kinds.pop() if kinds else None

    def _data_types(self, cond: ast.Condition, pos: ast.Pos | None, text: str) -> None:
        items = cond.operands[0].items if isinstance(cond.operands[0], ast.ValueList) else cond.operands
        for item in items:
            if isinstance(item, ast.String) and item.value.lower() not in DATA_TYPES:
                self._add("invalid", f"ColumnDataType checks one of {sorted(DATA_TYPES)}, got"
                          f" {item.value!r}", pos, text)

    def _dynamic(self, cond: ast.Condition, pos: ast.Pos | None, text: str) -> None:
        for operand in cond.operands:
            if isinstance(operand, ast.Now) and operand.offset is not None and not operand.parenthesized:
                self._add("not_glue", f"write ({_now(operand)}): Glue's parser only accepts a shifted"
                          " now() in parentheses", pos, text)
            for call, parent in _calls(operand, None):
                if call.name not in DYNAMIC_FUNCTIONS:
                    self._add("invalid", f"unknown function {call.name}(); dynamic rules use"
                              f" {', '.join(sorted(DYNAMIC_FUNCTIONS))}", pos, text)
                elif call.name == "last" and _last_k(call) > 1 and (parent is None or parent.name == "last"):
                    self._add("invalid", f"last({_last_k(call)}) is a list of past values; reduce it,"
                              f" e.g. avg(last({_last_k(call)}))", pos, text)

    # -------------------------------------------------------------- tags and labels
    def _tags(self, spec: RuleTypeSpec, tags: tuple[ast.Tag, ...], pos: ast.Pos | None,
              text: str) -> None:
        names = [t.name for t in tags]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self._add("invalid", f"tag {name!r} is given {names.count(name)} times", pos, text)
        for tag in tags:
            if tag.name == "threshold":
                if not spec.threshold:
                    self._add("invalid", f"{spec.name} does not take `with threshold` (only"
                              " ColumnValues, ColumnDataType, CustomSql and file rules do)", pos, text)
                elif self._kind(tag.condition, pos, text) not in ("number", None):
                    self._add("invalid", "a threshold is a number, e.g. with threshold > 0.9", pos, text)
                else:
                    self._dynamic(tag.condition, pos, text)
                continue
            if tag.condition.op != "=":
                self._add("invalid", f"tag {tag.name!r} is set with '=', not {tag.condition.op!r}", pos, text)
            if spec.tags and tag.name not in spec.tags:
                self._add("invalid", f"{spec.name} has no tag {tag.name!r}; it takes"
                          f" {', '.join(spec.tags)}", pos, text)
            if tag.name == "hashAlgorithm" and _str(tag.condition.operands[0]) not in HASH_ALGORITHMS:
                self._add("invalid", f"hashAlgorithm is one of {', '.join(sorted(HASH_ALGORITHMS))}",
                          pos, text)
            if tag.name == "filterOrder":
                order = tag.condition.operands[0]
                wanted = [_str(i) for i in order.items] if isinstance(order, ast.ValueList) else []
                for name in wanted:
                    if name not in ("recentFiles", "uriRegex") or name not in names:
                        self._add("invalid", f"filterOrder names {name!r}, which is not a filter tag"
                                  " (recentFiles, uriRegex) of this rule", pos, text)

    def _labels(self, labels: tuple[ast.Label, ...], pos: ast.Pos | None, text: str) -> None:
        if len(labels) > _MAX_LABELS:
            self._add("invalid", f"{len(labels)} labels; a rule has at most {_MAX_LABELS}", pos, text)
        keys = [lb.key.value for lb in labels]
        for label in labels:
            key, value = label.key.value, label.value.value
            if not key or len(key) > _MAX_KEY:
                self._add("invalid", f"label key {key!r} must have 1 to {_MAX_KEY} characters", pos, text)
            if len(value) > _MAX_VALUE:
                self._add("invalid", f"label value of {key!r} has more than {_MAX_VALUE} characters",
                          pos, text)
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            self._add("invalid", f"label key {key!r} is given twice", pos, text)

    # -------------------------------------------------------------- analyzers, local support
    def _analyzer(self, analyzer: ast.Analyzer) -> None:
        text = analyzer.analyzer_type
        spec = self._spec(analyzer.analyzer_type, analyzer.pos, text)
        if spec is None:
            return
        if not spec.analyzer:
            self._add("invalid", f"{spec.name} is not an analyzer (it has no statistic to record)",
                      analyzer.pos, text)
            return
        if not self._arity(spec, analyzer.params, analyzer.pos, text):
            return
        if spec.name == "Distribution" and analyzer.params == (ast.Word("AllColumns"),):
            pass
        else:
            values = [self._param_value(p, analyzer.pos, text) for p in analyzer.params]
            self._columns([v for v in values if v is not None], analyzer.pos, text)
        for tag in analyzer.tags:
            if tag.name not in spec.tags:
                self._add("invalid", f"{spec.name} has no tag {tag.name!r}", analyzer.pos, text)
        self._local(spec, analyzer.pos, text)

    def _local(self, spec: RuleTypeSpec, pos: ast.Pos | None, text: str) -> None:
        if spec.local.status == "unsupported":
            self._add("unsupported", f"{spec.name} cannot be evaluated locally: {spec.local.how}", pos, text)
        elif spec.local.status == "approximate":
            self._add("approximate", f"{spec.name} is evaluated approximately: {spec.local.how}", pos, text)


# ------------------------------------------------------------------------------ helpers
def _operand_kind(value: ast.Operand) -> str:
    match value:
        case ast.Number() | ast.Call() | ast.BinOp():
            return "number"
        case ast.Keyword(name="NULL"):
            return "null"
        case ast.String() | ast.Keyword() | ast.Word() | ast.VarRef():
            return "string"
        case ast.Now():
            return "now"
        case ast.Duration():
            return "duration"
        case ast.Size():
            return "size"
    return "list"


def _dates(cond: ast.Condition) -> bool:
    items: list[ast.Operand] = []
    for operand in cond.operands:
        items.extend(operand.items if isinstance(operand, ast.ValueList) else [operand])
    strings = [i.value for i in items if isinstance(i, ast.String)]
    return bool(strings) and all(_DATE.match(s) or _TIME.match(s) for s in strings)


def _calls(expr: ast.Operand, parent: ast.Call | None) -> list[tuple[ast.Call, ast.Call | None]]:
    if isinstance(expr, ast.Call):
        found = [(expr, parent)]
        for arg in expr.args:
            found.extend(_calls(arg, expr))
        return found
    if isinstance(expr, ast.BinOp):
        return _calls(expr.left, parent) + _calls(expr.right, parent)
    return []


def _last_k(call: ast.Call) -> int:
    if call.args and isinstance(call.args[0], ast.Number):
        return int(call.args[0].value)
    return 1


def _str(value: ast.Operand) -> str:
    return value.value if isinstance(value, ast.String) else getattr(value, "text", str(value))


def _now(value: ast.Now) -> str:
    return f"now() {value.op} {value.offset.amount} {value.offset.unit}" if value.offset else "now()"


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _example(kind: str) -> str:
    return {"number": "> 0.9", "string": '= "Integer"', "date": "> (now() - 1 days)",
            "duration": "<= 24 hours", "size": "> 1 MB"}.get(kind, "")
