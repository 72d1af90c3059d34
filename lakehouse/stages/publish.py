"""Catalog hooks the stages call: check a schema change before a write, register after it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

    from lakehouse.stages.context import StageContext


def columns_of(schema: StructType, exclude: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(name, Spark simpleString type) pairs, as the catalog expects."""
    return [(f.name, f.dataType.simpleString()) for f in schema.fields if f.name not in exclude]


def check_schema(ctx: StageContext, *, zone: str, name: str, schema: StructType, policy: str) -> None:
    """Fail before writing when ``schema`` is a breaking change of the registered table."""
    from lakehouse.catalog.sync import check_schema_change

    check_schema_change(ctx.project, zone=zone, name=name, columns=columns_of(schema), policy=policy)


def register(ctx: StageContext, *, zone: str, name: str, location: str, table_format: str,
             schema: StructType, partition_by: list[str] | None = None,
             partitions: list[dict[str, str]] | None = None, description: str = "") -> None:
    """Create or update the catalog entry for what a stage just wrote."""
    from lakehouse.catalog.sync import sync_table

    parts = list(partition_by or [])
    types = {f.name: f.dataType.simpleString() for f in schema.fields}
    sync_table(
        ctx.project, zone=zone, name=name, location=location, table_format=table_format,
        columns=columns_of(schema, exclude=parts),
        partition_keys=[(p, types[p]) for p in parts],
        partitions=partitions, description=description,
    )
