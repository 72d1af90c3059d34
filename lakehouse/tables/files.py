"""Spark writes data files; this module turns them into Delta ``add`` actions.

A write goes to a private staging directory ``<table>/_lakehouse/staging/<write id>/`` (hidden
from every reader), then each file is moved into the table's Hive-style partition directory
under its unique Spark file name, and described by an ``AddAction`` carrying partition values
(parsed back from Spark's escaped directory names) and Delta statistics read from the Parquet
footer (no data scan). Nothing is visible to readers until the driver commits the actions.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import TYPE_CHECKING

from lakehouse.tables.fs import TableFiles, spark_path

if TYPE_CHECKING:
    from deltalake.transaction import AddAction
    from pyspark.sql import DataFrame

STAGING_DIR = "_lakehouse/staging"
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
STATS_COLUMNS = 32          # Delta's default delta.dataSkippingNumIndexedCols
MAX_STRING_STAT = 32
def new_write_id() -> str:
    """A unique, time-ordered name for one write's staging directory."""
    return f"{dt.datetime.now().strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}"


def unescape_path_name(name: str) -> str:
    """Inverse of Spark's ``ExternalCatalogUtils.escapePathName`` (``%XX`` -> char)."""
    out, i = [], 0
    while i < len(name):
        if name[i] == "%" and _is_hex(name[i + 1:i + 3]):
            out.append(chr(int(name[i + 1:i + 3], 16)))
            i += 3
        else:
            out.append(name[i])
            i += 1
    return "".join(out)


def _is_hex(s: str) -> bool:
    return len(s) == 2 and all(c in "0123456789abcdefABCDEF" for c in s)


def partition_values_of(rel: str, partition_by: list[str]) -> dict[str, str | None]:
    """Partition values from a Spark-written relative path ``a=1/b=x/part-...parquet``."""
    values: dict[str, str | None] = {}
    for part in rel.split("/")[:-1]:
        if "=" not in part:
            continue
        key, raw = part.split("=", 1)
        key = unescape_path_name(key)
        value = unescape_path_name(raw)
        values[key] = None if value == HIVE_NULL else value
    return {c: values.get(c) for c in partition_by}


def write_data_files(df: DataFrame, files: TableFiles, *, partition_by: list[str],
                     write_id: str, data_change: bool = True,
                     max_records_per_file: int | None = None) -> list[AddAction]:
    """Write ``df`` with Spark and move the files into the table; return their add actions."""
    staging = f"{STAGING_DIR}/{write_id}"
    writer = df.write.mode("append").option("compression", "snappy")
    if max_records_per_file:
        writer = writer.option("maxRecordsPerFile", str(max_records_per_file))
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(spark_path(files.uri_of(staging)))
    actions = []
    now_ms = int(time.time() * 1000)
    for entry in list(files.walk(staging)):
        rel = entry.rel[len(staging) + 1:]
        name = rel.rsplit("/", 1)[-1]
        if name.startswith(("_", ".")) or not name.endswith(".parquet"):
            continue
        meta = files.parquet_metadata(entry.rel)
        if meta.num_rows == 0:
            continue
        files.move(entry.rel, rel)
        actions.append(_add_action(rel, entry.size, partition_values_of(rel, partition_by),
                                   now_ms, data_change, file_stats(meta)))
    files.delete_dir(staging)
    return actions


def _add_action(rel, size, partition_values, mtime, data_change, stats) -> AddAction:
    from deltalake.transaction import AddAction

    return AddAction(path=rel, size=size, partition_values=partition_values,
                     modification_time=mtime, data_change=data_change, stats=json.dumps(stats))


def file_stats(meta) -> dict:
    """Delta stats (numRecords, minValues, maxValues, nullCount) from a Parquet footer."""
    stats: dict = {"numRecords": meta.num_rows, "minValues": {}, "maxValues": {}, "nullCount": {}}
    if meta.num_row_groups == 0:
        return stats
    first = meta.row_group(0)
    for ci in range(min(first.num_columns, STATS_COLUMNS)):
        name = first.column(ci).path_in_schema
        if "." in name:        # nested leaf: Delta keys nested stats by struct; skip
            continue
        nulls, lo, hi, ok = 0, None, None, True
        for rg in range(meta.num_row_groups):
            st = meta.row_group(rg).column(ci).statistics
            if st is None or not st.has_null_count:
                ok = False
                break
            nulls += st.null_count
            if st.has_min_max:
                lo = st.min if lo is None else min(lo, st.min)
                hi = st.max if hi is None else max(hi, st.max)
        if not ok:
            continue
        stats["nullCount"][name] = nulls
        lo_j, hi_j = _json_stat(lo), _json_stat(hi)
        if lo_j is not None and hi_j is not None:
            stats["minValues"][name] = lo_j
            stats["maxValues"][name] = hi_j
    return stats


def _json_stat(value):
    """A min/max value in Delta's JSON form, or None where we do not record one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) <= MAX_STRING_STAT:
        return value
    return None            # floats (NaN), timestamps (precision), decimals, long strings, bytes
