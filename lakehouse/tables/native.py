"""The native Delta backend: delta-spark's DataFrame writer and ``DeltaTable`` API.

Used where the Delta JARs are on the classpath (Glue ``--datalake-formats delta``, EMR).
Same semantics as the portable backend (its peer: neither imports the other; the shared
rules are ``tables.write_rules`` and ``tables.appended``): idempotency keys become Delta app transactions
(``txnAppId``/``txnVersion`` writer options; the ``spark.databricks.delta.write.txn*`` SQL
confs for MERGE), the same schema check runs first, merges keep the latest row per key.

Session settings that parameterize one statement (MERGE's app transaction, VACUUM's
retention check) are set on a private child session (``spark.isolation``) that runs only that
statement: set on the caller's session they would apply to every statement any thread runs
there meanwhile (another table's MERGE would commit under this key, or an unkeyed write would
record it and make this MERGE a no-op).
"""

from __future__ import annotations

from datetime import datetime
from itertools import takewhile
from typing import TYPE_CHECKING

from lakehouse.errors import SchemaError, TableError
from lakehouse.failpoints import fault_point
from lakehouse.spark.isolation import isolated_session
from lakehouse.tables.appended import read_appended
from lakehouse.tables.base import (
    CommitResult,
    DeleteResult,
    HistoryEntry,
    MergeResult,
    SchemaMode,
)
from lakehouse.tables.fs import TableFiles, hadoop_path, normalize_table_uri
from lakehouse.tables.locks import TableLock, default_lock
from lakehouse.tables.log import available_versions, read_commit
from lakehouse.tables.predicates import check_predicate
from lakehouse.tables.schemas import align, check_schema, merged_schema, nullable_schema
from lakehouse.tables.write_rules import (
    DEL,
    batch_partitions,
    count_rows,
    dedupe_latest,
    newer_or_equal,
    raise_moved,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

TXN_VERSION = 1          # one app transaction per idempotency key
_TXN_CONF = ("spark.databricks.delta.write.txnAppId", "spark.databricks.delta.write.txnVersion")


class NativeDeltaTable:
    """A Delta table written with delta-spark."""

    backend = "native"

    def __init__(self, spark: SparkSession, uri: str, *, lock: TableLock | None = None):
        self.spark = spark
        self.uri = normalize_table_uri(uri)
        self.path = hadoop_path(self.uri)
        self.files = TableFiles(self.uri)
        self.lock = lock or default_lock(self.uri)

    def _dt(self):
        from delta.tables import DeltaTable

        return DeltaTable.forPath(self.spark, self.path)

    def exists(self) -> bool:
        from delta.tables import DeltaTable

        return DeltaTable.isDeltaTable(self.spark, self.path)

    def version(self) -> int | None:
        # the newest commit JSON always exists (log cleanup keeps it): one listing of
        # _delta_log, no Spark job (``history(1)`` cost ~170 ms a call, twice per write)
        versions = available_versions(self.files)
        return versions[-1] if versions else None

    def schema(self) -> StructType:
        if not self.exists():
            raise TableError("table does not exist", table=self.uri)
        return self._dt().toDF().schema

    def partition_columns(self) -> list[str]:
        # DESCRIBE TABLE reads the snapshot's metadata; DESCRIBE DETAIL (``detail()``) also
        # sums the file sizes: a Spark job, ~1 s the first time per table
        rows = self.spark.sql(f"DESCRIBE TABLE delta.`{_sql_path(self.path)}`").collect()
        names = [r[0] for r in rows]
        if "# Partition Information" not in names:
            return []
        start = names.index("# Partition Information") + 2  # then the "# col_name" header
        return list(takewhile(lambda n: n and not n.startswith("#"), names[start:]))

    def create(self, schema: StructType, *, partition_by: list[str] | None = None,
               description: str | None = None) -> CommitResult:
        with self.lock.hold(self.uri):
            if self.exists():
                check_schema(self.schema(), schema, uri=self.uri)
                return CommitResult(self.version() or 0, False, operation="CREATE TABLE")
            # An empty write, not DeltaTable.create(): the table root already holds our lock
            # folder, and delta-spark's CREATE refuses a non-empty location without a log.
            writer = (self.spark.createDataFrame([], nullable_schema(schema)).write
                      .format("delta").mode("append"))
            if partition_by:
                writer = writer.partitionBy(*partition_by)
            if description:
                writer = writer.option("description", description)
            writer.save(self.path)
        return CommitResult(self.version() or 0, True, operation="CREATE TABLE")

    def _prepare(self, df: DataFrame, partition_by, schema_mode, ignore=()):
        if not self.exists():
            return df.drop(*ignore), list(partition_by or []), False
        table_schema, parts = self.schema(), self.partition_columns()
        if partition_by is not None and [p.lower() for p in partition_by] != [p.lower() for p in parts]:
            raise SchemaError(f"partition columns {partition_by} differ from the table's {parts}",
                              table=self.uri)
        new = check_schema(table_schema, df.schema, uri=self.uri, mode=schema_mode, ignore=ignore)
        target = merged_schema(table_schema, df.schema, new) if new else table_schema
        return align(df.drop(*ignore), target), parts, bool(new)

    def _save(self, df: DataFrame, mode: str, operation: str, *, partition_by, idempotency_key,
              schema_mode, options: dict | None = None,
              expected_version: int | None = None) -> CommitResult:
        from pyspark.sql import functions as F

        data, parts, evolve = self._prepare(df, partition_by, schema_mode)
        new_table = not self.exists()
        if parts and new_table and operation == "MERGE":
            # a new keyed table: one file per partition value, not one per task and value
            data = data.repartition(*[F.col(f"`{p}`") for p in parts])
        writer = data.write.format("delta").mode(mode)
        for key, value in (options or {}).items():
            writer = writer.option(key, value)
        if idempotency_key:
            writer = writer.option("txnAppId", idempotency_key).option("txnVersion", TXN_VERSION)
        if evolve:
            writer = writer.option("mergeSchema", "true")
        if parts and new_table:
            writer = writer.partitionBy(*parts)
        with self.lock.hold(self.uri):
            before = self.version()
            if expected_version is not None and before != expected_version:
                raise_moved(self.uri, expected_version, before)
            fault_point("table.before_data_files", self.uri)
            try:
                writer.save(self.path)
            except Exception as exc:
                if "DELTA_REPLACE_WHERE_MISMATCH" in str(exc):
                    raise TableError(
                        f"data contains rows outside replace_where ({options['replaceWhere']})",
                        hint="filter the data to the replaced range, or widen replace_where",
                        table=self.uri) from None
                raise
            after = self.version()
            fault_point("table.after_commit", self.uri)
        metrics, added, removed = self._commit_facts(after) if after != before else ({}, 0, 0)
        return CommitResult(after or 0, after != before,
                            rows_written=int(metrics.get("numOutputRows", 0)),
                            files_added=added, files_removed=removed, operation=operation)

    def _commit_facts(self, version: int | None) -> tuple[dict, int, int]:
        """Operation metrics and files added / removed of one commit, from its log entry
        (one small file read; metrics differ by operation)."""
        if version is None:
            return {}, 0, 0
        commit = read_commit(self.files, version)
        return dict(commit.info.get("operationMetrics") or {}), len(commit.adds), len(commit.removes)

    def append(self, df: DataFrame, *, partition_by: list[str] | None = None,
               idempotency_key: str | None = None,
               schema_mode: SchemaMode = "strict") -> CommitResult:
        return self._save(df, "append", "APPEND", partition_by=partition_by,
                          idempotency_key=idempotency_key, schema_mode=schema_mode)

    def overwrite(self, df: DataFrame, *, partition_by: list[str] | None = None,
                  replace_where: str | None = None, dynamic_partitions: bool = False,
                  idempotency_key: str | None = None, schema_mode: SchemaMode = "strict",
                  expected_version: int | None = None) -> CommitResult:
        options = {}
        if replace_where:
            options["replaceWhere"] = replace_where
        elif dynamic_partitions:
            options["partitionOverwriteMode"] = "dynamic"
        else:
            options["partitionOverwriteMode"] = "static"
        return self._save(df, "overwrite", "OVERWRITE", partition_by=partition_by,
                          idempotency_key=idempotency_key, schema_mode=schema_mode,
                          options=options, expected_version=expected_version)

    def merge(self, df: DataFrame, *, keys: list[str], order_by: list[str],
              partition_by: list[str] | None = None, delete_flag: str | None = None,
              idempotency_key: str | None = None, schema_mode: SchemaMode = "strict",
              known_rows: int | None = None, partitions_follow_key: bool = False) -> MergeResult:
        from pyspark.sql import functions as F

        total = count_rows(df, keys, self.uri, known_rows)
        batch = dedupe_latest(df, keys, order_by)
        ignore = (delete_flag,) if delete_flag and (
            not self.exists() or delete_flag not in self.schema().fieldNames()) else ()
        flag = (F.coalesce(F.col(delete_flag).cast("boolean"), F.lit(False)) if delete_flag
                else F.lit(False))
        if not self.exists():  # one commit, as on the portable path: insert the live rows
            live = batch.where(~flag).drop(*ignore)
            result = self._save(live, "append", "MERGE", partition_by=partition_by,
                                idempotency_key=idempotency_key, schema_mode=schema_mode)
            return MergeResult(result.version, result.committed, rows_written=result.rows_written,
                               files_added=result.files_added, operation="MERGE",
                               rows_inserted=result.rows_written,
                               rows_deduplicated=total - result.rows_written if result.committed
                               else 0)
        data, _, evolve = self._prepare(batch, partition_by, schema_mode, ignore)
        source = align(batch.withColumn(DEL, flag), self.schema() if not evolve else data.schema,
                       extra=(DEL,))
        cols = list(data.columns)
        newer = newer_or_equal([F.col(f"s.`{c}`") for c in order_by],
                               [F.col(f"t.`{c}`") for c in order_by])
        cond = F.expr(" AND ".join(f"t.`{k}` = s.`{k}`" for k in keys))
        parts = self.partition_columns()
        if parts and (partitions_follow_key or set(parts) <= set(keys)):
            cond = cond & batch_partitions(batch, parts, "t")
        from delta.tables import DeltaTable

        # MERGE runs in the session of its target table: a private one holding the key
        statement = _txn_session(self.spark, idempotency_key)
        builder = (DeltaTable.forPath(statement, self.path).alias("t").merge(source.alias("s"), cond)
                   .whenMatchedDelete(condition=newer & F.col(f"s.{DEL}"))
                   .whenMatchedUpdate(condition=newer, set={c: F.col(f"s.`{c}`") for c in cols})
                   .whenNotMatchedInsert(condition=~F.col(f"s.{DEL}"),
                                         values={c: F.col(f"s.`{c}`") for c in cols}))
        if evolve:
            builder = builder.withSchemaEvolution()
        with self.lock.hold(self.uri):
            before = self.version()
            fault_point("table.before_data_files", self.uri)
            builder.execute()
            after = self.version()
            fault_point("table.after_commit", self.uri)
        m = self._commit_facts(after)[0] if after != before else {}
        changed = sum(int(m.get(f"numTargetRows{k}", 0)) for k in ("Inserted", "Updated", "Deleted"))
        # in-batch duplicates + stale (older) rows; counted again only when nothing committed
        dedup = total - changed if m else total - batch.count()
        return MergeResult(
            after or 0, after != before,
            rows_written=int(m.get("numTargetRowsInserted", 0)) + int(m.get("numTargetRowsUpdated", 0)),
            files_added=int(m.get("numTargetFilesAdded", 0)),
            files_removed=int(m.get("numTargetFilesRemoved", 0)), operation="MERGE",
            rows_inserted=int(m.get("numTargetRowsInserted", 0)),
            rows_updated=int(m.get("numTargetRowsUpdated", 0)),
            rows_deleted=int(m.get("numTargetRowsDeleted", 0)), rows_deduplicated=dedup)

    def delete(self, predicate: str) -> DeleteResult:
        """Delta's DELETE: rewrites only the files holding matching rows, one commit.

        delta-spark records the predicate in the commit's ``operationParameters``: callers
        erasing personal data pass a predicate free of it (``lakehouse.erase`` deletes by
        ``_record_hash``)."""
        with self.lock.hold(self.uri):
            check_predicate(self.spark, self.schema(), predicate, uri=self.uri)
            before = self.version()
            fault_point("table.before_data_files", self.uri)
            self._dt().delete(predicate)
            after = self.version()
            fault_point("table.after_commit", self.uri)
        metrics, added, removed = self._commit_facts(after) if after != before else ({}, 0, 0)
        return DeleteResult(after or 0, after != before, files_added=added,
                            files_removed=removed, operation="DELETE",
                            rows_deleted=int(metrics.get("numDeletedRows", 0)))

    def read(self, *, version: int | None = None,
             timestamp: datetime | str | None = None) -> DataFrame:
        if not self.exists():
            raise TableError("table does not exist", table=self.uri)
        reader = self.spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        elif timestamp is not None:
            ts = timestamp.isoformat(sep=" ") if isinstance(timestamp, datetime) else timestamp
            reader = reader.option("timestampAsOf", ts)
        return reader.load(self.path)

    def read_appended(self, *, since_version: int | None,
                      until_version: int | None = None) -> DataFrame:
        # The Delta log is the same for both writers: the shared per-commit reader.
        return read_appended(self.spark, self.uri, since_version=since_version,
                             until_version=until_version)

    def history(self, *, limit: int | None = None) -> list[HistoryEntry]:
        rows = self._dt().history(limit).collect()
        return [HistoryEntry(version=r["version"], timestamp=r["timestamp"],
                             operation=_operation(r), parameters=dict(r["operationParameters"] or {}),
                             metrics=_numbers(r["operationMetrics"] or {})) for r in rows]

    def optimize(self, *, target_file_rows: int | None = None) -> CommitResult:
        with self.lock.hold(self.uri):
            before = self.version()
            self._dt().optimize().executeCompaction()
            after = self.version()
        _, added, removed = self._commit_facts(after) if after != before else ({}, 0, 0)
        return CommitResult(after or 0, after != before, files_added=added,
                            files_removed=removed, operation="OPTIMIZE")

    def vacuum(self, *, retention_hours: float = 168.0, dry_run: bool = False) -> list[str]:
        spark = self.spark
        if retention_hours < 168:  # for this statement only, not for the caller's session
            spark = isolated_session(self.spark)
            spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
        sql = f"VACUUM delta.`{_sql_path(self.path)}` RETAIN {retention_hours} HOURS"
        with self.lock.hold(self.uri):
            doomed = [r[0] for r in spark.sql(sql + " DRY RUN").collect()]
            if not dry_run and doomed:
                spark.sql(sql).collect()
        return doomed


def _sql_path(path: str) -> str:
    """``path`` inside a backquoted SQL identifier."""
    return path.replace("`", "``")


def _numbers(metrics: dict) -> dict:
    """delta-spark reports metrics as strings; the portable backend (like delta-rs) as numbers."""
    return {k: int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else v
            for k, v in metrics.items()}


def _operation(row) -> str:
    names = {"WRITE": "APPEND", "MERGE": "MERGE", "OPTIMIZE": "OPTIMIZE",
             "CREATE TABLE": "CREATE TABLE", "DELETE": "DELETE"}
    op = row["operation"]
    if op == "WRITE":
        mode = (row["operationParameters"] or {}).get("mode", "")
        return "OVERWRITE" if mode == "Overwrite" else "APPEND"
    return names.get(op, op)


def _txn_session(spark: SparkSession, key: str | None) -> SparkSession:
    """The session to run one MERGE in: ``spark`` itself without a key; with one, a private
    child session with delta-spark's session-level app transaction (idempotent MERGE), so
    the key applies to that MERGE and nothing else (docs/tables.md)."""
    if not key:
        return spark
    session = isolated_session(spark)
    session.conf.set(_TXN_CONF[0], key)
    session.conf.set(_TXN_CONF[1], str(TXN_VERSION))
    return session
