"""Row rules on one value: not_null, type_castable, expression, in_set, between, regex, length.

Nulls pass every rule here except ``not_null`` (and ``expression``, whose null result passes).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from lakehouse.config.rule_types.base import (
    RuleBase,
    ident,
    num,
    outside,
    rule_base_name,
    sql_literal,
)
from lakehouse.config.rule_types.registry import (
    GxContext,
    RuleDoc,
    RuleType,
    SuggestContext,
    Suggestion,
    register,
)
from lakehouse.config.types import normalize_type

NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")
MAX_SET_VALUES = 12


def _present(rule) -> str:
    return f"{ident(rule.column)} IS NOT NULL"


# ------------------------------------------------------------------------------ not_null
class NotNullRule(RuleBase):
    rule: Literal["not_null"]
    column: str


def _not_null_suggest(col, ctx: SuggestContext) -> Suggestion | None:
    rows = ctx.profile.rows
    if col.nulls == 0 and col.name not in ctx.key and rows:
        return Suggestion({"name": f"{rule_base_name(col.name)}_present", "rule": "not_null",
                           "column": col.name, "severity": "warn"},
                          f"no nulls in {rows:,} sampled rows")
    return None


register(RuleType(
    name="not_null", spec=NotNullRule, position=10,
    describe=lambda r: f"{r.column} is null",
    violation=lambda r, ctx: f"{ident(r.column)} IS NULL",
    expectations=lambda r, gx: [("ExpectColumnValuesToNotBeNull",
                                 {"column": r.column, **gx.mostly})],
    suggest_column=_not_null_suggest,
    doc=RuleDoc(keys="column", fails="value is null", gx="ExpectColumnValuesToNotBeNull",
                example="{name: fare_set, rule: not_null, column: fare}")))


# ------------------------------------------------------------------------- type_castable
class TypeCastableRule(RuleBase):
    """Non-null values of ``column`` (usually a raw string) cast to ``type`` (``format`` for dates)."""

    rule: Literal["type_castable"]
    column: str
    type: str
    format: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return normalize_type(value)


def _cast_sql(rule: TypeCastableRule) -> str:
    name = ident(rule.column)
    if rule.format and rule.type in ("date", "timestamp"):
        fmt = rule.format.replace("'", "''")
        ts = f"try_to_timestamp(CAST({name} AS STRING), '{fmt}')"
        return f"CAST({ts} AS DATE)" if rule.type == "date" else ts
    return f"try_cast({name} AS {rule.type})"


def _castable_gx(rule: TypeCastableRule, gx: GxContext) -> list:
    q = ident(rule.column)
    sql = (f"SELECT * FROM {{batch}} WHERE {q} IS NOT NULL AND "  # noqa: S608
           f"try_cast({q} AS {rule.type}) IS NULL")
    return [("UnexpectedRowsExpectation", {"unexpected_rows_query": sql})]


register(RuleType(
    name="type_castable", spec=TypeCastableRule, position=20, gx_result="rows",
    describe=lambda r: f"{r.column} does not cast to {r.type}",
    violation=lambda r, ctx: f"{_present(r)} AND {_cast_sql(r)} IS NULL",
    expectations=_castable_gx,
    doc=RuleDoc(keys="column, type, format", fails="non-null value does not cast",
                gx="UnexpectedRowsExpectation (`try_cast`)",
                example="{name: day_is_date, rule: type_castable, column: day, type: date, "
                        "format: dd.MM.yyyy}")))


# ---------------------------------------------------------------------------- expression
class ExpressionRule(RuleBase):
    """A Spark SQL boolean expression that must hold for every row (null counts as pass)."""

    rule: Literal["expression"]
    expr: str


def _expression_gx(rule: ExpressionRule, gx: GxContext) -> list:
    sql = f"SELECT * FROM {{batch}} WHERE NOT coalesce(({rule.expr}), true)"  # noqa: S608
    return [("UnexpectedRowsExpectation", {"unexpected_rows_query": sql})]


register(RuleType(
    name="expression", spec=ExpressionRule, position=30, gx_result="rows",
    describe=lambda r: f"not ({r.expr})",
    violation=lambda r, ctx: f"NOT coalesce(CAST(({r.expr}\n) AS BOOLEAN), true)",  # \n ends a -- comment
    expectations=_expression_gx,
    doc=RuleDoc(keys="expr (Spark SQL)", fails="expr is false (null passes)",
                gx="UnexpectedRowsExpectation",
                example='{name: distance_positive, rule: expression, expr: "distance > 0"}')))


# -------------------------------------------------------------------------------- in_set
class InSetRule(RuleBase):
    rule: Literal["in_set"]
    column: str
    values: list[str | int | float] = Field(min_length=1)


def _in_set_suggest(col, ctx: SuggestContext) -> Suggestion | None:
    if (col.values is not None and 1 <= len(col.values) <= MAX_SET_VALUES
            and col.type in ("string", "int", "bigint", "tinyint", "smallint")
            and ctx.profile.rows >= 3 * len(col.values)):
        return Suggestion({"name": f"{rule_base_name(col.name)}_values", "rule": "in_set",
                           "column": col.name, "values": sorted(col.values, key=str),
                           "severity": "warn"},
                          f"only {len(col.values)} distinct values in the sample")
    return None


register(RuleType(
    name="in_set", spec=InSetRule, position=40,
    describe=lambda r: f"{r.column} not in {list(r.values)[:10]}",
    violation=lambda r, ctx: (f"{_present(r)} AND NOT ({ident(r.column)} IN "
                              f"({', '.join(sql_literal(v) for v in r.values)}))"),
    expectations=lambda r, gx: [("ExpectColumnValuesToBeInSet",
                                 {"column": r.column, "value_set": list(r.values), **gx.mostly})],
    suggest_column=_in_set_suggest, suggest_group="shape",
    doc=RuleDoc(keys="column, values", fails="value not in values",
                gx="ExpectColumnValuesToBeInSet",
                example="{name: carrier_known, rule: in_set, column: carrier, values: [AA, DL, UA]}")))


# ------------------------------------------------------------------------------- between
class BetweenRule(RuleBase):
    """``min <= column <= max`` (either bound optional); nulls pass."""

    rule: Literal["between"]
    column: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _a_bound(self) -> BetweenRule:
        if self.min is None and self.max is None:
            raise ValueError(f"rule {self.name!r}: give 'min', 'max' or both")
        return self


def _between_suggest(col, ctx: SuggestContext) -> Suggestion | None:
    if (col.type in NUMERIC and col.minimum is not None and col.maximum is not None
            and col.name not in ctx.key):
        return Suggestion({"name": f"{rule_base_name(col.name)}_range", "rule": "between",
                           "column": col.name, "min": col.minimum, "max": col.maximum,
                           "severity": "warn"},
                          f"sampled range {col.minimum} .. {col.maximum}; widen as needed")
    return None


register(RuleType(
    name="between", spec=BetweenRule, position=50,
    describe=lambda r: f"{r.column} outside [{num(r.min)}, {num(r.max)}]",
    violation=lambda r, ctx: f"{_present(r)} AND {outside(ident(r.column), r.min, r.max)}",
    expectations=lambda r, gx: [("ExpectColumnValuesToBeBetween",
                                 {"column": r.column, "min_value": r.min, "max_value": r.max,
                                  **gx.mostly})],
    suggest_column=_between_suggest, suggest_group="shape",
    doc=RuleDoc(keys="column, min, max", fails="value outside [min, max]",
                gx="ExpectColumnValuesToBeBetween",
                example="{name: delay_range, rule: between, column: dep_delay, min: -120, "
                        "max: 1800}")))


# --------------------------------------------------------------------------------- regex
class RegexRule(RuleBase):
    """Non-null values of ``column`` match ``pattern`` (Java regex, searched anywhere)."""

    rule: Literal["regex"]
    column: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


def _regex_suggest(col, ctx: SuggestContext) -> Suggestion | None:
    if col.type == "string" and col.code_pattern:
        return Suggestion({"name": f"{rule_base_name(col.name)}_format", "rule": "regex",
                           "column": col.name, "pattern": col.code_pattern, "severity": "warn"},
                          "every sampled value looks like a code")
    return None


register(RuleType(
    name="regex", spec=RegexRule, position=60,
    describe=lambda r: f"{r.column} does not match /{r.pattern}/",
    violation=lambda r, ctx: (f"{_present(r)} AND NOT (CAST({ident(r.column)} AS STRING) "
                              f"RLIKE {sql_literal(r.pattern)})"),
    expectations=lambda r, gx: [("ExpectColumnValuesToMatchRegex",
                                 {"column": r.column, "regex": r.pattern, **gx.mostly})],
    suggest_column=_regex_suggest, suggest_group="shape",
    doc=RuleDoc(keys="column, pattern", fails="value does not match",
                gx="ExpectColumnValuesToMatchRegex",
                example="{name: tail_shape, rule: regex, column: tailnum, pattern: '^N[0-9A-Z]+$'}")))


# -------------------------------------------------------------------------------- length
class LengthRule(RuleBase):
    """``min <= length(column) <= max``; nulls pass."""

    rule: Literal["length"]
    column: str
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


register(RuleType(
    name="length", spec=LengthRule, position=70,
    describe=lambda r: f"length({r.column}) outside [{r.min}, {r.max}]",
    violation=lambda r, ctx: (f"{_present(r)} AND "
                              f"{outside(f'length(CAST({ident(r.column)} AS STRING))', r.min, r.max)}"),
    expectations=lambda r, gx: [("ExpectColumnValueLengthsToBeBetween",
                                 {"column": r.column, "min_value": r.min, "max_value": r.max,
                                  **gx.mostly})],
    doc=RuleDoc(keys="column, min, max", fails="length outside [min, max]",
                gx="ExpectColumnValueLengthsToBeBetween",
                example="{name: code_length, rule: length, column: faa, min: 3, max: 4}")))
