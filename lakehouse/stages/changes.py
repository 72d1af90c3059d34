"""Apply change data (AWS DMS full load + CDC files) to a curated table: SCD1 or SCD2.

Every change gets ``_change_seq``: one sortable text of (phase: full load before CDC, the
declared ordering columns, file name, row in file). A change applies only when it is newer
than the last change applied to its key; the last applied position is kept in the table
(``_change_seq`` of a row: the last change applied to it; ``_closed_seq`` of a closed
SCD2 version) and, for deleted keys,
in a hidden tombstone table next to it (``<dataset>__tombstones``). So a
stale change arriving late, a file delivered twice or a run replayed changes nothing.

Both Delta backends through the table interface: SCD1 is a merge with a delete flag, SCD2 a
merge by (key, ``_opened_seq``) that updates the open version and inserts the new ones in one
commit. The counts come from the batch (one aggregation), before the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.config.changes_spec import (
    CHANGE_OP,
    CHANGE_SEQ,
    CLOSED_SEQ,
    IS_CURRENT,
    OP_DELETE,
    OP_INSERT,
    OP_UPDATE,
    OPENED_SEQ,
    SOURCE_ROW,
    VALID_FROM,
    VALID_TO,
)
from lakehouse.config.models import DatasetConfig
from lakehouse.errors import ConfigError
from lakehouse.sources.conform import RAW_STRUCT
from lakehouse.sources.naming import safe_column_names

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType

    from lakehouse.tables.base import DeltaTableStore

_ORDER_TYPES = ("timestamp", "date", "tinyint", "smallint", "int", "bigint", "string")
_LAST, _TS, _DEL, _OPEN = "__cdc_last", "__cdc_ts", "__cdc_delete", "__cdc_open"


@dataclass
class ChangeCounts:
    """What one batch of changes did. ``inserted + updated + deleted + deletes_unknown +
    ignored + superseded`` = the changes read (rows that passed the gate)."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    deletes_unknown: int = 0     # a delete of a key the table does not hold (kept as tombstone)
    ignored: int = 0             # stale (older than the key's last applied change) or duplicate
    superseded: int = 0          # SCD1: replaced by a later change to its key in the same batch
    committed: bool = True
    version: int | None = None
    derived: int = 0             # snapshot sources: deletes derived (keys absent), not rows read

    @property
    def applied(self) -> int:
        return self.inserted + self.updated + self.deleted + self.deletes_unknown

    @property
    def written(self) -> int:
        """The rows read that were applied (a snapshot's derived deletes are not rows read)."""
        return self.applied - self.derived

    def to_json(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("inserted", "updated", "deleted",
                                              "deletes_unknown", "ignored", "superseded")}


def tombstones_uri(curated_uri: str) -> str:
    """The hidden table of deleted keys of an SCD1 change dataset, next to its table."""
    return curated_uri.rstrip("/") + "__tombstones"


def op_field(dataset: DatasetConfig) -> str:
    """The operation column's name in raw (a safe column name)."""
    assert dataset.changes is not None
    return safe_column_names([dataset.changes.op_column])[0]


def change_rows(passed: DataFrame, dataset: DatasetConfig) -> DataFrame:
    """Conformed rows (with ``_raw``) -> the declared and metadata columns plus
    ``_change_op`` (I / U / D; a full-load row without one is an insert) and ``_change_seq``."""
    from pyspark.sql import functions as F

    spec = dataset.changes
    assert spec is not None
    op_name = op_field(dataset)
    raw_fields = passed.schema[RAW_STRUCT].dataType.fieldNames()
    op = (F.upper(F.trim(F.col(f"`{RAW_STRUCT}`.`{op_name}`")))
          if op_name in raw_fields and not spec.is_snapshot else F.lit(None).cast("string"))
    name = F.regexp_extract(F.col("_source_file"), r"([^/]*)$", 1)
    kinds = dict(passed.dtypes)
    if spec.is_snapshot:   # one position per snapshot file: its ordering columns, its name
        parts = [*[_sortable(c, kinds[c]) for c in spec.ordering()], name]
        return (passed.withColumn(CHANGE_OP, F.lit(OP_INSERT))
                .withColumn(CHANGE_SEQ, F.concat_ws("\u0001", *parts)).drop(RAW_STRUCT))
    like = spec.full_load_pattern.replace("%", r"\%").replace("_", r"\_").replace("*", "%")
    phase = F.when(name.like(like.replace("?", "_")), F.lit("0")).otherwise(F.lit("1"))
    parts = [phase, *[_sortable(c, kinds[c]) for c in spec.ordering()], name,
             F.lpad(F.coalesce(F.col(SOURCE_ROW), F.lit(0)).cast("string"), 20, "0")]
    return (passed.withColumn(CHANGE_OP, F.coalesce(op, F.lit(OP_INSERT)))
            .withColumn(CHANGE_SEQ, F.concat_ws("\u0001", *parts))
            .drop(RAW_STRUCT))


def table_schema(rows: StructType, dataset: DatasetConfig) -> StructType:
    """The curated table's schema for change rows of :func:`change_rows` (SCD2: without
    ``_change_op``, with the validity columns)."""
    from pyspark.sql.types import BooleanType, StringType, StructField, StructType, TimestampType

    assert dataset.changes is not None
    if dataset.changes.mode == "scd1":
        return rows
    kept = [f for f in rows.fields if f.name not in (CHANGE_OP, CHANGE_SEQ)]
    return StructType([*kept, StructField(VALID_FROM, TimestampType()),
                       StructField(VALID_TO, TimestampType()), StructField(IS_CURRENT, BooleanType()),
                       StructField(OPENED_SEQ, StringType()), StructField(CHANGE_SEQ, StringType()),
                       StructField(CLOSED_SEQ, StringType())])


def op_rule_sql(dataset: DatasetConfig, raw_fields: list[str]) -> str | None:
    """SQL true for a row whose operation is I, U, D or absent (the gate's ``change_op``
    rule); None when no file of the batch has the column, or the source is a snapshot."""
    name = op_field(dataset)
    assert dataset.changes is not None
    if name not in raw_fields or dataset.changes.is_snapshot:
        return None
    col = f"`{RAW_STRUCT}`.`{name}`"
    return f"{col} IS NULL OR upper(trim({col})) IN ('I', 'U', 'D')"


def with_op_rule(dataset: DatasetConfig, conformed: DataFrame) -> DatasetConfig:
    """``dataset`` with a ``change_op`` quarantine rule at the raw_to_curated gate: a row
    whose operation is not I, U or D is quarantined, not guessed."""
    from lakehouse.config.rule_types.values import ExpressionRule

    sql = op_rule_sql(dataset, conformed.schema[RAW_STRUCT].dataType.fieldNames())
    if sql is None:
        return dataset
    rule = ExpressionRule.model_validate({
        "name": "change_op", "rule": "expression", "expr": sql, "severity": "quarantine",
        "description": "the change's operation must be I, U or D"})
    rules = dataset.rules.model_copy(update={"raw_to_curated": [*dataset.rules.raw_to_curated,
                                                                rule]})
    return dataset.model_copy(update={"rules": rules})


def _sortable(column: str, kind: str) -> Column:
    """``column`` as text that sorts as its values do (null lowest)."""
    from pyspark.sql import functions as F

    c = F.col(f"`{column}`")
    if kind not in _ORDER_TYPES:
        raise ConfigError(f"changes ordering column {column!r} is {kind}",
                          hint=f"order changes by a column of type {', '.join(_ORDER_TYPES)}")
    if kind == "timestamp":
        text = F.date_format(c, "yyyy-MM-dd HH:mm:ss.SSSSSS")
    elif kind == "date":
        text = F.date_format(c, "yyyy-MM-dd")
    elif kind == "string":
        text = c
    else:  # integers: fixed width (non-negative sequences)
        text = F.lpad(c.cast("string"), 20, "0")
    return F.coalesce(text, F.lit(""))


def _fresh(changes: DataFrame, keys: list[str], last: DataFrame | None) -> DataFrame:
    """Changes newer than the last one applied to their key; exact duplicates dropped."""
    from pyspark.sql import functions as F

    out = changes.dropDuplicates([*keys, CHANGE_SEQ])
    if last is None:
        return out
    return (out.join(last, keys, "left")
            .where(F.col(_LAST).isNull() | (F.col(CHANGE_SEQ) > F.col(_LAST))).drop(_LAST))


def _max_seq(frames: list[DataFrame], keys: list[str]) -> DataFrame | None:
    from pyspark.sql import functions as F

    if not frames:
        return None
    union = frames[0]
    for other in frames[1:]:
        union = union.unionByName(other)
    return union.groupBy(*keys).agg(F.max(_LAST).alias(_LAST))


def apply_scd1(changes: DataFrame, dataset: DatasetConfig, curated: DeltaTableStore,
               tombstones: DeltaTableStore, *, idempotency_key: str) -> ChangeCounts:
    """The latest new change per key: an insert or update is upserted, a delete removes the
    row; deleted keys are kept (with the delete's position) in ``tombstones``."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = dataset.primary_key
    exists = curated.exists()
    frames = []
    if exists:
        frames.append(curated.read().select(*keys, F.col(CHANGE_SEQ).alias(_LAST)))
    if tombstones.exists():
        frames.append(tombstones.read().select(*keys, F.col(CHANGE_SEQ).alias(_LAST)))
    fresh = _fresh(changes, keys, _max_seq(frames, keys))
    window = Window.partitionBy(*keys).orderBy(F.col(CHANGE_SEQ).desc())
    latest = fresh.withColumn("__cdc_n", F.count(F.lit(1)).over(Window.partitionBy(*keys)))
    latest = (latest.withColumn("__cdc_rn", F.row_number().over(window)).where("__cdc_rn = 1")
              .drop("__cdc_rn"))
    if exists:
        held = curated.read().select(*keys).withColumn("__cdc_held", F.lit(True))
        latest = latest.join(held, keys, "left")
    else:
        latest = latest.withColumn("__cdc_held", F.lit(None).cast("boolean"))
    latest = latest.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        is_del, held = F.col(CHANGE_OP) == OP_DELETE, F.col("__cdc_held").isNotNull()
        row = latest.agg(
            F.count(F.lit(1)).alias("keys"), F.sum("__cdc_n").alias("fresh"),
            *[F.sum(cond.cast("int")).alias(n) for n, cond in (
                ("inserted", ~is_del & ~held), ("updated", ~is_del & held),
                ("deleted", is_del & held), ("deletes_unknown", is_del & ~held))]).first()
        total = changes.count()
        n_keys, n_fresh = int(row["keys"]), int(row["fresh"] or 0)
        counts = ChangeCounts(
            inserted=int(row["inserted"] or 0), updated=int(row["updated"] or 0),
            deleted=int(row["deleted"] or 0), deletes_unknown=int(row["deletes_unknown"] or 0),
            ignored=total - n_fresh, superseded=n_fresh - n_keys)
        upserts = latest.drop("__cdc_n", "__cdc_held").withColumn(_DEL, is_del)
        if n_keys == 0 and exists:   # nothing new: no commit
            return ChangeCounts(ignored=total, committed=False, version=curated.version())
        merged = curated.merge(upserts, keys=keys, order_by=[CHANGE_SEQ],
                               partition_by=dataset.partition_by, delete_flag=_DEL,
                               idempotency_key=idempotency_key, known_rows=n_keys)
        if counts.deleted + counts.deletes_unknown or tombstones.exists():
            marks = upserts.select(*keys, CHANGE_SEQ, (~is_del).alias("__cdc_live"))
            tombstones.merge(marks, keys=keys, order_by=[CHANGE_SEQ], delete_flag="__cdc_live",
                             idempotency_key=f"{idempotency_key}-tombstones", known_rows=n_keys)
        counts.committed, counts.version = merged.committed, merged.version
        return counts
    finally:
        latest.unpersist()


def apply_scd2(changes: DataFrame, dataset: DatasetConfig, curated: DeltaTableStore,
               tombstones: DeltaTableStore, *, idempotency_key: str) -> ChangeCounts:
    """Every new change makes a version: the open version of its key is closed at the
    change's time and a new one opened (a delete only closes). A change of untracked columns
    alone updates the open version in place. One merge by (key, ``_opened_seq``); deletes
    are also kept in ``tombstones`` (a delete of a key without an open version leaves no
    row to remember it by)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    spec = dataset.changes
    assert spec is not None
    keys = dataset.primary_key
    payload = [c for c in changes.columns if c not in (CHANGE_OP, CHANGE_SEQ)]
    ts = F.col(spec.timestamp_column) if spec.timestamp_column else F.col("_ingested_at")
    events = changes.withColumn(_TS, ts.cast("timestamp")).withColumn(_OPEN, F.col(CHANGE_SEQ))
    exists = curated.exists()
    frames = []
    if exists:
        table = curated.read()
        seen = F.greatest(F.col(CHANGE_SEQ), F.coalesce(F.col(CLOSED_SEQ), F.lit("")))
        frames.append(table.select(*keys, seen.alias(_LAST)))
    if tombstones.exists():
        frames.append(tombstones.read().select(*keys, F.col(CHANGE_SEQ).alias(_LAST)))
    fresh = _fresh(events, keys, _max_seq(frames, keys))
    if exists:
        open_rows = (table.where(F.col(IS_CURRENT)).join(fresh.select(*keys).distinct(), keys,
                                                         "left_semi")
                     .select(*payload, F.lit("O").alias(CHANGE_OP), CHANGE_SEQ,
                             F.col(VALID_FROM).alias(_TS), F.col(OPENED_SEQ).alias(_OPEN)))
        fresh = fresh.unionByName(open_rows)
    fresh = fresh.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        skip = {*spec.untracked, *keys, *spec.ordering()}   # the ordering differs every time
        versions, counts_df = _versions(fresh, keys, payload,
                                        [c.name for c in dataset.columns if c.name not in skip])
        row = counts_df.first()
        total = changes.count()
        counts = ChangeCounts(**{k: int(row[k] or 0) for k in
                                 ("inserted", "updated", "deleted", "deletes_unknown")})
        counts.ignored = total - counts.applied
        if counts.applied == 0 and exists:   # nothing new: no commit
            counts.committed, counts.version = False, curated.version()
            return counts
        if counts.inserted + counts.updated + counts.deleted or not exists:
            merged = curated.merge(versions, keys=[*keys, OPENED_SEQ], order_by=[CHANGE_SEQ],
                                   partition_by=dataset.partition_by,
                                   idempotency_key=idempotency_key)
            counts.committed, counts.version = merged.committed, merged.version
        else:   # only deletes of keys without a version: tombstones, no table commit
            counts.committed, counts.version = True, curated.version()
        if counts.deleted + counts.deletes_unknown:
            deletes = (fresh.where(F.col(CHANGE_OP) == OP_DELETE).groupBy(*keys)
                       .agg(F.max(CHANGE_SEQ).alias(CHANGE_SEQ)))
            tombstones.merge(deletes, keys=keys, order_by=[CHANGE_SEQ],
                             idempotency_key=f"{idempotency_key}-tombstones")
        return counts
    finally:
        fresh.unpersist()


def _versions(events: DataFrame, keys: list[str], payload: list[str], tracked: list[str]):
    """(version rows to merge, one-row counts) from the new changes of each key plus its open
    version (``_change_op`` ``O``), ordered by ``_change_seq``. A version's ``_opened_seq``
    is its identity, its ``_change_seq`` the last change applied to it (in place)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    op, seq = F.col(CHANGE_OP), F.col(CHANGE_SEQ)
    by_key = Window.partitionBy(*keys).orderBy(CHANGE_SEQ)
    values = F.when(op != OP_DELETE, F.to_json(F.struct(*[F.col(f"`{c}`") for c in tracked])))
    prev_op, prev_values = F.lag(op).over(by_key), F.lag(values).over(by_key)
    live = op.isin(OP_INSERT, OP_UPDATE, "O")
    starts = live & (prev_op.isNull() | (prev_op == OP_DELETE) | ~prev_values.eqNullSafe(values))
    marked = (events.withColumn("__cdc_start", starts)
              .withColumn("__cdc_g", F.sum(F.col("__cdc_start").cast("int")).over(
                  by_key.rowsBetween(Window.unboundedPreceding, Window.currentRow))))
    group = (Window.partitionBy(*keys, "__cdc_g").orderBy(CHANGE_SEQ)
             .rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing))
    is_del = op == OP_DELETE
    marked = (marked
              .withColumn("__cdc_row", F.last(F.when(~is_del, F.struct(*payload)), True).over(group))
              .withColumn("__cdc_last_seq", F.last(F.when(~is_del, seq), True).over(group))
              .withColumn("__cdc_del_seq", F.first(F.when(is_del, seq), True).over(group))
              .withColumn("__cdc_del_ts", F.first(F.when(is_del, F.col(_TS)), True).over(group)))
    new = op != "O"
    closing = is_del & (F.col("__cdc_g") > 0) & (seq == F.col("__cdc_del_seq"))
    counts = marked.agg(*[F.sum((new & cond).cast("int")).alias(n) for n, cond in (
        ("inserted", F.col("__cdc_start")), ("updated", ~F.col("__cdc_start") & ~is_del),
        ("deleted", closing), ("deletes_unknown", is_del & ~closing))])
    starts_only = marked.where("__cdc_start")
    following = Window.partitionBy(*keys).orderBy(CHANGE_SEQ)
    next_seq, next_ts = F.lead(seq).over(following), F.lead(F.col(_TS)).over(following)
    closed_seq = F.coalesce(F.col("__cdc_del_seq"), next_seq)
    versions = starts_only.select(
        *[F.col(f"__cdc_row.`{c}`").alias(c) for c in payload],
        F.col(_TS).alias(VALID_FROM),
        F.when(F.col("__cdc_del_seq").isNotNull(), F.col("__cdc_del_ts")).otherwise(next_ts)
        .alias(VALID_TO),
        closed_seq.isNull().alias(IS_CURRENT), F.col(_OPEN).alias(OPENED_SEQ),
        F.col("__cdc_last_seq").alias(CHANGE_SEQ), closed_seq.alias(CLOSED_SEQ))
    return versions, counts
