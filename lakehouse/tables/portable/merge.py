"""Merge by key on the portable backend: copy-on-write, two phases, one atomic commit.

The key rules (latest row per key, newer-or-equal, null keys) are ``tables.write_rules``,
shared with the native backend.

1. reduce the batch to the latest row per key (``order_by`` descending; nulls lowest);
2. under the table lock, find the touched files as delta-spark's MERGE does: join the
   batch's keys with only the key and ``order_by`` columns of the candidate files (all live
   files, or the batch's partitions when the partition columns are part of the key), each
   row tagged with a hash of its file name (Parquet reads only those columns). A batch row
   replaces an existing row when it orders ``>=`` it (or deletes it when ``delete_flag`` is
   true); one aggregation of the matches gives the update/delete counts and the files where
   a row changed; batch rows matching no row (and not deleted) are the inserts;
3. read all columns of the changed files only, apply the batch to their rows (left join);
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
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType

    from lakehouse.tables.portable.protocol import PortableTable

ACT, FILE = "__lh_action", "__lh_file"


def merge(table: PortableTable, df: DataFrame, *, keys: list[str], order_by: list[str],
          partition_by: list[str] | None, delete_flag: str | None, idempotency_key: str | None,
          schema_mode: str, known_rows: int | None = None,
          partitions_follow_key: bool = False) -> MergeResult:
    """Upsert ``df`` into ``table`` by ``keys`` (latest by ``order_by`` wins); with
    ``partitions_follow_key`` (a key's partition values never change) only the batch's
    partitions are read."""
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
            candidates = _candidate_files(table, incoming, keys, parts, partitions_follow_key)
            matches = _matches(table, incoming, candidates, keys, order_by, parts, schema)
            try:
                counts, changed = _counted(matches)
                inserts = _inserts(incoming, matches, keys, schema)
                counts["insert"] = inserts.count()
                touched = [f for _, f in _files_by_hash(
                    table, read_files(table.spark, table.files, schema, parts, candidates),
                    candidates, changed)] if changed else []
                out = inserts
                if touched:
                    out = _applied(table, incoming, touched, keys, order_by, parts,
                                   schema).unionByName(inserts)
                if parts:       # as delta-spark's merge.repartitionBeforeWrite: few files
                    out = out.repartition(*[F.col(f"`{p}`") for p in parts])
                fault_point("table.before_data_files", table.uri)
                adds = write_data_files(out, table.files, partition_by=parts,
                                        write_id=new_write_id())
            finally:
                if matches is not None:
                    matches.unpersist()
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


def _candidate_files(table, incoming: DataFrame, keys, parts, follow_key: bool = False) -> list:
    """Live files that may hold a batch key (pruned to the batch's partitions when the
    partition columns are part of the key or ``follow_key``: derived from it)."""
    delta = table._delta()
    if delta is None:
        return []
    snap = snapshot_files(delta)
    if parts and (follow_key or set(parts) <= set(keys)) and snap:
        wanted = {tuple(partition_string(r[c]) for c in parts)
                  for r in incoming.select(*parts).distinct().collect()}
        snap = [f for f in snap
                if tuple(partition_string(f.partition.get(c)) for c in parts) in wanted]
    return snap


def _action(b_order: list[Column], e_order: list[Column], deleted: Column) -> Column:
    """What a matched batch row does to a table row: ``delete``, ``update`` or ``keep``."""
    from pyspark.sql import functions as F

    newer = newer_or_equal(b_order, e_order)
    return F.when(newer & deleted, "delete").when(newer, "update").otherwise("keep")


def _matches(table, incoming: DataFrame, candidates: list, keys: list[str],
             order_by: list[str], parts: list[str], schema: StructType) -> DataFrame | None:
    """Phase 1: every (table row, batch row) pair with equal keys, read from the key and
    ``order_by`` columns of the candidate files only: the batch's keys, the table row's
    file hash (``FILE``), the action and the delete flag. Persisted (about the batch's size);
    None when the table has no candidate file."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if not candidates:
        return None
    narrow = list(dict.fromkeys([*keys, *order_by]))
    existing = read_files(table.spark, table.files, schema, parts, candidates)
    # tag rows with their file before the join: input_file_name() above a join with a
    # multi-source batch (e.g. one joined to reference tables) is rejected by Spark
    # (as a 64-bit hash: the file URI string would more than double the shuffled bytes)
    e = (existing.select(*[F.col(f"`{c}`") for c in narrow])
         .withColumn(FILE, F.xxhash64(F.input_file_name())).alias("e"))
    b = incoming.select(*[F.col(f"`{c}`") for c in narrow], F.col(DEL)).alias("b")
    cond = [F.col(f"e.`{k}`") == F.col(f"b.`{k}`") for k in keys]
    action = _action([F.col(f"b.`{c}`") for c in order_by], [F.col(f"e.`{c}`") for c in order_by],
                     F.col(f"b.{DEL}"))
    return (e.join(b, cond, "inner")
            .select(*[F.col(f"b.`{k}`").alias(k) for k in keys], F.col(f"e.{FILE}").alias(FILE),
                    action.alias(ACT), F.col(f"b.{DEL}").alias(DEL))
            .persist(StorageLevel.MEMORY_AND_DISK))


def _counted(matches: DataFrame | None) -> tuple[dict[str, int], set[int]]:
    """Updates and deletes (one per matched table row, as a full outer join counts them)
    and the hashes of the files where a row changed, in one aggregation."""
    counts = {"insert": 0, "update": 0, "delete": 0, "keep": 0}
    changed: set[int] = set()
    if matches is None:
        return counts, changed
    for row in matches.groupBy(ACT, FILE).count().collect():
        counts[row[ACT]] += row["count"]
        if row[ACT] in ("update", "delete"):
            changed.add(row[FILE])
    return counts, changed


def _inserts(incoming: DataFrame, matches: DataFrame | None, keys: list[str],
             schema: StructType) -> DataFrame:
    """Batch rows whose key is in no table row and that are not deletes."""
    from pyspark.sql import functions as F

    new = incoming.where(~F.col(DEL))
    if matches is not None:
        matched = matches.select(*[F.col(f"`{k}`") for k in keys]).distinct()
        new = new.join(matched, keys, "left_anti")
    return new.select(*[F.col(f"`{f.name}`") for f in schema.fields])


def _applied(table, incoming: DataFrame, touched: list, keys: list[str], order_by: list[str],
             parts: list[str], schema: StructType) -> DataFrame:
    """Phase 2: all columns of the changed files, with the batch applied: a row the batch
    updates takes the batch's values, a row it deletes is dropped, the others stay."""
    from pyspark.sql import functions as F

    e = read_files(table.spark, table.files, schema, parts, touched).alias("e")
    b = incoming.withColumn("__lh_b", F.lit(True)).alias("b")
    cond = [F.col(f"e.`{k}`") == F.col(f"b.`{k}`") for k in keys]
    in_b = F.col("b.__lh_b").isNotNull()
    action = F.when(~in_b, "keep").otherwise(
        _action([F.col(f"b.`{c}`") for c in order_by], [F.col(f"e.`{c}`") for c in order_by],
                F.col(f"b.{DEL}")))
    cols = [F.when(action == "update", F.col(f"b.`{f.name}`"))
            .otherwise(F.col(f"e.`{f.name}`")).alias(f.name) for f in schema.fields]
    return e.join(b, cond, "left").where(action != "delete").select(*cols)


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


def _norm(path: str) -> str:
    """Compare file locations regardless of ``file:/`` vs ``file:///`` and s3 vs s3a."""
    rest = path.split(":", 1)[1] if ":" in path else path
    return rest.lstrip("/")
