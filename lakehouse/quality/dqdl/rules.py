"""YAML quality rules <-> DQDL rules, one exact form per registry rule type (Spark-free).

Each rule type of the registry (``lakehouse.config.rule_types``) has one entry in
:data:`FORMS`: a :class:`DqdlForm` (both ways) or a :class:`NoForm` saying why DQDL cannot
state it exactly. A test checks every registered type has an entry. The forms live here, not
in the rule type modules, because the layers contract forbids ``config`` importing
``quality`` (the AST); this module reads the registry instead.

Exactness: our value rules pass null values, Glue's ``ColumnValues`` fails them (except
``!=`` / ``not in``), so ``in`` lists end with ``NULL`` and comparisons carry
``where "col IS NOT NULL"``; DQDL ``between`` is exclusive, so inclusive bounds are ``>=`` /
``<=`` (two bounds: an ``and`` composite, exact because both quantify over every row).
A ``fail`` rule's ``threshold: {max_ratio: r}`` is ``with threshold >= 1 - r`` where the DQDL
type takes a threshold and no ``where`` changes its denominator. DQDL has no rule names nor
severities: they travel as labels (``"name"``, ``"severity"``, ``"description"``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from lakehouse.config.rule_types import RuleBase, rule_type, rule_types
from lakehouse.config.rule_types.docs import replace_generated, table
from lakehouse.errors import LakehouseError
from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl.printer import rule_node

LABEL_KEYS = ("name", "severity", "description")
DEFAULT_SEVERITY = "fail"  # a DQDL rule without a severity label: a failed Glue rule fails
_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_LABEL = 256


class DqdlUnmappableError(LakehouseError):
    """A YAML rule (or a DQDL rule) has no exact counterpart in the other language."""

    def __init__(self, rule: str, rule_type: str, reason: str, *, from_dqdl: bool = False):
        self.rule = rule
        self.rule_type = rule_type
        self.reason = reason
        if from_dqdl:
            super().__init__(f"DQDL rule {rule!r} ({rule_type}) has no YAML rule meaning the same:"
                             f" {reason}")
        else:
            super().__init__(f"rule {rule!r} ({rule_type}) has no exact DQDL form: {reason}")


class _NoForm(Exception):
    """Raised inside a form for one rule's values (becomes :class:`DqdlUnmappableError`)."""


@dataclass(frozen=True)
class DqdlForm:
    """How one rule type reads in DQDL.

    Attributes:
        shape: the form in words, for the docs table.
        to_dqdl: rule -> a rule or composite (no labels, no threshold); raises ``_NoForm``.
        from_dqdl: a rule or composite (labels and threshold removed) -> the type's own keys
            (a dict without name/severity/description/threshold), or None when not this type.
        threshold: whether ``threshold: {max_ratio}`` maps to ``with threshold``.
        note: why the form is exact, for the docs table.
    """

    shape: str
    to_dqdl: Callable[[Any], ast.RuleNode]
    from_dqdl: Callable[[ast.RuleNode], dict[str, Any] | None]
    threshold: bool = False
    note: str = ""


@dataclass(frozen=True)
class NoForm:
    """A rule type DQDL cannot state exactly, and why."""

    reason: str


# ------------------------------------------------------------------------------ helpers
def _quoted(text: str, what: str, *, backslash: bool = False) -> ast.String:
    """``text`` as a DQDL string taken literally (column names, SQL; regexes, which Glue reads
    raw, may hold backslashes)."""
    if '"' in text or (not backslash and "\\" in text):
        raise _NoForm(f"the {what} {text!r} contains a double quote"
                      + ("" if backslash else " or a backslash"))
    return ast.String(text)


def _escaped(text: str) -> ast.String:
    """``text`` as a DQDL string whose escapes Glue resolves (list items, labels)."""
    return ast.String(text.replace("\\", "\\\\").replace('"', '\\"'))


def _number(value: float | int) -> ast.Number:
    number = Decimal(str(value))
    if not number.is_finite():
        raise _NoForm(f"{value!r} is not a finite number")
    return ast.Number(number)


def _from_number(node: object, *, integer: bool = False) -> float | int | None:
    if not isinstance(node, ast.Number):
        return None
    value = node.value
    if integer or value.as_tuple().exponent >= 0:  # type: ignore[operator]
        return int(value) if value == value.to_integral_value() else None
    return float(value)


def _present(column: str) -> ast.String:
    """The ``where`` that leaves nulls out (our value rules pass them)."""
    name = column if _SIMPLE.match(column) else "`" + column.replace("`", "``") + "`"
    return _quoted(f"{name} IS NOT NULL", "column")


def _column_rule(kind: str, column: str, op: str, operand: ast.Operand, *,
                 where: bool = True) -> ast.Rule:
    return ast.Rule(kind, (_quoted(column, "column"),), ast.Condition(op, (operand,)),  # type: ignore[arg-type]
                    _present(column) if where else None)


def _bounds(kind: str, column: str | None, low: Any, high: Any) -> ast.RuleNode:
    """``>= low`` and/or ``<= high`` (inclusive), nulls left out by ``where``."""
    def one(op: str, value: Any) -> ast.Rule:
        value = int(value) if float(value).is_integer() else value  # `>= 1`, not `>= 1.0`
        if column is None:
            return ast.Rule(kind, (), ast.Condition(op, (_number(value),)))  # type: ignore[arg-type]
        return _column_rule(kind, column, op, _number(value))

    parts = [one(op, v) for op, v in ((">=", low), ("<=", high)) if v is not None]
    if not parts:
        raise _NoForm("it sets no bound, so it never fails")
    return parts[0] if len(parts) == 1 else ast.Composite("and", tuple(parts))


def _column_of(rule: ast.Rule, kind: str, *, where: bool = True) -> str | None:
    """The column of a one-column ``kind`` rule with (or without) the nulls-out ``where``."""
    if rule.rule_type != kind or len(rule.params) != 1 or rule.tags or rule.labels is not None:
        return None
    param = rule.params[0]
    if not isinstance(param, ast.String | ast.Word):
        return None
    column = param.raw if isinstance(param, ast.String) else param.text
    try:
        expected = _present(column) if where else None
    except _NoForm:
        return None
    return column if rule.where == expected else None


def _read_bounds(node: ast.RuleNode, kind: str, *, column: bool = True,
                 integer: bool = False) -> dict[str, Any] | None:
    """Inverse of :func:`_bounds`: ``{column?, min?, max?}`` or None."""
    rules = node.rules if isinstance(node, ast.Composite) and node.op == "and" else (node,)
    if isinstance(node, ast.Composite) and node.labels is not None:
        return None
    keys = {">=": "min", "<=": "max"}
    out: dict[str, Any] = {}
    for position, rule in enumerate(rules):
        if not isinstance(rule, ast.Rule) or rule.condition is None:
            return None
        op = rule.condition.op
        if op not in keys or (len(rules) == 2 and op != (">=", "<=")[position]):
            return None
        if column:
            name = _column_of(rule, kind)
            if name is None or out.setdefault("column", name) != name:
                return None
        elif rule.rule_type != kind or rule.params or rule.where or rule.tags or rule.labels:
            return None
        value = _from_number(rule.condition.operands[0], integer=integer)
        if value is None:
            return None
        out[keys[op]] = value
    return out if len(rules) in (1, 2) else None


# ------------------------------------------------------------------------------ forms
def _not_null_from(node: ast.RuleNode) -> dict[str, Any] | None:
    if isinstance(node, ast.Rule) and node.condition is None:
        column = _column_of(node, "IsComplete", where=False)
        return None if column is None else {"column": column}
    return None


def _unique_from(node: ast.RuleNode) -> dict[str, Any] | None:
    if isinstance(node, ast.Rule) and node.condition is None:
        column = _column_of(node, "IsUnique", where=False)
        return None if column is None else {"column": column}
    return None


def _in_set_to(rule: Any) -> ast.Rule:
    items = [_escaped(v) if isinstance(v, str) else _number(v) for v in rule.values]
    return _column_rule("ColumnValues", rule.column, "in",
                        ast.ValueList((*items, ast.Keyword("NULL"))), where=False)


def _in_set_from(node: ast.RuleNode) -> dict[str, Any] | None:
    if not isinstance(node, ast.Rule) or node.condition is None or node.condition.op != "in":
        return None
    column = _column_of(node, "ColumnValues", where=False)
    listed = node.condition.operands[0]
    if column is None or not isinstance(listed, ast.ValueList):
        return None
    *items, last = listed.items
    if last != ast.Keyword("NULL") or not items:
        return None
    values: list[Any] = []
    for item in items:
        value = item.value if isinstance(item, ast.String) else _from_number(item)
        if value is None:
            return None
        values.append(value)
    return {"column": column, "values": values}


def _regex_to(rule: Any) -> ast.Rule:
    _exact_pattern(rule.pattern)
    pattern = _quoted(rule.pattern, "pattern", backslash=True)
    return _column_rule("ColumnValues", rule.column, "matches", pattern)


def _exact_pattern(pattern: str) -> None:
    """Raise ``_NoForm`` unless RLIKE and Glue's ``matches`` agree on ``pattern``."""
    if not (pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")):
        raise _NoForm("the pattern is not anchored (^...$): RLIKE searches anywhere, and whether"
                      " Glue's `matches` searches or matches the whole value is not documented")
    if re.fullmatch(pattern, ""):
        raise _NoForm("the pattern matches the empty string, which Glue's `matches` counts as no"
                      " match (Deequ's PatternMatch)")


def _regex_from(node: ast.RuleNode) -> dict[str, Any] | None:
    if not isinstance(node, ast.Rule) or node.condition is None or node.condition.op != "matches":
        return None
    column = _column_of(node, "ColumnValues")
    pattern = node.condition.operands[0]
    if column is None or not isinstance(pattern, ast.String):
        return None
    try:
        _exact_pattern(pattern.raw)
        _quoted(pattern.raw, "pattern", backslash=True)
    except (_NoForm, re.error):
        return None
    return {"column": column, "pattern": pattern.raw}


_SQL_HEAD = "SELECT count(*) FROM primary WHERE NOT coalesce(CAST(("
_SQL_TAIL = ") AS BOOLEAN), true)"


def _expression_to(rule: Any) -> ast.Rule:
    if "--" in rule.expr or "\n" in rule.expr or "\r" in rule.expr:
        raise _NoForm("the expression has a line break or a -- comment")
    statement = _quoted(_SQL_HEAD + rule.expr + _SQL_TAIL, "expression")
    return ast.Rule("CustomSql", (statement,), ast.Condition("=", (ast.Number(Decimal(0)),)))


def _expression_from(node: ast.RuleNode) -> dict[str, Any] | None:
    if (not isinstance(node, ast.Rule) or node.rule_type != "CustomSql" or node.where
            or node.tags or len(node.params) != 1 or not isinstance(node.params[0], ast.String)
            or node.condition != ast.Condition("=", (ast.Number(Decimal(0)),))):
        return None
    sql = node.params[0].raw
    if not (sql.startswith(_SQL_HEAD) and sql.endswith(_SQL_TAIL)):
        return None
    return {"expr": sql[len(_SQL_HEAD):-len(_SQL_TAIL)]}


FORMS: dict[str, DqdlForm | NoForm] = {
    "not_null": DqdlForm(
        'IsComplete "col"', lambda r: ast.Rule("IsComplete", (_quoted(r.column, "column"),)),
        _not_null_from, note="a null fails, as here"),
    "type_castable": NoForm(
        "DQDL's ColumnDataType knows only Glue's type names (Boolean, Date, Timestamp, Integer,"
        " Double, Float, Long) with its own parsing and no date format; a Spark try_cast has no"
        " exact DQDL form"),
    "expression": DqdlForm(
        'CustomSql "SELECT count(*) FROM primary WHERE NOT coalesce(CAST((expr) AS BOOLEAN),'
        ' true)" = 0', _expression_to, _expression_from,
        note="Spark SQL both sides; no line breaks, `--`, quotes or backslashes in `expr`"),
    "in_set": DqdlForm(
        'ColumnValues "col" in [v1, v2, ..., NULL]', _in_set_to, _in_set_from, threshold=True,
        note="`NULL` in the list: nulls pass, as here (Glue fails them otherwise)"),
    "between": DqdlForm(
        '(ColumnValues "col" >= min where "col IS NOT NULL") and (ColumnValues "col" <= max'
        ' where "col IS NOT NULL")',
        lambda r: _bounds("ColumnValues", r.column, r.min, r.max),
        lambda n: _read_bounds(n, "ColumnValues"),
        note="DQDL `between` is exclusive, ours inclusive; one bound: one comparison; the `where`"
             " keeps nulls passing"),
    "regex": DqdlForm(
        'ColumnValues "col" matches "^...$" where "col IS NOT NULL"', _regex_to, _regex_from,
        note="only anchored patterns (`^...$`) that cannot match an empty value: there RLIKE's"
             " search and Glue's `matches` agree"),
    "length": DqdlForm(
        '(ColumnLength "col" >= min where "col IS NOT NULL") and (ColumnLength "col" <= max'
        ' where "col IS NOT NULL")',
        lambda r: _bounds("ColumnLength", r.column, r.min, r.max),
        lambda n: _read_bounds(n, "ColumnLength", integer=True),
        note="Glue counts a null as length 0: the `where` keeps nulls passing"),
    "not_in_future": NoForm(
        "it compares with the gate's run time plus a tolerance, dates counted from midnight UTC;"
        " how Glue compares dates and timestamps with now() (time zone, date vs timestamp) is not"
        " documented exactly"),
    "unique": DqdlForm(
        'IsUnique "col"', lambda r: ast.Rule("IsUnique", (_quoted(r.column, "column"),)),
        _unique_from, note="Deequ's Uniqueness leaves rows with a null key out, as here"),
    "compound_unique": NoForm(
        "IsUnique over several columns counts rows where only some key columns are null (they"
        " pass here), and IsPrimaryKey also requires every key column complete: neither means"
        " the same"),
    "references": NoForm(
        "ReferentialIntegrity needs the referenced curated table as an extra Glue data source"
        " (an alias the job declares, not the ruleset), and its handling of null values is not"
        " documented (nulls pass here)"),
    "row_count": DqdlForm(
        "(RowCount >= min) and (RowCount <= max)",
        lambda r: _bounds("RowCount", None, r.min, r.max),
        lambda n: _read_bounds(n, "RowCount", column=False, integer=True),
        note="one bound: one comparison"),
    "freshness": NoForm(
        "it checks only the newest value against max_age; DQDL DataFreshness checks every row"
        " (and fails nulls)"),
    "drift": NoForm(
        "it compares statistics with the last run that did not block; DQDL dynamic rules compare"
        " with the metrics of the last runs whatever their outcome"),
}


def form(name: str) -> DqdlForm | NoForm:
    """The DQDL form of the rule type ``name`` (a :class:`NoForm` when it declares none)."""
    return FORMS.get(name) or NoForm("its rule type declares no DQDL form yet (FORMS in"
                                     " lakehouse/quality/dqdl/rules.py)")


# ------------------------------------------------------------------------------ YAML -> DQDL
def rule_to_dqdl(rule: RuleBase) -> ast.RuleNode:
    """The DQDL rule stating ``rule`` exactly, its name/severity/description as labels.

    Raises:
        DqdlUnmappableError: naming the rule, its type and why it has no exact DQDL form.
    """
    kind = rule.rule  # type: ignore[attr-defined]
    how = form(kind)
    try:
        if isinstance(how, NoForm):
            raise _NoForm(how.reason)
        node = how.to_dqdl(rule)
        if rule.threshold is not None:
            node = _with_threshold(node, rule.threshold, how.threshold)
        labels = _labels(rule)
    except _NoForm as exc:
        raise DqdlUnmappableError(rule.name, kind, str(exc)) from None
    return dataclasses.replace(node, labels=labels)


def _with_threshold(node: ast.RuleNode, threshold: Any, supported: bool) -> ast.RuleNode:
    if threshold.max_count is not None:
        raise _NoForm("a threshold in rows (max_count) has no DQDL form: DQDL thresholds are ratios")
    if not supported or not isinstance(node, ast.Rule):
        raise _NoForm("a threshold needs a DQDL form of one rule over all rows (no `where`) that"
                      " takes `with threshold`; this type's form is not one")
    compliance = 1 - Decimal(str(threshold.max_ratio))
    tag = ast.Tag("threshold", ast.Condition(">=", (ast.Number(compliance),)))
    return dataclasses.replace(node, tags=(*node.tags, tag))


def _labels(rule: RuleBase) -> tuple[ast.Label, ...]:
    values = {"name": rule.name, "severity": rule.severity, "description": rule.description}
    out = []
    for key in LABEL_KEYS:
        if values[key]:
            if len(values[key]) > _MAX_LABEL:
                raise _NoForm(f"its {key} is longer than a DQDL label value ({_MAX_LABEL})")
            out.append(ast.Label(ast.String(key), _escaped(values[key])))
    return tuple(out)


@dataclass(frozen=True)
class Export:
    """The DQDL ruleset of some YAML rules (None when none maps) and the rules left out."""

    ruleset: ast.Ruleset | None
    unmappable: tuple[DqdlUnmappableError, ...]


def rules_to_dqdl(rules: Iterable[RuleBase]) -> Export:
    """Every rule that has an exact DQDL form, in order; the others in ``unmappable``."""
    nodes: list[ast.RuleNode] = []
    left: list[DqdlUnmappableError] = []
    for rule in rules:
        try:
            nodes.append(rule_to_dqdl(rule))
        except DqdlUnmappableError as exc:
            left.append(exc)
    return Export(ast.Ruleset(rules=tuple(nodes)) if nodes else None, tuple(left))


# ------------------------------------------------------------------------------ DQDL -> YAML
def dqdl_to_rules(ruleset: ast.Ruleset) -> list[RuleBase]:
    """The YAML rules (config models) meaning the same as ``ruleset``'s rules.

    Labels ``name``, ``severity``, ``description`` give those keys (default: ``dqdl_<n>``,
    severity ``fail``); ``with threshold >= x`` gives ``threshold: {max_ratio: 1 - x}``.

    Raises:
        DqdlUnmappableError: for the first rule no rule type states exactly.
    """
    return [_rule_from(node, index) for index, node in enumerate(ruleset.rules or (), start=1)]


def _rule_from(node: ast.RuleNode, index: int) -> RuleBase:
    labels = {lb.key.value: lb.value.value for lb in node.labels or ()}
    name = labels.get("name", f"dqdl_{index}")
    bare = dataclasses.replace(node, labels=None)
    threshold = bare.threshold if isinstance(bare, ast.Rule) else None
    if isinstance(bare, ast.Rule):
        bare = dataclasses.replace(bare, tags=tuple(t for t in bare.tags if t.name != "threshold"))
    for t in rule_types():
        how = FORMS.get(t.name)
        if not isinstance(how, DqdlForm):
            continue
        keys = how.from_dqdl(bare)
        if keys is None or (threshold is not None and not how.threshold):
            continue
        data = {"name": name, "rule": t.name, **keys,
                "severity": labels.get("severity", DEFAULT_SEVERITY)}
        if labels.get("description"):
            data["description"] = labels["description"]
        if threshold is not None:
            ratio = _max_ratio(threshold)
            if ratio is None:
                continue
            data["threshold"] = {"max_ratio": ratio}
        try:
            return rule_type(t.name).spec.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors())
            raise DqdlUnmappableError(name, t.name, f"not a valid {t.name} rule: {problems}",
                                      from_dqdl=True) from None
    raise DqdlUnmappableError(name, getattr(node, "rule_type", "composite"),
                              f"no YAML rule type means `{rule_node(node)}`", from_dqdl=True)


def _max_ratio(cond: ast.Condition) -> float | None:
    if cond.op != ">=" or not isinstance(cond.operands[0], ast.Number):
        return None
    return float(1 - cond.operands[0].value)


# ------------------------------------------------------------------------------ docs
DOCS_START = "<!-- dqdl-forms:start (generated from lakehouse/quality/dqdl/rules.py; do not edit) -->"
DOCS_END = "<!-- dqdl-forms:end -->"


def markdown_table() -> str:
    """One row per registry rule type: its DQDL form, or why it has none."""
    rows = []
    for t in rule_types():
        how = form(t.name)
        if isinstance(how, NoForm):
            rows.append([f"`{t.name}`", "none", how.reason, "-"])
        else:
            rows.append([f"`{t.name}`", f"`{how.shape}`", how.note,
                         "`with threshold >= 1 - r`" if how.threshold else "none"])
    return table(["YAML rule", "DQDL form", "why exact (or why none)",
                  "`threshold: {max_ratio: r}`"], rows)


def render_docs(text: str) -> str:
    """``text`` (docs/quality-dqdl.md) with the table between the markers regenerated."""
    return replace_generated(text, DOCS_START, DOCS_END, markdown_table())


if __name__ == "__main__":  # python -m lakehouse.quality.dqdl.rules docs/quality-dqdl.md
    import sys
    from pathlib import Path

    for page in sys.argv[1:] or ["docs/quality-dqdl.md"]:
        path = Path(page)
        path.write_text(render_docs(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"updated {path}")
