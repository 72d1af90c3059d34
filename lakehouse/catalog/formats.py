"""Glue table definitions for the lake's formats, and type-name conversion (no Spark).

* Delta: ``table_type=DELTA``, ``spark.sql.sources.provider=delta`` (what Athena and Spark on
  Glue expect), all columns in the StorageDescriptor, no Glue partitions (Delta partitions
  live in the log; they are recorded in the ``lakehouse.partition_by`` parameter).
* Parquet / CSV: Hive-style external tables with ``PartitionKeys`` and registered partitions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal
from urllib.parse import quote

from lakehouse.catalog.model import Column, SerDeInfo, StorageDescriptor
from lakehouse.errors import InvalidInputError

TableFormat = Literal["delta", "parquet", "csv", "json"]

PARQUET_IN = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
CSV_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
PARTITION_BY_PARAM = "lakehouse.partition_by"

_ALIASES = {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint",
            "timestamp_ntz": "timestamp", "void": "string", "null": "string"}
_WORD = re.compile(r"[a-z_]+")


def glue_type(spark_type: str) -> str:
    """Glue/Hive type string for a Spark ``simpleString`` (``integer`` -> ``int``...).

    Nested types keep their shape: ``array<struct<a:integer>>`` -> ``array<struct<a:int>>``.
    Struct field names are left as they are.
    """
    text = spark_type.strip().lower().replace(" ", "")
    if not text:
        raise InvalidInputError("empty column type", hint="use a Spark type such as 'string'")

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        end = match.end()
        if end < len(text) and text[end] == ":":       # a struct field name
            return word
        return _ALIASES.get(word, word)

    return _WORD.sub(fix, text)


def to_columns(pairs: Sequence[tuple[str, str]], comments: dict[str, str] | None = None,
               ) -> tuple[Column, ...]:
    comments = comments or {}
    return tuple(Column(name, glue_type(type_), comments.get(name, "")) for name, type_ in pairs)


def storage_for(table_format: str, location: str, columns: tuple[Column, ...], *,
                csv_header: bool = True) -> StorageDescriptor:
    """The StorageDescriptor Glue crawlers write for ``table_format``."""
    if table_format in ("delta", "parquet"):
        serde = SerDeInfo(PARQUET_SERDE, {"serialization.format": "1"})
        if table_format == "delta":
            serde = SerDeInfo(PARQUET_SERDE, {"serialization.format": "1", "path": location})
        return StorageDescriptor(columns, location, PARQUET_IN, PARQUET_OUT, serde)
    if table_format == "csv":
        params = {"field.delim": ",", "serialization.format": ","}
        sd_params = {"skip.header.line.count": "1"} if csv_header else {}
        return StorageDescriptor(columns, location, TEXT_IN, TEXT_OUT,
                                 SerDeInfo(CSV_SERDE, params), sd_params)
    if table_format == "json":
        return StorageDescriptor(columns, location, TEXT_IN, TEXT_OUT, SerDeInfo(JSON_SERDE, {}))
    raise InvalidInputError(f"unknown table format {table_format!r}",
                            hint="use one of: delta, parquet, csv, json")


def table_parameters(table_format: str, *, partition_by: Sequence[str] = (),
                     extra: dict[str, str] | None = None) -> dict[str, str]:
    """Table parameters: ``classification`` always; Delta's Athena/Spark markers for Delta."""
    params = {"classification": table_format, "EXTERNAL": "TRUE"}
    if table_format == "delta":
        params.update({"table_type": "DELTA", "spark.sql.sources.provider": "delta"})
        if partition_by:
            params[PARTITION_BY_PARAM] = ",".join(partition_by)
    elif table_format == "csv":
        params["skip.header.line.count"] = "1"
    params.update(extra or {})
    return params


# Characters Hive escapes in partition directory names (FileUtils.escapePathName).
_HIVE_UNSAFE = set('"#%\'*/:=?\\\x7f{[]^') | {chr(c) for c in range(0x20)}


def escape_partition_value(value: str) -> str:
    """Escape a partition value the way Hive and Spark name directories."""
    if value == "":
        return "__HIVE_DEFAULT_PARTITION__"
    return "".join(quote(ch, safe="") if ch in _HIVE_UNSAFE else ch for ch in value)


def partition_location(table_location: str, keys: Sequence[str], values: Sequence[str]) -> str:
    """``<table>/k1=v1/k2=v2`` (Hive style)."""
    parts = [f"{k}={escape_partition_value(v)}" for k, v in zip(keys, values, strict=True)]
    return "/".join([table_location.rstrip("/"), *parts])
