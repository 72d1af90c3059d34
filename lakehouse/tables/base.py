"""The one table interface every stage uses (Delta: native delta-spark or portable delta-rs).

Backends implement :class:`DeltaTableStore`; :func:`lakehouse.tables.open_table` picks one.
Every write takes ``idempotency_key``: a retried write with the same key commits nothing
(Delta app transactions), so a re-run of the same run id never writes twice.
``overwrite(expected_version=v)`` commits only if the table is still at ``v`` (checked under
the commit lock), else raises ``ConcurrentCommitError``: a read-modify-overwrite never drops
rows another writer appended meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

SchemaMode = Literal["strict", "merge"]


@dataclass(frozen=True)
class CommitResult:
    """What one write did. ``version`` is the table version after the write."""

    version: int
    committed: bool                      # False when skipped as an idempotent retry / no-op
    rows_written: int = 0
    files_added: int = 0
    files_removed: int = 0
    operation: str = ""


@dataclass(frozen=True)
class MergeResult(CommitResult):
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_deleted: int = 0
    rows_deduplicated: int = 0           # batch rows that changed nothing: in-batch duplicates
                                         # and older (late-arriving) versions of existing keys


@dataclass(frozen=True)
class DeleteResult(CommitResult):
    """What a ``delete(predicate)`` did: rows removed, files rewritten (removed + added)."""

    rows_deleted: int = 0


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    timestamp: datetime
    operation: str
    parameters: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


class DeltaTableStore(Protocol):
    """A Delta table at ``uri``. Commits to one table are serialized by a lock."""

    uri: str
    backend: str                         # "native" | "portable"

    def exists(self) -> bool: ...
    def version(self) -> int | None: ...
    def schema(self) -> StructType: ...
    def partition_columns(self) -> list[str]: ...

    def create(self, schema: StructType, *, partition_by: list[str] | None = None,
               description: str | None = None) -> CommitResult: ...

    def append(self, df: DataFrame, *, partition_by: list[str] | None = None,
               idempotency_key: str | None = None,
               schema_mode: SchemaMode = "strict") -> CommitResult: ...

    def overwrite(self, df: DataFrame, *, partition_by: list[str] | None = None,
                  replace_where: str | None = None, dynamic_partitions: bool = False,
                  idempotency_key: str | None = None, schema_mode: SchemaMode = "strict",
                  expected_version: int | None = None) -> CommitResult: ...

    def merge(self, df: DataFrame, *, keys: list[str], order_by: list[str],
              partition_by: list[str] | None = None, delete_flag: str | None = None,
              idempotency_key: str | None = None, schema_mode: SchemaMode = "strict",
              known_rows: int | None = None, partitions_follow_key: bool = False) -> MergeResult: ...

    def delete(self, predicate: str) -> DeleteResult: ...

    def read(self, *, version: int | None = None,
             timestamp: datetime | str | None = None) -> DataFrame: ...

    def read_appended(self, *, since_version: int | None,
                      until_version: int | None = None) -> DataFrame: ...

    def history(self, *, limit: int | None = None) -> list[HistoryEntry]: ...

    def optimize(self, *, target_file_rows: int | None = None) -> CommitResult: ...

    def vacuum(self, *, retention_hours: float = 168.0, dry_run: bool = False) -> list[str]: ...
