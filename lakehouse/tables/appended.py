"""Rows appended to a Delta table between two versions, read from its log (both backends).

The Delta log is the same whoever wrote it, so one reader serves native and portable
tables: the files added (``dataChange``) by each commit in the range, read with Spark. The
table's state (version, schema, partition columns) comes from delta-rs, as it did when the
native backend borrowed the portable one's reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.errors import TableError
from lakehouse.tables.fs import TableFiles, delta_rs_uri, storage_options
from lakehouse.tables.log import available_versions, has_delta_log, read_commit
from lakehouse.tables.schemas import from_delta_schema
from lakehouse.tables.snapshot import SnapshotFile, read_files, snapshot_files

if TYPE_CHECKING:
    from deltalake import DeltaTable
    from pyspark.sql import DataFrame, SparkSession


def read_appended(spark: SparkSession, uri: str, *, since_version: int | None,
                  until_version: int | None = None) -> DataFrame:
    """Rows in files added (dataChange) by commits after ``since_version`` up to and including
    ``until_version`` (default: the latest), so a caller that fixed its range at the start
    never takes rows appended meanwhile.

    ``uri`` is the table's normalized URI. With ``since_version`` ``None`` and a log that no
    longer starts at version 0, the whole table at ``until_version`` is read instead.

    Raises:
        TableError: no table, a range beyond the table, a version that cannot be loaded, or
            a commit in the range that removed data (the table is not append-only).
    """
    files = TableFiles(uri)
    delta = _open(files, uri)
    latest = delta.version()
    current = latest if until_version is None else until_version
    if until_version is not None and until_version > latest:
        raise TableError(f"until_version {until_version} is newer than the table "
                         f"({latest})", table=uri)
    schema = from_delta_schema(delta.schema())
    parts = list(delta.metadata().partition_columns)
    start = 0 if since_version is None else since_version + 1
    if since_version is not None and since_version > current:
        raise TableError(f"since_version {since_version} is newer than the table ({current})",
                         table=uri)
    if since_version is None and 0 not in available_versions(files):
        return _read_version(spark, files, uri, until_version)
    added: list[SnapshotFile] = []
    for version in range(start, current + 1):
        commit = read_commit(files, version)
        if any(r.get("dataChange", True) for r in commit.removes):
            raise TableError(
                f"commit {version} removed data; read_appended needs an append-only table",
                hint="read the full table (read()) or use merge-aware incremental logic",
                table=uri)
        added += [SnapshotFile(a["path"], dict(a.get("partitionValues") or {}), a.get("size", 0),
                               None) for a in commit.adds if a.get("dataChange", True)]
    return read_files(spark, files, schema, parts, added)


def _open(files: TableFiles, uri: str, version: int | None = None) -> DeltaTable:
    """The table through delta-rs (at ``version`` when given); a missing table is an error."""
    from deltalake import DeltaTable

    # Not DeltaTable.is_deltatable: it holds the GIL while listing (see the portable backend).
    if not has_delta_log(files):
        raise TableError("table does not exist", hint="create it or write to it first", table=uri)
    delta = DeltaTable(delta_rs_uri(uri), storage_options=storage_options(uri))
    if version is not None:
        try:
            delta.load_as_version(version)
        except Exception as exc:
            raise TableError(f"version {version} cannot be loaded: {exc}", table=uri) from exc
    return delta


def _read_version(spark: SparkSession, files: TableFiles, uri: str,
                  version: int | None) -> DataFrame:
    """The whole table at ``version`` (``None``: the latest), from its snapshot's files."""
    delta = _open(files, uri, version)
    return read_files(spark, files, from_delta_schema(delta.schema()),
                      list(delta.metadata().partition_columns), snapshot_files(delta))
