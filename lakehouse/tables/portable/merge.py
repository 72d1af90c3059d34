"""Merge by key on the portable backend: copy-on-write, one atomic commit.

The key rules (latest row per key, newer-or-equal, null keys) are ``tables.write_rules``,
shared with the native backend.

1. reduce the batch to the latest row per key (``order_by`` descending; nulls lowest);
2. under the table lock, full-outer-join the rows of the candidate files (all live files,
   or the batch's partitions when the partition columns are part of the key), tagged with
   a hash of their file name, with the batch: a batch row replaces an existing row when it
   orders ``>=`` it (or deletes it when ``delete_flag`` is true), new keys are inserted;
3. one aggregation gives the counts and the files where a row changed;
4. write the inserts plus the surviving rows of the changed files, and commit ``remove``
   (changed files) + ``add`` (new files) together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from lakehouse.errors import SchemaError
from lakehouse.failpoints import fault_point
from lakehouse.tables.base import MergeResult
from lakehouse.tables.files import new_write_id, write_data_files
from lakehouse.tables.portable.maintenance import partition_string
from lakehouse.tables.schemas import align
from lakehouse.tables.snapshot import read_files, snapshot_files
from lakehouse.tables.write_rules import DEL, count_rows, dedupe_latest, newer_or_equal

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from lakehouse.tables.portable.protocol import PortableTable

ACT, FILE = "__lh_action", "__lh_file"
KEEP_ACTIONS = ("update", "keep")


def merge(table: PortableTable, df: DataFrame, *, keys: list[str], order_by: list[str],
          partition_by: list[str] | None, delete_flag: str | None, idempotency_key: str | None,
          schema_mode: str, known_rows: int | None = None) -> MergeResult:
    """Upsert ``df`` into ``table`` by ``keys`` (latest by ``order_by`` wins)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if table._already_done(idempotency_key):
        return MergeResult(table.version() or 0, False, operation="MERGE")
    missing = [c for c in [*keys, *order_by, *([delete_flag] if delete_flag else [])]
               if c not in df.columns]
    if missing or not keys:
        raise SchemaError(f"merge columns {missing or 'keys=[]'} not in the data "
                          f"(columns: {df.columns})", table=table.uri)
    existing_cols = table.schema().fieldNames() if table.exists() else []
    ignore = (delete_flag,) if delete_flag and delete_flag not in existing_cols else ()
    total = count_rows(df, keys, table.uri, known_rows)
    batch = dedupe_latest(df, keys, order_by)
    batch = batch.withColumn(DEL, F.coalesce(F.col(delete_flag).cast("boolean"), F.lit(False))
                             if delete_flag else F.lit(False))
    batch = batch.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _checked, schema, parts, new_cols = table.prepare(batch.drop(DEL), partition_by,
                                                         schema_mode, ignore)
        incoming = align(batch, schema, extra=(DEL,))
        with table.lock.hold(table.uri):
            if table._already_done(idempotency_key):
                return MergeResult(table.version() or 0, False, operation="MERGE")
            candidates = _candidate_files(table, incoming, keys, parts)
            result, counts, rewritten = _merged_rows(table, incoming, candidates, keys,
                                                     order_by, parts, schema)
            touched = [f for _, f in rewritten]
            try:
                out = _rows_to_write(result, rewritten)
                if parts:       # as delta-spark's merge.repartitionBeforeWrite: few files
                    out = out.repartition(*parts)
                fault_point("table.before_data_files", table.uri)
                adds = write_data_files(out, table.files, partition_by=parts, write_id=new_write_id())
            finally:
                result.unpersist()
            fault_point("table.after_data_files", table.uri)
            # every batch row that changed nothing is a duplicate: of another batch row, or
            # an older (late-arriving) version of a key the table already holds
            deduplicated = total - counts["insert"] - counts["update"] - counts["delete"]
            params = {"keys": keys, "order_by": order_by}
            metrics = {"numTargetRowsInserted": counts["insert"],
                       "numTargetRowsUpdated": counts["update"],
                       "numTargetRowsDeleted": counts["delete"],
                       "numSourceRowsDeduplicated": deduplicated}
            version = table.commit(schema, parts, adds, touched, idempotency_key, "MERGE",
                                   new_cols=new_cols, parameters=params, metrics=metrics)
            fault_point("table.after_commit", table.uri)
        return MergeResult(
            version, True, rows_written=counts["insert"] + counts["update"],
            files_added=len(adds), files_removed=len(touched), operation="MERGE",
            rows_inserted=counts["insert"], rows_updated=counts["update"],
            rows_deleted=counts["delete"], rows_deduplicated=deduplicated)
    finally:
        batch.unpersist()


def _candidate_files(table, incoming: DataFrame, keys, parts) -> list:
    """Live files that may hold a batch key (pruned to the batch's partitions when the
    partition columns are part of the key)."""
    delta = table._delta()
    if delta is None:
        return []
    snap = snapshot_files(delta)
    if parts and set(parts) <= set(keys) and snap:
        wanted = {tuple(partition_string(r[c]) for c in parts)
                  for r in incoming.select(*parts).distinct().collect()}
        snap = [f for f in snap
                if tuple(partition_string(f.partition.get(c)) for c in parts) in wanted]
    return snap


def _merged_rows(table, incoming, candidates, keys, order_by, parts, schema):
    """One full outer join of the candidate files' rows (tagged with their file) and the
    batch. Returns the persisted result, counts per action, and the files to rewrite (those
    where a row is updated or deleted)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    existing = read_files(table.spark, table.files, schema, parts, candidates)
    # tag rows with their file before the join: input_file_name() above a join with a
    # multi-source batch (e.g. one joined to reference tables) is rejected by Spark
    # (as a 64-bit hash: the file URI string would more than double the shuffled bytes)
    e = (existing.withColumn(FILE, F.xxhash64(F.input_file_name()))
         .withColumn("__lh_e", F.lit(True)).alias("e"))
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
    # DISK_ONLY: measured ~2x faster than MEMORY_AND_DISK for multi-million-row merges
    result = (joined.select(*cols, action.alias(ACT), F.col(f"e.{FILE}").alias(FILE))
              .persist(StorageLevel.DISK_ONLY))
    counts = {"insert": 0, "update": 0, "delete": 0, "keep": 0, "skip": 0}
    changed: set[int] = set()
    for row in result.groupBy(ACT, FILE).count().collect():
        counts[row[ACT]] += row["count"]
        if row[ACT] in ("update", "delete"):
            changed.add(row[FILE])
    return result, counts, _files_by_hash(table, existing, candidates, changed)


def _files_by_hash(table, existing: DataFrame, candidates: list, hashes: set[int]) -> list:
    """(hash, snapshot file) for the files whose ``xxhash64(input_file_name())`` is in
    ``hashes`` (a scan without data columns: footers only)."""
    from pyspark.sql import functions as F

    if not hashes:
        return []
    names = (existing.select(F.input_file_name().alias("n")).distinct()
             .withColumn("h", F.xxhash64("n")).where(F.col("h").isin(*hashes)).collect())
    by_path = {_norm(table.files.uri_of(f.rel)): f for f in candidates}
    return [(r["h"], by_path[_norm(unquote(r["n"]))]) for r in names]


def _rows_to_write(result: DataFrame, touched: list) -> DataFrame:
    """Inserted rows plus every surviving row of the rewritten files."""
    from pyspark.sql import functions as F

    names = [name for name, _ in touched]
    in_touched = F.col(FILE).isin(*names) if names else F.lit(False)
    return (result.where((F.col(ACT) == "insert") | (in_touched & F.col(ACT).isin(*KEEP_ACTIONS)))
            .drop(ACT, FILE))


def _norm(path: str) -> str:
    """Compare file locations regardless of ``file:/`` vs ``file:///`` and s3 vs s3a."""
    rest = path.split(":", 1)[1] if ":" in path else path
    return rest.lstrip("/")

