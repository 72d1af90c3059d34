"""Row-level rules compiled to Spark Column expressions (``True`` = the row violates the rule).

Every expression is null-safe (never null) so the gate can fold them into one array of
failed rule names in a single projection. Rules that need other rows (unique keys) use a
window; referential rules check against the :class:`ReferenceKeys` of their table and
column (:func:`reference_keys`: an ``IN`` list for small tables, else one broadcast left
join against the distinct keys, added by :func:`attach_references`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    kind = rule.rule
    col = getattr(rule, "column", None)
    text = {
        "not_null": lambda: f"{col} is null",
        "type_castable": lambda: f"{col} does not cast to {rule.type}",
        "expression": lambda: f"not ({rule.expr})",
        "in_set": lambda: f"{col} not in {list(rule.values)[:10]}",
        "between": lambda: f"{col} outside [{_num(rule.min)}, {_num(rule.max)}]",
        "regex": lambda: f"{col} does not match /{rule.pattern}/",
        "length": lambda: f"length({col}) outside [{rule.min}, {rule.max}]",
        "unique": lambda: f"{col} is duplicated",
        "compound_unique": lambda: f"({', '.join(rule.columns())}) is duplicated",
        "references": lambda: f"{col} not found in {rule.dataset}.{rule.target_column}",
    }.get(kind)
    base = text() if text else kind
    return f"{rule.name}: {base}"


def _num(value) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value)


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
                      ) -> tuple[DataFrame, dict[str, Column]]:
    """Prepare referential rules; return the df and, per rule, a "key exists" expression.

    ``references`` maps (table, column) to its keys. Small key sets are checked with a
    hash-set ``IN`` (no join, no extra job on the data); larger ones with a broadcast left
    join against the distinct keys. Rules whose keys are not in ``references`` are left
    out (reported skipped).
    """
    from pyspark.sql import functions as F

    flags: dict[str, Column] = {}
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
        flags[rule.name] = F.col(flag).isNotNull()
    return df, flags


def _in_list(column: str, values: list) -> Column:
    """``column IN (values)`` parsed from one SQL string: ``Column.isin`` would cost one py4j
    round trip per value (seconds for a few thousand keys)."""
    from pyspark.sql import functions as F

    if not values:
        return F.lit(False)
    items = ", ".join(_sql_literal(v) for v in values)
    return F.expr(f"`{column}` IN ({items})")


def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def violation(rule, ref_flags: Mapping[str, Column]) -> Column | None:
    """The violation expression of a row-level ``rule`` (None when it cannot be evaluated)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    kind = rule.rule
    col = _c(rule.column) if getattr(rule, "column", None) else None
    present = col.isNotNull() if col is not None else None
    if kind == "not_null":
        expr = col.isNull()
    elif kind == "type_castable":
        expr = present & _cast(rule).isNull()
    elif kind == "expression":
        expr = ~F.coalesce(F.expr(rule.expr).cast("boolean"), F.lit(True))
    elif kind == "in_set":
        expr = present & ~col.isin(list(rule.values))
    elif kind == "between":
        expr = present & _outside(col, rule.min, rule.max)
    elif kind == "regex":
        expr = present & ~col.cast("string").rlike(rule.pattern)
    elif kind == "length":
        expr = present & _outside(F.length(col.cast("string")), rule.min, rule.max)
    elif kind in ("unique", "compound_unique"):
        cols = [_c(c) for c in rule.columns()]
        all_present = F.lit(True)
        for c in cols:
            all_present = all_present & c.isNotNull()
        expr = all_present & (F.count(F.lit(1)).over(Window.partitionBy(*cols)) > 1)
    elif kind == "references":
        flag = ref_flags.get(rule.name)
        if flag is None:
            return None
        expr = present & ~flag
    else:  # a dataset-level rule
        return None
    return F.coalesce(expr, F.lit(False))


def _outside(col: Column, low, high) -> Column:
    from pyspark.sql import functions as F

    out = F.lit(False)
    if low is not None:
        out = out | (col < F.lit(low))
    if high is not None:
        out = out | (col > F.lit(high))
    return out


def _cast(rule) -> Column:
    from pyspark.sql import functions as F

    name = f"`{rule.column}`"
    if rule.format and rule.type in ("date", "timestamp"):
        fmt = rule.format.replace("'", "''")
        ts = F.expr(f"try_to_timestamp(CAST({name} AS STRING), '{fmt}')")
        return ts.cast("date") if rule.type == "date" else ts
    return F.expr(f"try_cast({name} AS {rule.type})")
