"""Row rules over other rows: unique, compound_unique (a window count per key).

Every row of a duplicated key fails; rows with a null in the key pass.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from lakehouse.config.rule_types.base import RuleBase, ident
from lakehouse.config.rule_types.registry import (
    RuleDoc,
    RuleType,
    SuggestContext,
    Suggestion,
    register,
)

_KEY_NOTE = "the primary key must stay unique in curated"


def _duplicated(columns: list[str]) -> str:
    cols = [ident(c) for c in columns]
    present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    return f"{present} AND count(1) OVER (PARTITION BY {', '.join(cols)}) > 1"


class UniqueRule(RuleBase):
    """Every row whose non-null ``column`` value occurs more than once fails."""

    rule: Literal["unique"]
    column: str


def _unique_suggest(ctx: SuggestContext) -> list[Suggestion]:
    if len(ctx.key) != 1:
        return []
    return [Suggestion({"name": "key_unique", "rule": "unique", "column": ctx.key[0],
                        "severity": "fail"}, _KEY_NOTE, gate="curated_to_exportable")]


register(RuleType(
    name="unique", spec=UniqueRule, position=80,
    describe=lambda r: f"{r.column} is duplicated",
    violation=lambda r, ctx: _duplicated([r.column]),
    expectations=lambda r, gx: [("ExpectColumnValuesToBeUnique",
                                 {"column": r.column, **gx.mostly})],
    suggest_dataset=_unique_suggest,
    doc=RuleDoc(keys="column", fails="value occurs more than once",
                gx="ExpectColumnValuesToBeUnique",
                example="{name: key_unique, rule: unique, column: faa}")))


class CompoundUniqueRule(RuleBase):
    """Every row whose combination of ``columns`` (all non-null) occurs more than once fails."""

    rule: Literal["compound_unique"]
    columns_: list[str] = Field(alias="columns", min_length=2)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _compound_suggest(ctx: SuggestContext) -> list[Suggestion]:
    if len(ctx.key) < 2:
        return []
    return [Suggestion({"name": "key_unique", "rule": "compound_unique",
                        "columns": list(ctx.key), "severity": "fail"}, _KEY_NOTE,
                       gate="curated_to_exportable")]


register(RuleType(
    name="compound_unique", spec=CompoundUniqueRule, position=90,
    describe=lambda r: f"({', '.join(r.columns())}) is duplicated",
    violation=lambda r, ctx: _duplicated(r.columns()),
    expectations=lambda r, gx: [("ExpectCompoundColumnsToBeUnique",
                                 {"column_list": r.columns(),
                                  "ignore_row_if": "any_value_is_missing", **gx.mostly})],
    suggest_dataset=_compound_suggest,
    doc=RuleDoc(keys="columns", fails="combination occurs more than once",
                gx="ExpectCompoundColumnsToBeUnique",
                example="{name: key_unique, rule: compound_unique, "
                        "columns: [year, month, day, carrier, flight]}")))
