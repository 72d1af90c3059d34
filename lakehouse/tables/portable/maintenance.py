"""Portable-backend helpers beyond plain writes: overwrite scoping, history, compaction
(optimize) and vacuum. (Incremental reads are ``tables.appended``, shared with native.)"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import TYPE_CHECKING

from lakehouse.errors import TableError
from lakehouse.tables.base import CommitResult, HistoryEntry
from lakehouse.tables.files import new_write_id, write_data_files
from lakehouse.tables.log import METRICS_KEY, OPERATION_KEY, available_versions, read_commit
from lakehouse.tables.snapshot import SnapshotFile, read_files, snapshot_files

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from lakehouse.tables.portable.protocol import PortableTable

LOCK_SIDECAR = "_lakehouse/commit.lock"


def partition_string(value) -> str | None:
    """A typed partition value in Delta's ``partitionValues`` string form."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return f"{text}.{value.microsecond:06d}" if value.microsecond else text
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def check_replace_where(df: DataFrame, predicate: str, uri: str) -> None:
    """Delta semantics: every written row must satisfy ``replace_where``."""
    outside = df.where(f"NOT coalesce(({predicate}), false)").limit(1).count()
    if outside:
        raise TableError(
            f"data contains rows outside replace_where ({predicate})",
            hint="filter the data to the replaced range, or widen replace_where",
            table=uri)


def delete_uncommitted(files, adds: list) -> None:
    for add in adds:
        files.delete(add.path)


def files_to_replace(spark, delta, schema, adds: list, replace_where: str | None,
                     dynamic: bool) -> list[SnapshotFile]:
    """The live files an overwrite removes: all, those matching ``replace_where`` (partition
    columns only), or those in the partitions the new data touches (``dynamic``)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    snap = snapshot_files(delta)
    parts = list(delta.metadata().partition_columns)
    if not (replace_where or dynamic) or not snap:
        return snap
    if not parts:
        raise TableError("replace_where/dynamic_partitions need a partitioned table",
                         table=delta.table_uri)
    by_name = {f.name: f for f in schema.fields}
    fields = [by_name[c] for c in parts]
    part_schema = StructType([StructField("_i", StringType()), *fields])
    live = spark.createDataFrame(
        [(str(i), *[f.partition.get(c) for c in parts]) for i, f in enumerate(snap)], part_schema)
    if replace_where:
        try:
            hit = live.where(replace_where)
            rows = hit.select("_i").collect()
        except Exception as exc:
            raise TableError(
                f"replace_where must reference partition columns {parts} only: {exc}",
                table=delta.table_uri) from exc
    else:
        str_schema = StructType([StructField(c, StringType()) for c in parts])
        new = spark.createDataFrame(
            [tuple(a.partition_values.get(c) for c in parts) for a in adds] or [], str_schema)
        new = new.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in fields])
        cond = [live[c].eqNullSafe(new[c]) for c in parts]
        rows = live.join(new.distinct(), cond, "left_semi").select("_i").collect()
    chosen = {int(r["_i"]) for r in rows}
    return [f for i, f in enumerate(snap) if i in chosen]


def history(delta, limit: int | None) -> list[HistoryEntry]:
    out = []
    for item in delta.history(limit):
        params = item.get("operationParameters") or {}
        out.append(HistoryEntry(
            version=item["version"],
            timestamp=dt.datetime.fromtimestamp(item["timestamp"] / 1000, tz=dt.UTC),
            operation=item.get(OPERATION_KEY) or item.get("operation", ""),
            parameters=dict(params),
            metrics=dict(item.get(METRICS_KEY) or item.get("operationMetrics") or {}),
        ))
    return out


def version_at(delta, timestamp: dt.datetime | str, uri: str) -> int:
    """The latest version committed at or before ``timestamp`` (commitInfo timestamps)."""
    when = dt.datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    entries = [h for h in history(delta, None) if h.timestamp <= when]
    if not entries:
        raise TableError(f"no version of the table existed at {when.isoformat()}",
                         table=uri)
    return max(h.version for h in entries)


def optimize(table: PortableTable, target_file_rows: int | None) -> CommitResult:
    """Compact partitions holding more than one file (dataChange=false rewrite)."""
    target = target_file_rows or 1_000_000
    with table.lock.hold(table.uri):
        delta = table._require()
        parts = list(delta.metadata().partition_columns)
        groups: dict[tuple, list[SnapshotFile]] = {}
        for f in snapshot_files(delta):
            groups.setdefault(tuple(partition_string(f.partition.get(c)) for c in parts), []).append(f)
        victims = [f for group in groups.values() if len(group) > 1 for f in group]
        if not victims:
            return CommitResult(delta.version(), False, operation="OPTIMIZE")
        schema = table.schema()
        df = read_files(table.spark, table.files, schema, parts, victims)
        rows = sum(f.num_records or 0 for f in victims)
        df = df.repartition(*parts) if parts else df.coalesce(max(1, math.ceil(rows / target)))
        adds = write_data_files(df, table.files, partition_by=parts, write_id=new_write_id(),
                                data_change=False, max_records_per_file=target)
        version = table.commit(schema, parts, adds, victims, None, "OPTIMIZE",
                               data_change=False)
    return CommitResult(version, True, rows_written=0, files_added=len(adds),
                        files_removed=len(victims), operation="OPTIMIZE")


def vacuum(table: PortableTable, retention_hours: float, dry_run: bool) -> list[str]:
    """Delete files no snapshot within the retention window references (and orphans)."""
    with table.lock.hold(table.uri):
        delta = table._require()
        cutoff_ms = (time.time() - retention_hours * 3600) * 1000
        protected = {f.rel for f in snapshot_files(delta)}
        for version in available_versions(table.files):
            for rm in read_commit(table.files, version).removes:
                if rm.get("deletionTimestamp", 0) >= cutoff_ms:
                    protected.add(rm["path"])
        doomed = []
        for entry in table.files.walk():
            if entry.rel.startswith("_delta_log/") or entry.rel.startswith(LOCK_SIDECAR):
                continue
            if entry.rel not in protected and entry.mtime_ms < cutoff_ms:
                doomed.append(entry.rel)
        if not dry_run:
            for rel in doomed:
                table.files.delete(rel)
    return [table.files.uri_of(rel) for rel in doomed]
