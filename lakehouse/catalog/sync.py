"""The hook stages call: check a schema change before a write, register a table after it.

Both take the project and a zone; the database is ``project.database(zone)`` (e.g.
``flights_curated``). Columns are ``(name, Spark simpleString type)`` pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from lakehouse.catalog.base import Catalog
from lakehouse.catalog.factory import catalog_for
from lakehouse.catalog.formats import (
    PARTITION_BY_PARAM,
    partition_location,
    storage_for,
    table_parameters,
    to_columns,
)
from lakehouse.catalog.model import Database, Partition, StorageDescriptor, Table
from lakehouse.catalog.schema import enforce
from lakehouse.catalog.shapes import table_input
from lakehouse.errors import AlreadyExistsError, InvalidInputError
from lakehouse.failpoints import fault_point

if TYPE_CHECKING:
    from lakehouse.config.project import Project

MANAGED_PARAMETERS = frozenset({"classification", "EXTERNAL", "table_type",
                                "spark.sql.sources.provider", PARTITION_BY_PARAM,
                                "skip.header.line.count"})


def check_schema_change(project: Project, *, zone: str, name: str,
                        columns: list[tuple[str, str]], policy: str = "additive") -> None:
    """Raise :class:`~lakehouse.errors.SchemaError` if writing ``columns`` breaks ``policy``.

    Compares with the table registered in the zone's database (nothing registered: no
    check). Call it before writing, so a failing run changes neither catalog nor table.
    Registered partition keys missing from ``columns`` are not counted as dropped.
    """
    with catalog_for(project) as catalog:
        current = catalog.find_table(project.database(zone), name)  # type: ignore[arg-type]
    if current is None:
        return
    new = to_columns(columns)
    new_names = {c.name.lower() for c in new}
    keys = {k.name.lower() for k in current.partition_keys}
    old = [c for c in current.all_columns if c.name.lower() in new_names or c.name.lower()
           not in keys]
    enforce(old, new, policy=policy, table=current.qualified_name)  # type: ignore[arg-type]


def sync_table(project: Project, *, zone: str, name: str, location: str,
               table_format: Literal["delta", "parquet", "csv"],
               columns: list[tuple[str, str]], partition_keys: Sequence[tuple[str, str]] = (),
               partitions: list[dict[str, str]] | None = None, description: str = "",
               parameters: dict[str, str] | None = None) -> None:
    """Register or update ``name`` in the zone's database (created when missing).

    A new table version is made only when the schema or location changed; nothing is
    written when nothing changed. For parquet/csv, ``partitions`` is the complete set of
    partitions (``{key: value}`` each, located Hive-style under ``location``): missing ones
    are created, moved ones re-pointed, unlisted ones removed. ``None`` leaves them as is.
    Delta tables get no Glue partitions (Delta keeps them in its log).
    """
    with catalog_for(project) as catalog:
        database = project.database(zone)  # type: ignore[arg-type]
        domain = project.lake.catalog.domain or project.lake.project
        catalog.ensure_database(Database(database, description=f"{zone} zone of {domain}",
                                         location_uri=project.zone_uri(zone)))  # type: ignore[arg-type]
        fault_point("catalog.sync", f"{zone}/{name}")
        current = catalog.find_table(database, name)
        table = build_table(database, name, location=location, table_format=table_format,
                            columns=columns, partition_keys=partition_keys,
                            description=description, parameters=parameters, current=current)
        put_table(catalog, table, current)
        if partitions is not None and table_format != "delta":
            sync_partitions(catalog, table, partitions)


def build_table(database: str, name: str, *, location: str, table_format: str,
                columns: Sequence[tuple[str, str]], partition_keys: Sequence[tuple[str, str]] = (),
                description: str = "", parameters: dict[str, str] | None = None,
                current: Table | None = None) -> Table:
    """The Glue definition of a lake table (comments and foreign parameters carried over
    from ``current``)."""
    comments = {c.name: c.comment for c in current.all_columns} if current else {}
    key_names = [k for k, _ in partition_keys]
    all_cols = to_columns(columns, comments)
    keys = to_columns(partition_keys, comments)
    location = location.rstrip("/")
    if table_format == "delta":
        present = {c.name for c in all_cols}
        data = (*all_cols, *(k for k in keys if k.name not in present))
        keys = ()
    else:
        data = tuple(c for c in all_cols if c.name not in key_names)
    # Parameters others set (Athena, users) survive; the ones this module manages are redone.
    kept = {k: v for k, v in (current.parameters if current else {}).items()
            if k not in MANAGED_PARAMETERS}
    return Table(
        database=database, name=name,
        storage=storage_for(table_format, location, data),
        partition_keys=keys,
        parameters={**kept, **table_parameters(table_format, partition_by=key_names,
                                               extra=parameters)},
        description=description,
    )


def put_table(catalog: Catalog, table: Table, current: Table | None) -> str:
    """Create or update; return ``"created"``, ``"updated"``, ``"versioned"`` or ``"unchanged"``."""
    if current is None:
        try:
            catalog.create_table(table)
            return "created"
        except AlreadyExistsError:     # another process registered it meanwhile
            current = catalog.get_table(table.database, table.name)
    if table_input(current) == table_input(table):
        return "unchanged"
    stored = catalog.update_table(table)
    return "versioned" if stored.version_id != current.version_id else "updated"


def sync_partitions(catalog: Catalog, table: Table, partitions: list[dict[str, str]]) -> None:
    """Make the registered partitions of ``table`` exactly ``partitions``."""
    keys = [k.name for k in table.partition_keys]
    wanted: dict[tuple[str, ...], str] = {}
    for spec in partitions:
        if set(spec) != set(keys):
            raise InvalidInputError(
                f"partition {spec} of {table.qualified_name} must give exactly the partition "
                f"keys {keys}")
        values = tuple(_text(spec[k]) for k in keys)
        wanted[values] = partition_location(table.location, keys, values)
    existing = catalog.partition_locations(table.database, table.name)
    stale = [v for v, loc in existing.items() if wanted.get(v) != loc]
    if stale:
        catalog.batch_delete_partitions(table.database, table.name, stale)
    fresh = [Partition(table.database, table.name, v, _partition_storage(table, loc))
             for v, loc in wanted.items() if existing.get(v) != loc]
    if fresh:
        errors = catalog.batch_create_partitions(table.database, table.name, fresh)
        real = [e for e in errors if e.code != "AlreadyExistsException"]
        if real:
            raise InvalidInputError(f"could not register {len(real)} partition(s) of "
                                    f"{table.qualified_name}: {real[0].values}: {real[0].message}")


def _partition_storage(table: Table, location: str) -> StorageDescriptor:
    return replace(table.storage, location=location)


def _text(value: object) -> str:
    return "" if value is None else str(value)


__all__ = ["build_table", "check_schema_change", "put_table", "sync_partitions",
           "sync_table"]
