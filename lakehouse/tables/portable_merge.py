"""Merge by key on the portable backend: copy-on-write, one atomic commit.

1. reduce the batch to the latest row per key (``order_by`` descending; nulls lowest);
2. under the table lock, find the live files holding any batch key (pruned to the batch's
   partitions when the partition columns are part of the key);
3. full-outer-join those files' rows with the batch: a batch row replaces an existing row
   when it orders ``>=`` it (or deletes it when ``delete_flag`` is true), new keys are
   inserted, everything else is copied;
4. write the result as new files and commit ``remove`` (touched files) + ``add`` together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from lakehouse.errors import SchemaError
from lakehouse.tables.base import MergeResult
from lakehouse.tables.files import fault_point, write_data_files
from lakehouse.tables.maintenance import partition_string
from lakehouse.tables.schemas import align
from lakehouse.tables.snapshot import read_files, snapshot_files

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from lakehouse.tables.portable import PortableDeltaTable

DEL, ACT, FILE = "__lh_delete", "__lh_action", "__lh_file"
KEEP_ACTIONS = ("insert", "update", "keep")


def dedupe_latest(df: DataFrame, keys: list[str], order_by: list[str]) -> DataFrame:
    """The latest row per key by ``order_by`` (descending, nulls last)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*keys).orderBy(*[F.col(c).desc_nulls_last() for c in order_by])
    return df.withColumn("__lh_rn", F.row_number().over(window)).where("__lh_rn = 1").drop("__lh_rn")


def newer_or_equal(b: list[Column], e: list[Column]) -> Column:
    """Lexicographic ``b >= e`` where null orders lowest."""
    from pyspark.sql import functions as F

    result = F.lit(True)
    for bc, ec in reversed(list(zip(b, e, strict=True))):
        greater = bc.isNotNull() & (ec.isNull() | (bc > ec))
        result = greater | (bc.eqNullSafe(ec) & result)
    return result


def merge(table: PortableDeltaTable, df: DataFrame, *, keys: list[str], order_by: list[str],
          partition_by: list[str] | None, delete_flag: str | None, idempotency_key: str | None,
          schema_mode: str) -> MergeResult:
    """Upsert ``df`` into ``table`` by ``keys`` (latest by ``order_by`` wins)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if table._already_done(idempotency_key):
        return MergeResult(table.version() or 0, False, operation="MERGE")
    missing = [c for c in [*keys, *order_by, *([delete_flag] if delete_flag else [])]
               if c not in df.columns]
    if missing or not keys:
        raise SchemaError(f"merge columns {missing or 'keys=[]'} not in the data "
                          f"(columns: {df.columns})", context={"table": table.uri})
    existing_cols = table.schema().fieldNames() if table.exists() else []
    ignore = (delete_flag,) if delete_flag and delete_flag not in existing_cols else ()
    total = df.count()
    batch = dedupe_latest(df, keys, order_by)
    batch = batch.withColumn(DEL, F.coalesce(F.col(delete_flag).cast("boolean"), F.lit(False))
                             if delete_flag else F.lit(False))
    batch = batch.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        deduplicated = total - batch.count()
        _checked, schema, parts, new_cols = table.prepare(batch.drop(DEL), partition_by,
                                                         schema_mode, ignore)
        incoming = align(batch, schema, extra=(DEL,))
        with table.lock.hold(table.uri):
            if table._already_done(idempotency_key):
                return MergeResult(table.version() or 0, False, operation="MERGE")
            touched = _touched_files(table, incoming, keys, parts, schema)
            result, counts = _merged_rows(table, incoming, touched, keys, order_by, parts, schema)
            try:
                out = result.where(F.col(ACT).isin(*KEEP_ACTIONS)).drop(ACT)
                adds = write_data_files(out, table.files, partition_by=parts,
                                        write_id=_wid()) if counts["rows_out"] else []
            finally:
                result.unpersist()
            fault_point("before_commit")
            params = {"keys": keys, "order_by": order_by, **{k: v for k, v in counts.items()}}
            version = table.commit(schema, parts, adds, touched, idempotency_key, "MERGE",
                                   new_cols=new_cols, parameters=params)
        return MergeResult(
            version, True, rows_written=counts["insert"] + counts["update"],
            files_added=len(adds), files_removed=len(touched), operation="MERGE",
            rows_inserted=counts["insert"], rows_updated=counts["update"],
            rows_deleted=counts["delete"], rows_deduplicated=deduplicated)
    finally:
        batch.unpersist()


def _touched_files(table, incoming: DataFrame, keys, parts, schema) -> list:
    """Live files that contain at least one key of the batch."""
    from pyspark.sql import functions as F

    delta = table._delta()
    if delta is None:
        return []
    snap = snapshot_files(delta)
    if parts and set(parts) <= set(keys) and snap:
        wanted = {tuple(partition_string(r[c]) for c in parts)
                  for r in incoming.select(*parts).distinct().collect()}
        snap = [f for f in snap
                if tuple(partition_string(f.partition.get(c)) for c in parts) in wanted]
    if not snap:
        return []
    existing = read_files(table.spark, table.files, schema, parts, snap)
    # tag rows with their file before the join: input_file_name() above a join with a
    # multi-source batch (e.g. one joined to reference tables) is rejected by Spark
    hits = (existing.withColumn(FILE, F.input_file_name())
            .join(incoming.select(*keys), keys, "left_semi")
            .select(FILE).distinct().collect())
    by_path = {_norm(table.files.uri_of(f.rel)): f for f in snap}
    return [by_path[_norm(unquote(r[FILE]))] for r in hits]


def _merged_rows(table, incoming, touched, keys, order_by, parts, schema):
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    existing = read_files(table.spark, table.files, schema, parts, touched)
    e = existing.withColumn("__lh_e", F.lit(True)).alias("e")
    b = incoming.withColumn("__lh_b", F.lit(True)).alias("b")
    cond = [F.col(f"e.`{k}`") == F.col(f"b.`{k}`") for k in keys]
    joined = e.join(b, cond, "full_outer")
    in_e, in_b = F.col("e.__lh_e").isNotNull(), F.col("b.__lh_b").isNotNull()
    newer = newer_or_equal([F.col(f"b.`{c}`") for c in order_by],
                           [F.col(f"e.`{c}`") for c in order_by])
    deleted = F.col(f"b.{DEL}")
    action = (F.when(~in_e, F.when(deleted, "skip").otherwise("insert"))
              .when(~in_b, "keep")
              .when(newer & deleted, "delete")
              .when(newer, "update")
              .otherwise("keep"))
    take_b = action.isin("insert", "update")
    cols = [F.when(take_b, F.col(f"b.`{f.name}`")).otherwise(F.col(f"e.`{f.name}`")).alias(f.name)
            for f in schema.fields]
    result = joined.select(*cols, action.alias(ACT)).persist(StorageLevel.MEMORY_AND_DISK)
    counts = {"insert": 0, "update": 0, "delete": 0, "keep": 0, "skip": 0}
    for row in result.groupBy(ACT).count().collect():
        counts[row[ACT]] = row["count"]
    counts["rows_out"] = counts["insert"] + counts["update"] + counts["keep"]
    return result, counts


def _norm(path: str) -> str:
    """Compare file locations regardless of ``file:/`` vs ``file:///`` and s3 vs s3a."""
    rest = path.split(":", 1)[1] if ":" in path else path
    return rest.lstrip("/")


def _wid() -> str:
    from lakehouse.tables.portable import _write_id

    return _write_id()
