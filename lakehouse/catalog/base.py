"""The catalog interface every backend implements, with Glue's semantics.

Backends implement the abstract methods; the paging iterators and the "new version only
when schema or location changed" rule live here so both backends share them.
"""

from __future__ import annotations

import abc
import base64
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from lakehouse.catalog.model import (
    Database,
    Page,
    Partition,
    PartitionError,
    Table,
    TableVersion,
)
from lakehouse.errors import EntityNotFoundError, InvalidInputError

T = TypeVar("T")
MAX_PARTITION_PAGE = 1000       # GetPartitions MaxResults (the other list calls: 100)
MAX_BATCH_CREATE = 100          # BatchCreatePartition accepts at most 100 entries
MAX_BATCH_GET = 1000            # BatchGetPartition: at most 1000 keys
MAX_BATCH_DELETE = 25           # BatchDeletePartition: at most 25 entries


class Catalog(abc.ABC):
    """A Glue-shaped catalog: databases, tables (with versions) and partitions."""

    backend: str = "abstract"

    # ------------------------------------------------------------------ databases
    @abc.abstractmethod
    def create_database(self, database: Database) -> None:
        """Create; :class:`AlreadyExistsError` when it exists."""

    @abc.abstractmethod
    def get_database(self, name: str) -> Database:
        """Fetch; :class:`EntityNotFoundError` when missing."""

    @abc.abstractmethod
    def list_databases(self, *, max_results: int | None = None,
                       next_token: str | None = None) -> Page[Database]: ...

    @abc.abstractmethod
    def update_database(self, database: Database) -> None: ...

    @abc.abstractmethod
    def delete_database(self, name: str) -> None:
        """Delete the database with its tables and partitions (as Glue does)."""

    # --------------------------------------------------------------------- tables
    @abc.abstractmethod
    def create_table(self, table: Table) -> None:
        """Create version ``"1"``; the database must exist."""

    @abc.abstractmethod
    def get_table(self, database: str, name: str) -> Table:
        """The current version, with ``version_id`` set."""

    @abc.abstractmethod
    def list_tables(self, database: str, *, max_results: int | None = None,
                    next_token: str | None = None) -> Page[Table]: ...

    @abc.abstractmethod
    def _update_table(self, table: Table, *, archive: bool) -> None:
        """Replace the definition; ``archive`` keeps the old one as a version (new id)."""

    @abc.abstractmethod
    def delete_table(self, database: str, name: str) -> None: ...

    @abc.abstractmethod
    def get_table_versions(self, database: str, name: str, *, max_results: int | None = None,
                           next_token: str | None = None) -> Page[TableVersion]:
        """Versions, oldest first (version ids ``"1"``, ``"2"``...)."""

    @abc.abstractmethod
    def get_table_version(self, database: str, name: str, version_id: str) -> Table: ...

    # ----------------------------------------------------------------- partitions
    @abc.abstractmethod
    def _batch_create_partitions(self, database: str, table: str,
                                 partitions: Sequence[Partition]) -> list[PartitionError]: ...

    @abc.abstractmethod
    def _batch_get_partitions(self, database: str, table: str,
                              values: Sequence[tuple[str, ...]]) -> list[Partition]: ...

    @abc.abstractmethod
    def _batch_delete_partitions(self, database: str, table: str,
                                 values: Sequence[tuple[str, ...]]) -> list[PartitionError]: ...

    @abc.abstractmethod
    def get_partitions(self, database: str, table: str, *, expression: str | None = None,
                       max_results: int | None = None,
                       next_token: str | None = None) -> Page[Partition]:
        """Partitions matching Glue filter ``expression`` (all when ``None``)."""

    def close(self) -> None:
        """Release connections (no-op by default)."""
        return None

    # ------------------------------------------------------- shared Glue semantics
    def update_table(self, table: Table, *, skip_archive: bool | None = None) -> Table:
        """Update ``table``; return the stored current version.

        ``skip_archive=None`` (default) archives the old definition, creating a new version
        id, only when the schema or location changed; ``False`` always archives (Glue's
        default), ``True`` never does (Glue's ``SkipArchive``).
        """
        current = self.get_table(table.database, table.name)
        archive = (current.definition_key() != table.definition_key()
                   if skip_archive is None else not skip_archive)
        self._update_table(table, archive=archive)
        return self.get_table(table.database, table.name)

    def batch_create_partitions(self, database: str, table: str,
                                partitions: Sequence[Partition]) -> list[PartitionError]:
        """Create partitions (chunked to Glue's limits); return per-entry errors."""
        self._check_partition_values(database, table, [p.values for p in partitions])
        return _chunked(list(partitions), MAX_BATCH_CREATE,
                        lambda chunk: self._batch_create_partitions(database, table, chunk))

    def batch_get_partitions(self, database: str, table: str,
                             values: Sequence[Sequence[str]]) -> list[Partition]:
        """The partitions that exist among ``values`` (missing ones are left out)."""
        keys = [tuple(v) for v in values]
        return _chunked(keys, MAX_BATCH_GET,
                        lambda chunk: self._batch_get_partitions(database, table, chunk))

    def batch_delete_partitions(self, database: str, table: str,
                                values: Sequence[Sequence[str]]) -> list[PartitionError]:
        keys = [tuple(v) for v in values]
        return _chunked(keys, MAX_BATCH_DELETE,
                        lambda chunk: self._batch_delete_partitions(database, table, chunk))

    def _check_partition_values(self, database: str, table: str,
                                values: Sequence[tuple[str, ...]]) -> None:
        keys = self.get_table(database, table).partition_keys
        for vals in values:
            if len(vals) != len(keys):
                raise InvalidInputError(
                    f"partition {list(vals)} of {database}.{table} has {len(vals)} value(s); "
                    f"the table has {len(keys)} partition key(s) {[k.name for k in keys]}")

    def partition_locations(self, database: str, table: str) -> dict[tuple[str, ...], str]:
        """Every partition's values -> location (cheaper than full partitions where possible)."""
        return {p.values: p.location for p in self.iter_partitions(database, table)}

    def iter_databases(self) -> Iterator[Database]:
        yield from _follow(lambda token: self.list_databases(next_token=token))

    def iter_tables(self, database: str) -> Iterator[Table]:
        yield from _follow(lambda token: self.list_tables(database, next_token=token))

    def iter_partitions(self, database: str, table: str, *,
                        expression: str | None = None) -> Iterator[Partition]:
        yield from _follow(lambda token: self.get_partitions(
            database, table, expression=expression, next_token=token))

    def iter_table_versions(self, database: str, name: str) -> Iterator[TableVersion]:
        yield from _follow(lambda token: self.get_table_versions(database, name, next_token=token))

    def ensure_database(self, database: Database) -> bool:
        """Create ``database`` unless it exists; return whether it was created."""
        try:
            self.get_database(database.name)
            return False
        except EntityNotFoundError:
            pass
        from lakehouse.errors import AlreadyExistsError

        try:
            self.create_database(database)
            return True
        except AlreadyExistsError:       # another process won the race
            return False

    def find_table(self, database: str, name: str) -> Table | None:
        try:
            return self.get_table(database, name)
        except EntityNotFoundError:
            return None

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _follow(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page.items
        token = page.next_token
        if not token:
            return


def _chunked(items: list, size: int, call: Callable[[list], list]) -> list:
    out: list = []
    for start in range(0, len(items), size):
        out.extend(call(items[start:start + size]))
    return out


def page_size(max_results: int | None, limit: int = 100) -> int:
    """Validate ``max_results`` as Glue does: 1..100 for databases, tables and versions,
    1..1000 for partitions; default 100."""
    if max_results is None:
        return min(100, limit)
    if not 1 <= max_results <= limit:
        raise InvalidInputError(f"max_results must be between 1 and {limit}, got {max_results}")
    return max_results


def encode_token(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode()


def decode_token(token: str) -> dict:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not isinstance(state, dict):
            raise ValueError(token)
        return state
    except ValueError as exc:
        raise InvalidInputError(f"invalid NextToken {token[:20]!r}",
                                hint="pass the next_token of the previous page unchanged") from exc
