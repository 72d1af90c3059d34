"""The one place that converts the model to and from Glue API dict shapes.

``TableInput``, ``DatabaseInput`` and ``PartitionInput`` are what boto3's Glue client sends;
the ``*_from_glue`` readers accept what Glue returns. The local backend stores these same
shapes as JSON, so both backends agree field for field.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from lakehouse.catalog.model import (
    EXTERNAL_TABLE,
    Column,
    Database,
    Partition,
    SerDeInfo,
    StorageDescriptor,
    Table,
)


def _drop_empty(shape: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in shape.items() if v not in ("", None, {}, [])}


# ------------------------------------------------------------------------------ columns
MAX_COMMENT = 255               # Glue's limit for a column comment
MAX_DESCRIPTION = 2048          # ... and for a table or database description


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def columns_to_glue(columns: tuple[Column, ...]) -> list[dict[str, str]]:
    return [_drop_empty({"Name": c.name, "Type": c.type, "Comment": _clip(c.comment, MAX_COMMENT)})
            for c in columns]


def columns_from_glue(items: list[dict[str, Any]] | None) -> tuple[Column, ...]:
    return tuple(Column(i["Name"], i.get("Type", "string"), i.get("Comment", ""))
                 for i in items or [])


def storage_to_glue(sd: StorageDescriptor) -> dict[str, Any]:
    serde = _drop_empty({"SerializationLibrary": sd.serde.serialization_library,
                         "Parameters": dict(sd.serde.parameters)})
    return _drop_empty({
        "Columns": columns_to_glue(sd.columns),
        "Location": sd.location,
        "InputFormat": sd.input_format,
        "OutputFormat": sd.output_format,
        "SerdeInfo": serde,
        "Parameters": dict(sd.parameters),
    })


def storage_from_glue(shape: dict[str, Any] | None) -> StorageDescriptor:
    shape = shape or {}
    serde = shape.get("SerdeInfo") or {}
    return StorageDescriptor(
        columns=columns_from_glue(shape.get("Columns")),
        location=shape.get("Location", ""),
        input_format=shape.get("InputFormat", ""),
        output_format=shape.get("OutputFormat", ""),
        serde=SerDeInfo(serde.get("SerializationLibrary", ""), dict(serde.get("Parameters") or {})),
        parameters=dict(shape.get("Parameters") or {}),
    )


# ---------------------------------------------------------------------------- databases
def database_input(db: Database) -> dict[str, Any]:
    return {"Name": db.name, **_drop_empty({
        "Description": _clip(db.description, MAX_DESCRIPTION), "LocationUri": db.location_uri,
        "Parameters": dict(db.parameters)})}


def database_from_glue(shape: dict[str, Any]) -> Database:
    return Database(
        name=shape["Name"],
        description=shape.get("Description", ""),
        location_uri=shape.get("LocationUri", ""),
        parameters=dict(shape.get("Parameters") or {}),
        create_time=_time(shape.get("CreateTime")),
    )


# ------------------------------------------------------------------------------- tables
def table_input(table: Table) -> dict[str, Any]:
    """Glue ``TableInput`` for create/update (read-only fields such as times left out)."""
    return {"Name": table.name, **_drop_empty({
        "Description": _clip(table.description, MAX_DESCRIPTION),
        "TableType": table.table_type,
        "Parameters": dict(table.parameters),
        "StorageDescriptor": storage_to_glue(table.storage),
        "PartitionKeys": columns_to_glue(table.partition_keys),
    })}


def table_from_glue(shape: dict[str, Any], database: str | None = None,
                    version_id: str | None = None) -> Table:
    return Table(
        database=database or shape["DatabaseName"],
        name=shape["Name"],
        storage=storage_from_glue(shape.get("StorageDescriptor")),
        partition_keys=columns_from_glue(shape.get("PartitionKeys")),
        table_type=shape.get("TableType", EXTERNAL_TABLE),
        parameters=dict(shape.get("Parameters") or {}),
        description=shape.get("Description", ""),
        version_id=version_id or shape.get("VersionId"),
        create_time=_time(shape.get("CreateTime")),
        update_time=_time(shape.get("UpdateTime")),
    )


# --------------------------------------------------------------------------- partitions
def partition_input(partition: Partition) -> dict[str, Any]:
    return {"Values": list(partition.values), **_drop_empty({
        "StorageDescriptor": storage_to_glue(partition.storage),
        "Parameters": dict(partition.parameters),
    })}


def partition_from_glue(shape: dict[str, Any], database: str | None = None,
                        table: str | None = None) -> Partition:
    return Partition(
        database=database or shape["DatabaseName"],
        table=table or shape["TableName"],
        values=tuple(shape.get("Values") or ()),
        storage=storage_from_glue(shape.get("StorageDescriptor")),
        parameters=dict(shape.get("Parameters") or {}),
        create_time=_time(shape.get("CreationTime")),
    )


# ----------------------------------------------------------------------------- JSON I/O
def to_json(shape: dict[str, Any]) -> str:
    """JSON text of a Glue shape (datetimes as ISO-8601), stable key order."""
    return json.dumps(shape, sort_keys=True, default=_default)


def from_json(text: str) -> dict[str, Any]:
    return json.loads(text)


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _time(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# -------------------------------------------------------------------------- for display
def table_to_dict(table: Table) -> dict[str, Any]:
    """A JSON-friendly view of a table in Glue's ``Table`` shape (used by ``--json``)."""
    shape = {"DatabaseName": table.database, **table_input(table)}
    if table.version_id:
        shape["VersionId"] = table.version_id
    for key, value in (("CreateTime", table.create_time), ("UpdateTime", table.update_time)):
        if value:
            shape[key] = value.isoformat()
    return shape


def partition_to_dict(partition: Partition) -> dict[str, Any]:
    shape = {"DatabaseName": partition.database, "TableName": partition.table,
             **partition_input(partition)}
    if partition.create_time:
        shape["CreationTime"] = partition.create_time.isoformat()
    return shape
