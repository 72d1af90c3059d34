"""The referential row rule: a non-null value exists in a column of another curated table.

The engine reads the referenced keys (``lakehouse.quality.references``) and hands the
violation the SQL that says "this row's key exists" (an ``IN`` list, or a flag column of a
broadcast join); until the table exists the rule is reported skipped.
"""

from __future__ import annotations

from typing import Literal

from lakehouse.config.rule_types.base import RuleBase, ident
from lakehouse.config.rule_types.registry import (
    GxContext,
    RowContext,
    RuleDoc,
    RuleType,
    register,
)


def ref_view(dataset: str, column: str) -> str:
    """Temp view name a referential SQL expectation reads (distinct keys of ``dataset``)."""
    return f"lakehouse_ref_{dataset}_{column}"


class ReferencesRule(RuleBase):
    """Non-null ``column`` values exist in ``ref_column`` of the curated table of ``dataset``."""

    rule: Literal["references"]
    column: str
    dataset: str
    ref_column: str | None = None

    @property
    def target_column(self) -> str:
        return self.ref_column or self.column


def _violation(rule: ReferencesRule, ctx: RowContext) -> str | None:
    exists = ctx.ref_exists.get(rule.name)
    if exists is None:
        return None
    return f"{ident(rule.column)} IS NOT NULL AND NOT ({exists})"


def _gx(rule: ReferencesRule, gx: GxContext) -> list:
    q = ident(rule.column)
    view, ref = ref_view(rule.dataset, rule.target_column), ident(rule.target_column)
    sql = (f"SELECT * FROM {{batch}} WHERE {q} IS NOT NULL AND {q} NOT IN "  # noqa: S608
           f"(SELECT {ref} FROM {view} WHERE {ref} IS NOT NULL)")
    return [("UnexpectedRowsExpectation", {"unexpected_rows_query": sql})]


register(RuleType(
    name="references", spec=ReferencesRule, position=100, gx_result="rows",
    describe=lambda r: f"{r.column} not found in {r.dataset}.{r.target_column}",
    violation=_violation, expectations=_gx,
    doc=RuleDoc(keys="column, dataset, ref_column", fails="value not in the curated table",
                gx="UnexpectedRowsExpectation (`NOT IN`)",
                example="{name: dest_known, rule: references, column: dest, dataset: airports, "
                        "ref_column: faa}")))
