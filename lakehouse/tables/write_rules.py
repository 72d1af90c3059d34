"""The write rules both backends apply, so native and portable agree by construction.

Latest row per key (``dedupe_latest``), the newer-or-equal rule a batch row must pass to
replace a table row (``newer_or_equal``), the batch's row count that also rejects null keys
(``count_rows``), the batch's partitions as a merge condition (``batch_partitions``), and
the error for a table that moved under a conditional write (``raise_moved``). Neither
backend imports the other (an ``independence`` contract in ``pyproject.toml``): what they
share lives here and in the other neutral modules of ``tables`` (``appended``, ``schemas``,
``snapshot``, ``log``, ``fs``, ``locks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.errors import ConcurrentCommitError, SchemaError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

DEL = "__lh_delete"     # the batch's delete flag, as a non-null boolean column


def dedupe_latest(df: DataFrame, keys: list[str], order_by: list[str]) -> DataFrame:
    """The latest row per key by ``order_by`` (descending, nulls last)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*keys).orderBy(*[F.col(c).desc_nulls_last() for c in order_by])
    return df.withColumn("__lh_rn", F.row_number().over(window)).where("__lh_rn = 1").drop("__lh_rn")


def count_rejecting_null_keys(df: DataFrame, keys: list[str], uri: str) -> int:
    """Row count of ``df`` (one aggregation); a null in any key column is an error."""
    from pyspark.sql import functions as F

    row = df.agg(F.count(F.lit(1)).alias("__lh_n"),
                 *[F.sum(F.col(f"`{k}`").isNull().cast("int")).alias(f"__lh_null_{i}")
                   for i, k in enumerate(keys)]).first()
    nulls = {k: int(row[f"__lh_null_{i}"] or 0) for i, k in enumerate(keys)}
    bad = {k: n for k, n in nulls.items() if n}
    if bad:
        raise SchemaError(
            "merge keys must not be null: " + ", ".join(f"{k} is null in {n} row(s)"
                                                       for k, n in bad.items()),
            hint="quarantine rows without a key before merging (declare the key columns "
                 "nullable: false so curate does it)", table=uri)
    return int(row["__lh_n"])


def count_rows(df: DataFrame, keys: list[str], uri: str, known_rows: int | None) -> int:
    """``known_rows`` when the caller vouches for it (it counted ``df`` and quarantined rows
    without a key, as curate does), else one aggregation that also rejects null keys."""
    return known_rows if known_rows is not None else count_rejecting_null_keys(df, keys, uri)


def batch_partitions(batch: DataFrame, parts: list[str], alias: str) -> Column:
    """A condition on the target (``alias``) naming the batch's partition values, column by
    column (one small job on the batch): added to a MERGE's key condition, it lets Delta read
    only those partitions' files. Correct only when a key's partition values never change
    (the partition columns are key columns, or derived from them)."""
    from functools import reduce

    from pyspark.sql import functions as F

    rows = batch.select(*[F.col(f"`{p}`") for p in parts]).distinct().collect()
    terms = []
    for i, name in enumerate(parts):
        values = sorted({r[i] for r in rows if r[i] is not None})
        target = F.col(f"{alias}.`{name}`")
        term = target.isin(values) if values else F.lit(False)
        if any(r[i] is None for r in rows):
            term = term | target.isNull()
        terms.append(term)
    return reduce(lambda a, b: a & b, terms)


def newer_or_equal(b: list[Column], e: list[Column]) -> Column:
    """Lexicographic ``b >= e`` where null orders lowest."""
    from pyspark.sql import functions as F

    result = F.lit(True)
    for bc, ec in reversed(list(zip(b, e, strict=True))):
        greater = bc.isNotNull() & (ec.isNull() | (bc > ec))
        result = greater | (bc.eqNullSafe(ec) & result)
    return result


def raise_moved(uri: str, expected: int, current: int | None) -> None:
    """The table changed since the caller read it: refuse to overwrite what it did not see."""
    raise ConcurrentCommitError(
        f"table moved from version {expected} to {current} while this write was prepared",
        hint="another writer committed meanwhile; read the table again and retry",
        table=uri)
