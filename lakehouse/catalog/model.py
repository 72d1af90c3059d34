"""The Glue Data Catalog data model as plain dataclasses (no Spark, no boto3).

Field names follow Glue's API in snake case (``StorageDescriptor`` -> :class:`StorageDescriptor`,
``PartitionKeys`` -> ``Table.partition_keys``). Conversion to and from Glue's dict shapes
lives in :mod:`lakehouse.catalog.shapes`, shared by both backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic, TypeVar

from lakehouse.catalog.names import check_column_name, check_entity_name
from lakehouse.errors import InvalidInputError

T = TypeVar("T")

EXTERNAL_TABLE = "EXTERNAL_TABLE"


@dataclass(frozen=True)
class Column:
    """One column: ``name``, a Glue/Hive type string (``bigint``, ``decimal(10,2)``...)."""

    name: str
    type: str
    comment: str = ""

    def __post_init__(self) -> None:
        check_column_name(self.name)


@dataclass(frozen=True)
class SerDeInfo:
    serialization_library: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StorageDescriptor:
    """Where and how the data is stored."""

    columns: tuple[Column, ...] = ()
    location: str = ""
    input_format: str = ""
    output_format: str = ""
    serde: SerDeInfo = field(default_factory=SerDeInfo)
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Database:
    name: str
    description: str = ""
    location_uri: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    create_time: datetime | None = None

    def __post_init__(self) -> None:
        check_entity_name(self.name, "database")


@dataclass(frozen=True)
class Table:
    """A table. ``version_id`` is set by the catalog (``"1"``, ``"2"``...) on reads."""

    database: str
    name: str
    storage: StorageDescriptor = field(default_factory=StorageDescriptor)
    partition_keys: tuple[Column, ...] = ()
    table_type: str = EXTERNAL_TABLE
    parameters: dict[str, str] = field(default_factory=dict)
    description: str = ""
    version_id: str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None

    def __post_init__(self) -> None:
        check_entity_name(self.database, "database")
        check_entity_name(self.name, "table")
        names = [c.name.lower() for c in (*self.storage.columns, *self.partition_keys)]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidInputError(
                f"table {self.qualified_name} declares these columns twice: {dupes}",
                hint="a partition key must not also be a data column",
            )

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.storage.columns

    @property
    def location(self) -> str:
        return self.storage.location

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Data columns followed by partition keys (the schema a query sees)."""
        return (*self.storage.columns, *self.partition_keys)

    @property
    def table_format(self) -> str:
        """``delta``, ``parquet``, ``csv``, ``json``... from the table's parameters."""
        if self.parameters.get("table_type", "").upper() == "DELTA":
            return "delta"
        return self.parameters.get("classification", "unknown").lower()

    def with_version(self, version_id: str | None, **changes: object) -> Table:
        return replace(self, version_id=version_id, **changes)  # type: ignore[arg-type]

    def definition_key(self) -> tuple:
        """What a table version is made of: schema and location (comments excluded)."""
        return (
            tuple((c.name, c.type) for c in self.storage.columns),
            tuple((c.name, c.type) for c in self.partition_keys),
            self.storage.location.rstrip("/"),
        )


@dataclass(frozen=True)
class Partition:
    """A partition of ``database.table``: ``values`` in partition-key order."""

    database: str
    table: str
    values: tuple[str, ...]
    storage: StorageDescriptor = field(default_factory=StorageDescriptor)
    parameters: dict[str, str] = field(default_factory=dict)
    create_time: datetime | None = None

    @property
    def location(self) -> str:
        return self.storage.location


@dataclass(frozen=True)
class TableVersion:
    version_id: str
    table: Table


@dataclass(frozen=True)
class PartitionError:
    """One failed entry of a batch partition call (Glue's ``PartitionError``)."""

    values: tuple[str, ...]
    code: str
    message: str


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list call; ``next_token`` is ``None`` on the last page."""

    items: list[T]
    next_token: str | None = None
