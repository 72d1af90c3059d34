"""What the portable backend's helpers need from a table, as a Protocol.

``merge`` and ``maintenance`` work on a ``PortableDeltaTable`` but sit below
``table`` (which calls them); they name the table through this protocol, so the
import graph inside ``tables`` stays acyclic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from deltalake import DeltaTable
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from lakehouse.tables.base import SchemaMode
    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.locks import TableLock


class PortableTable(Protocol):
    """The members of ``portable.PortableDeltaTable`` that merge and maintenance use."""

    spark: SparkSession
    uri: str
    files: TableFiles
    lock: TableLock

    def _delta(self, version: int | None = None) -> DeltaTable | None: ...

    def _require(self, version: int | None = None) -> DeltaTable: ...

    def _already_done(self, key: str | None) -> bool: ...

    def exists(self) -> bool: ...

    def version(self) -> int | None: ...

    def schema(self) -> StructType: ...

    def read(self, *, version: int | None = None,
             timestamp: datetime | str | None = None) -> DataFrame: ...

    def prepare(self, df: DataFrame, partition_by: list[str] | None, schema_mode: SchemaMode,
                ignore: tuple[str, ...] = ()) -> tuple[DataFrame, StructType, list[str],
                                                       list[str]]: ...

    def commit(self, schema: StructType, parts: list[str], adds: list, removes: list,
               idempotency_key: str | None, operation: str, *, new_cols: list[str] = (),
               parameters: dict | None = None, data_change: bool = True,
               metrics: dict | None = None) -> int: ...
