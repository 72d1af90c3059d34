"""Schema conversion (Spark <-> Delta) and the schema check run before every write.

Delta's schema string is Spark's ``StructType`` JSON, so conversion is a JSON round trip.
delta-rs does not validate appended files against the table schema, so
:func:`check_schema` compares the incoming DataFrame with the table before any commit and
raises :class:`SchemaError` naming missing, extra and mismatched columns.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lakehouse.errors import SchemaError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType


def to_delta_schema(schema: StructType):  # -> deltalake.Schema
    from deltalake import Schema

    return Schema.from_json(nullable_schema(schema).json())


def from_delta_schema(delta_schema) -> StructType:
    from pyspark.sql.types import StructType

    return StructType.fromJson(json.loads(delta_schema.to_json()))


def nullable_schema(schema: StructType) -> StructType:
    """All top-level fields nullable: Delta tables written from DataFrames accept nulls."""
    from pyspark.sql.types import StructField, StructType

    return StructType([StructField(f.name, f.dataType, True, f.metadata) for f in schema.fields])


def check_schema(table: StructType, incoming: StructType, *, uri: str,
                 mode: str = "strict", ignore: tuple[str, ...] = ()) -> list[str]:
    """Compare an incoming schema with the table's. Return the new columns (``mode="merge"``).

    Raises:
        SchemaError: columns missing from the data, extra columns (strict mode), or a column
            whose type differs from the table's.
    """
    table_fields = {f.name.lower(): f for f in table.fields}
    incoming_fields = {f.name.lower(): f for f in incoming.fields if f.name not in ignore}
    missing = [f.name for k, f in table_fields.items() if k not in incoming_fields]
    extra = [f.name for k, f in incoming_fields.items() if k not in table_fields]
    mismatched = [
        f"{f.name}: table has {table_fields[k].dataType.simpleString()}, "
        f"data has {f.dataType.simpleString()}"
        for k, f in incoming_fields.items()
        if k in table_fields and not _same_type(table_fields[k].dataType, f.dataType)
    ]
    problems = []
    if missing:
        problems.append(f"missing columns {missing}")
    if extra and mode != "merge":
        problems.append(f"extra columns {extra}")
    if mismatched:
        problems.append(f"mismatched types: {'; '.join(mismatched)}")
    if problems:
        raise SchemaError(
            "data does not match the table schema: " + "; ".join(problems),
            hint="cast the data to the table's types; to add new columns write with "
                 "schema_mode='merge'; missing columns can be added as typed nulls",
            table=uri,
        )
    return extra


def _same_type(a, b) -> bool:
    """Equal types, ignoring nullability and field metadata inside nested types."""
    return _strip(json.loads(a.json())) == _strip(json.loads(b.json()))


def _strip(node):
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items()
                if k not in ("nullable", "metadata", "containsNull", "valueContainsNull")}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def align(df: DataFrame, schema: StructType, extra: tuple[str, ...] = ()) -> DataFrame:
    """Select the table's columns in table order (names as the table spells them).

    Table columns absent from ``df`` (only after a schema check allowed it) become typed nulls;
    ``extra`` columns are kept at the end.
    """
    from pyspark.sql import functions as F

    by_lower = {c.lower(): c for c in df.columns}
    cols = [F.col(f"`{by_lower[f.name.lower()]}`").cast(f.dataType).alias(f.name)
            if f.name.lower() in by_lower else F.lit(None).cast(f.dataType).alias(f.name)
            for f in schema.fields]
    return df.select(*cols, *[F.col(f"`{c}`") for c in extra])


def merged_schema(table: StructType, incoming: StructType, new_columns: list[str]) -> StructType:
    """The table schema with ``new_columns`` (from ``incoming``) appended, nullable."""
    from pyspark.sql.types import StructField, StructType

    wanted = {c.lower() for c in new_columns}
    added = [StructField(f.name, f.dataType, True, f.metadata)
             for f in incoming.fields if f.name.lower() in wanted]
    return StructType([*table.fields, *added])
