"""Delta tables behind one interface: ``open_table(spark, uri)`` -> :class:`DeltaTableStore`.

Two backends: ``native`` (delta-spark's DeltaTable API; needs the Delta JARs) and
``portable`` (Spark writes Parquet data files, delta-rs commits them). ``backend="auto"``
picks native when the session has Delta, portable otherwise. See docs/tables.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from lakehouse.errors import TableError
from lakehouse.tables.base import (
    CommitResult,
    DeleteResult,
    DeltaTableStore,
    HistoryEntry,
    MergeResult,
    SchemaMode,
)
from lakehouse.tables.locks import DynamoDbTableLock, FileTableLock, TableLock, default_lock

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.models import TablesSection

Backend = Literal["auto", "portable", "native"]

__all__ = [
    "CommitResult", "DeleteResult", "DeltaTableStore", "DynamoDbTableLock", "FileTableLock", "HistoryEntry",
    "MergeResult", "SchemaMode", "TableLock", "default_lock", "open_table", "open_table_with",
]


def open_table(spark: SparkSession, uri: str, *, backend: Backend = "auto",
               lock: TableLock | None = None) -> DeltaTableStore:
    """Open (not create) the Delta table at ``uri`` with the chosen backend.

    Args:
        spark: the active session (its classpath decides ``backend="auto"``).
        uri: ``file://``/``s3://`` URI or a local path.
        backend: ``"native"`` (delta-spark), ``"portable"`` (delta-rs commits) or ``"auto"``.
        lock: the commit lock; default is a file lock locally, a DynamoDB lease on S3.
    """
    from lakehouse.spark.delta import delta_support

    if backend == "auto":
        backend = "native" if delta_support(spark).available else "portable"
    if backend == "native":
        support = delta_support(spark)
        if not support.available:
            raise TableError(f"native Delta backend unavailable: {support.reason}",
                             hint="use backend='portable' or start Spark with delta-spark",
                             table=uri)
        from lakehouse.tables.native import NativeDeltaTable

        return NativeDeltaTable(spark, uri, lock=lock)
    if backend != "portable":
        raise TableError(f"unknown table backend {backend!r}",
                         hint="use 'auto', 'portable' or 'native'", table=uri)
    from lakehouse.tables.portable import PortableDeltaTable

    return PortableDeltaTable(spark, uri, lock=lock)


def open_table_with(spark: SparkSession, uri: str, settings: TablesSection) -> DeltaTableStore:
    """``open_table`` configured from ``lake.yaml``'s ``tables:`` section."""
    lock = default_lock(uri, kind=settings.lock, lock_table=settings.lock_table,
                        timeout=settings.lock_timeout_seconds)
    return open_table(spark, uri, backend=settings.backend, lock=lock)
