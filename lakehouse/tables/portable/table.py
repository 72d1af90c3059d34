"""The portable Delta backend: Spark writes Parquet files, delta-rs commits them.

Write protocol (every write):
  1. check the incoming schema against the table's (delta-rs would not);
  2. Spark writes the data files to a private staging dir; they are moved into the table
     (still invisible: no commit references them);
  3. under the table's commit lock: re-check the idempotency key (a Delta app transaction),
     then commit adds (and removes) in ONE delta-rs transaction, atomically.
A crash before step 3 leaves orphan files that readers never see and ``vacuum`` deletes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from lakehouse.errors import SchemaError, TableError
from lakehouse.failpoints import fault_point
from lakehouse.tables.appended import read_appended
from lakehouse.tables.base import (
    CommitResult,
    DeleteResult,
    HistoryEntry,
    MergeResult,
    SchemaMode,
)
from lakehouse.tables.files import new_write_id, write_data_files
from lakehouse.tables.fs import TableFiles, delta_rs_uri, normalize_table_uri, storage_options
from lakehouse.tables.locks import TableLock, default_lock
from lakehouse.tables.log import METRICS_KEY, OPERATION_KEY, has_delta_log
from lakehouse.tables.portable import maintenance
from lakehouse.tables.portable.delete import delete as _delete
from lakehouse.tables.portable.merge import merge as _merge
from lakehouse.tables.schemas import align, check_schema, from_delta_schema, merged_schema
from lakehouse.tables.snapshot import read_files, snapshot_files
from lakehouse.tables.write_rules import raise_moved

if TYPE_CHECKING:
    from deltalake import DeltaTable
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = ["METRICS_KEY", "OPERATION_KEY", "PortableDeltaTable"]


class PortableDeltaTable:
    """A Delta table written through Spark data files + delta-rs commits."""

    backend = "portable"

    def __init__(self, spark: SparkSession, uri: str, *, lock: TableLock | None = None):
        self.spark = spark
        self.uri = normalize_table_uri(uri)
        self.files = TableFiles(self.uri)
        self.lock = lock or default_lock(self.uri)
        self._rs_uri = delta_rs_uri(self.uri)
        self._opts = storage_options(self.uri)

    # -- state ---------------------------------------------------------------------------
    def _delta(self, version: int | None = None) -> DeltaTable | None:
        from deltalake import DeltaTable

        # Not DeltaTable.is_deltatable: it holds the GIL while listing, which starves an
        # in-process S3 endpoint (moto in tests); a cheap listing of our own does the same.
        if not has_delta_log(self.files):
            return None
        return DeltaTable(self._rs_uri, version=version, storage_options=self._opts)

    def _require(self, version: int | None = None) -> DeltaTable:
        dt = self._delta()
        if dt is None:
            raise TableError("table does not exist", hint="create it or write to it first",
                             table=self.uri)
        if version is not None:
            try:
                dt.load_as_version(version)
            except Exception as exc:
                raise TableError(f"version {version} cannot be loaded: {exc}",
                                 table=self.uri) from exc
        return dt

    def exists(self) -> bool:
        return self._delta() is not None

    def version(self) -> int | None:
        dt = self._delta()
        return None if dt is None else dt.version()

    def schema(self) -> StructType:
        return from_delta_schema(self._require().schema())

    def partition_columns(self) -> list[str]:
        return list(self._require().metadata().partition_columns)

    # -- writes --------------------------------------------------------------------------
    def create(self, schema: StructType, *, partition_by: list[str] | None = None,
               description: str | None = None) -> CommitResult:
        with self.lock.hold(self.uri):
            dt = self._delta()
            if dt is not None:
                check_schema(from_delta_schema(dt.schema()), schema, uri=self.uri)
                return CommitResult(dt.version(), False, operation="CREATE TABLE")
            self._commit_create(schema, partition_by or [], [], None, description)
        return CommitResult(self.version() or 0, True, operation="CREATE TABLE")

    def append(self, df: DataFrame, *, partition_by: list[str] | None = None,
               idempotency_key: str | None = None,
               schema_mode: SchemaMode = "strict") -> CommitResult:
        return self._write(df, "APPEND", partition_by=partition_by,
                           idempotency_key=idempotency_key, schema_mode=schema_mode)

    def overwrite(self, df: DataFrame, *, partition_by: list[str] | None = None,
                  replace_where: str | None = None, dynamic_partitions: bool = False,
                  idempotency_key: str | None = None, schema_mode: SchemaMode = "strict",
                  expected_version: int | None = None) -> CommitResult:
        return self._write(df, "OVERWRITE", partition_by=partition_by,
                           idempotency_key=idempotency_key, schema_mode=schema_mode,
                           replace_where=replace_where, dynamic=dynamic_partitions,
                           expected_version=expected_version)

    def merge(self, df: DataFrame, *, keys: list[str], order_by: list[str],
              partition_by: list[str] | None = None, delete_flag: str | None = None,
              idempotency_key: str | None = None, schema_mode: SchemaMode = "strict",
              known_rows: int | None = None, partitions_follow_key: bool = False) -> MergeResult:
        return _merge(self, df, keys=keys, order_by=order_by, partition_by=partition_by,
                     delete_flag=delete_flag, idempotency_key=idempotency_key,
                     schema_mode=schema_mode, known_rows=known_rows,
                     partitions_follow_key=partitions_follow_key)

    def delete(self, predicate: str) -> DeleteResult:
        """Remove the rows where ``predicate`` (Spark SQL) is true: copy-on-write of only
        the files holding such rows, one commit (``portable/delete.py``)."""
        return _delete(self, predicate)

    def prepare(self, df: DataFrame, partition_by: list[str] | None, schema_mode: SchemaMode,
                ignore: tuple[str, ...] = ()) -> tuple[DataFrame, StructType, list[str], list[str]]:
        """Check and align ``df``: (aligned df, target schema, partition cols, new cols)."""
        dt = self._delta()
        if dt is None:
            schema = df.drop(*ignore).schema
            return df.drop(*ignore), schema, list(partition_by or []), []
        table_schema = from_delta_schema(dt.schema())
        parts = list(dt.metadata().partition_columns)
        if partition_by is not None and [p.lower() for p in partition_by] != [p.lower() for p in parts]:
            raise SchemaError(
                f"partition columns {partition_by} differ from the table's {parts}",
                hint="a table keeps the partitioning it was created with",
                table=self.uri)
        new_cols = check_schema(table_schema, df.schema, uri=self.uri, mode=schema_mode,
                                ignore=ignore)
        target = merged_schema(table_schema, df.schema, new_cols) if new_cols else table_schema
        return align(df, target), target, parts, new_cols

    def _write(self, df: DataFrame, operation: str, *, partition_by, idempotency_key,
               schema_mode, replace_where: str | None = None, dynamic: bool = False,
               expected_version: int | None = None) -> CommitResult:
        if self._already_done(idempotency_key):
            return CommitResult(self.version() or 0, False, operation=operation)
        data, schema, parts, new_cols = self.prepare(df, partition_by, schema_mode)
        if replace_where:
            maintenance.check_replace_where(data, replace_where, self.uri)
        fault_point("table.before_data_files", self.uri)
        adds = write_data_files(data, self.files, partition_by=parts, write_id=new_write_id())
        fault_point("table.after_data_files", self.uri)
        with self.lock.hold(self.uri):
            if self._already_done(idempotency_key):
                maintenance.delete_uncommitted(self.files, adds)
                return CommitResult(self.version() or 0, False, operation=operation)
            dt = self._delta()
            if expected_version is not None and (dt is None or dt.version() != expected_version):
                maintenance.delete_uncommitted(self.files, adds)
                raise_moved(self.uri, expected_version, None if dt is None else dt.version())
            removes = []
            if dt is not None and operation == "OVERWRITE":
                removes = maintenance.files_to_replace(self.spark, dt, schema, adds,
                                                       replace_where, dynamic)
            version = self.commit(schema, parts, adds, removes, idempotency_key,
                                  operation, new_cols=new_cols)
            fault_point("table.after_commit", self.uri)
        return CommitResult(version, True, rows_written=_rows(adds), files_added=len(adds),
                            files_removed=len(removes), operation=operation)

    def _already_done(self, key: str | None) -> bool:
        if key is None:
            return False
        dt = self._delta()
        return dt is not None and dt.transaction_version(key) is not None

    def commit(self, schema: StructType, parts: list[str], adds: list, removes: list,
               idempotency_key: str | None, operation: str, *, new_cols: list[str] = (),
               parameters: dict | None = None, data_change: bool = True,
               metrics: dict | None = None) -> int:
        """Commit adds + removes as one transaction (caller holds the lock). Returns version.

        Raises :class:`ConcurrentCommitError` without committing when the lock was lost.
        """
        from deltalake.transaction import CommitProperties, RemoveAction, Transaction

        from lakehouse.tables.schemas import to_delta_schema

        txns = [Transaction(idempotency_key, 1)] if idempotency_key else None
        meta = {OPERATION_KEY: operation,
                "operationParameters": {k: str(v) for k, v in (parameters or {}).items()},
                METRICS_KEY: {"numFiles": len(adds), "numRemovedFiles": len(removes),
                              "numOutputRows": _rows(adds), **(metrics or {})}}
        props = CommitProperties(app_transactions=txns, custom_metadata=meta)
        dt = self._delta()
        if dt is None:
            self._commit_create(schema, parts, adds, props, None)
        else:
            # The table may have been created by another writer since ``prepare``.
            check_schema(from_delta_schema(dt.schema()), schema, uri=self.uri,
                         mode="merge" if new_cols else "strict")
            if [c.lower() for c in dt.metadata().partition_columns] != [c.lower() for c in parts]:
                raise SchemaError(f"partition columns {parts} differ from the table's "
                                  f"{list(dt.metadata().partition_columns)}",
                                  table=self.uri)
            self.lock.check(self.uri)  # a lost lease (failed heartbeat) fails the commit
            if new_cols:
                _add_columns(dt, schema, new_cols)
            rm = [RemoveAction(path=f.rel, data_change=data_change, deletion_timestamp=_now_ms(),
                               size=f.size, partition_values=_str_values(f.partition))
                  for f in removes]
            dt.create_write_transaction([*adds, *rm], mode="append",
                                        schema=to_delta_schema(schema), partition_by=parts,
                                        commit_properties=props)
        return self._require().version()

    def _commit_create(self, schema, parts, adds, props, description) -> None:
        from deltalake.transaction import create_table_with_add_actions

        from lakehouse.tables.schemas import to_delta_schema

        self.lock.check(self.uri)
        create_table_with_add_actions(self._rs_uri, to_delta_schema(schema), adds, mode="error",
                                      partition_by=parts, description=description,
                                      storage_options=self._opts, commit_properties=props)

    # -- reads ---------------------------------------------------------------------------
    def read(self, *, version: int | None = None,
             timestamp: datetime | str | None = None) -> DataFrame:
        if timestamp is not None:
            version = maintenance.version_at(self._require(), timestamp, self.uri)
        dt = self._require(version)
        schema = from_delta_schema(dt.schema())
        return read_files(self.spark, self.files, schema, list(dt.metadata().partition_columns),
                          snapshot_files(dt))

    def read_appended(self, *, since_version: int | None,
                      until_version: int | None = None) -> DataFrame:
        return read_appended(self.spark, self.uri, since_version=since_version,
                             until_version=until_version)

    def history(self, *, limit: int | None = None) -> list[HistoryEntry]:
        return maintenance.history(self._require(), limit)

    def optimize(self, *, target_file_rows: int | None = None) -> CommitResult:
        return maintenance.optimize(self, target_file_rows)

    def vacuum(self, *, retention_hours: float = 168.0, dry_run: bool = False) -> list[str]:
        return maintenance.vacuum(self, retention_hours, dry_run)


def _add_columns(dt, schema: StructType, new_cols: list[str]) -> None:
    """Schema evolution: delta-rs ignores a wider schema in create_write_transaction."""
    from lakehouse.tables.schemas import to_delta_schema

    wanted = {c.lower() for c in new_cols}
    dt.alter.add_columns([f for f in to_delta_schema(schema).fields if f.name.lower() in wanted])


def _str_values(values: dict) -> dict[str, str | None]:
    return {k: maintenance.partition_string(v) for k, v in values.items()}


def _rows(adds: list) -> int:
    import json

    return sum(json.loads(a.stats).get("numRecords", 0) for a in adds)


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
