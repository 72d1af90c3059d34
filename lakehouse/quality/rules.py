"""Row-level rules compiled to Spark Column expressions (``True`` = the row violates the rule).

Each rule type states its violation as Spark SQL (:mod:`lakehouse.config.rule_types`); here
it becomes one null-safe Column (never null) so the gate can fold them into one projection.
Rules that need other rows (unique keys) use a window; referential rules check against
the :class:`ReferenceKeys` of their table and column (:func:`reference_keys`: an ``IN``
list for small tables, else one broadcast left join against the distinct keys, added by
:func:`attach_references`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lakehouse.config.rule_types import RowContext, rule_type
from lakehouse.config.rule_types.base import ident, sql_literal
from lakehouse.errors import QualityGateError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

REF_FLAG = "__lh_ref_{i}"
REF_KEY = "__lh_ref_key"


def _c(name: str) -> Column:
    from pyspark.sql import functions as F

    return F.col(f"`{name}`")


def describe(rule) -> str:
    """A one-line, human-readable statement of what ``rule`` expects."""
    rt = rule_type(rule.rule)
    base = rt.describe(rule) if rt.describe else rule.rule
    return f"{rule.name}: {base}"


MAX_INLINE_KEYS = 50_000


@dataclass(frozen=True)
class ReferenceKeys:
    """The non-null keys of one referenced table column, as a referential rule checks them.

    ``values``: the distinct keys themselves when there are at most ``MAX_INLINE_KEYS``
    (dimensions such as airports, planes); otherwise ``frame``, a DataFrame of the distinct
    keys (column :data:`REF_KEY`). ``version``: the table version they were read at.
    """

    values: tuple | None = None
    frame: DataFrame | None = None
    version: int | None = None


def reference_keys(ref: DataFrame, column: str, *, table: str, dataset: str,
                   version: int | None = None) -> ReferenceKeys:
    """Read the keys of ``ref.column`` once: one small scan, no shuffle (reference tables are
    usually keyed by this column). Raises when ``ref`` has no such column."""
    from pyspark.sql import functions as F

    if column not in ref.columns:
        raise QualityGateError(
            f"references rule: table {table!r} has no column {column!r}",
            hint=f"its columns are {ref.columns}; set 'ref_column'", dataset=dataset)
    keys = ref.select(_c(column).alias(REF_KEY)).where(F.col(REF_KEY).isNotNull())
    sample = keys.limit(MAX_INLINE_KEYS + 1).collect()
    if len(sample) <= MAX_INLINE_KEYS:
        return ReferenceKeys(values=tuple(sorted({r[0] for r in sample})), version=version)
    return ReferenceKeys(frame=keys.distinct(), version=version)


def attach_references(df: DataFrame, rules: Sequence,
                      references: Mapping[tuple[str, str], ReferenceKeys],
                      ) -> tuple[DataFrame, dict[str, str]]:
    """Prepare referential rules; return the df and, per rule, a "key exists" SQL expression.

    ``references`` maps (table, column) to its keys. Small key sets are checked with a
    hash-set ``IN`` (no join, no extra job on the data); larger ones with a broadcast left
    join against the distinct keys. Rules whose keys are not in ``references`` are left
    out (reported skipped).
    """
    from pyspark.sql import functions as F

    flags: dict[str, str] = {}
    for i, rule in enumerate(r for r in rules if r.rule == "references"):
        found = references.get((rule.dataset, rule.target_column))
        if found is None:
            continue
        if found.values is not None:
            flags[rule.name] = _in_list(rule.column, list(found.values))
            continue
        flag, key = REF_FLAG.format(i=i), f"{REF_KEY}_{i}"
        keys = found.frame.select(F.col(REF_KEY).alias(key), F.lit(True).alias(flag))
        df = df.join(F.broadcast(keys), _c(rule.column) == F.col(key), "left").drop(key)
        flags[rule.name] = f"{ident(flag)} IS NOT NULL"
    return df, flags


def _in_list(column: str, values: list) -> str:
    """``column IN (values)`` as one SQL string: ``Column.isin`` would cost one py4j
    round trip per value (seconds for a few thousand keys)."""
    if not values:
        return "false"
    items = ", ".join(sql_literal(v) for v in values)
    return f"{ident(column)} IN ({items})"


def violation(rule, ref_flags: Mapping[str, str], *, now: datetime | None = None,
              ) -> Column | None:
    """The violation expression of a row-level ``rule`` (None when it cannot be evaluated).

    ``ref_flags``: rule name -> "key exists" SQL (from :func:`attach_references`); ``now``:
    the run's time (default: now, UTC) for rules that compare with it.
    """
    from pyspark.sql import functions as F

    rt = rule_type(rule.rule)
    if rt.level != "row" or rt.violation is None:
        return None
    ctx = RowContext(now=now or datetime.now(UTC), ref_exists=ref_flags)
    sql = rt.violation(rule, ctx)
    if sql is None:
        return None
    return F.expr(f"coalesce(({sql}), false)")
