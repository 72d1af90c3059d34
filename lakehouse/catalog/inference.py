"""Infer a table's format, schema and Hive-style partitions from files (no Spark).

Delta: the schema from the log (``deltalake``). Parquet: footers (pyarrow). CSV / JSON:
a sample of rows (pyarrow). Types come out as Glue/Hive type strings.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lakehouse.catalog.model import Column
from lakehouse.errors import SchemaError

SAMPLE_FILES = 20
SAMPLE_BYTES = 1 << 20
EXTENSIONS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json",
        ".ndjson": "json"}
_DELTA_PRIMITIVES = {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint",
                     "timestamp_ntz": "timestamp"}


@dataclass
class InferredTable:
    """What a folder holds: format, columns, partition keys and partition values."""

    name: str
    path: Path
    table_format: str
    columns: list[Column]
    partition_keys: list[Column] = field(default_factory=list)
    partitions: list[tuple[str, ...]] = field(default_factory=list)
    files: int = 0


# ------------------------------------------------------------------------------- types
def arrow_glue_type(dtype: object) -> str:
    """Glue type string of a pyarrow ``DataType``."""
    import pyarrow as pa
    import pyarrow.types as t

    checks = [(t.is_boolean, "boolean"), (t.is_int8, "tinyint"), (t.is_int16, "smallint"),
              (t.is_int32, "int"), (t.is_int64, "bigint"), (t.is_uint8, "smallint"),
              (t.is_uint16, "int"), (t.is_uint32, "bigint"), (t.is_uint64, "bigint"),
              (t.is_float32, "float"), (t.is_float64, "double"), (t.is_date, "date"),
              (t.is_timestamp, "timestamp"), (t.is_string, "string"),
              (t.is_large_string, "string"), (t.is_binary, "binary"),
              (t.is_large_binary, "binary"), (t.is_null, "string")]
    for check, name in checks:
        if check(dtype):
            return name
    if t.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"  # type: ignore[attr-defined]
    if t.is_list(dtype) or t.is_large_list(dtype):
        return f"array<{arrow_glue_type(dtype.value_type)}>"  # type: ignore[attr-defined]
    if t.is_map(dtype):
        return (f"map<{arrow_glue_type(dtype.key_type)},"  # type: ignore[attr-defined]
                f"{arrow_glue_type(dtype.item_type)}>")  # type: ignore[attr-defined]
    if t.is_struct(dtype):
        fields = [f"{f.name}:{arrow_glue_type(f.type)}" for f in dtype]  # type: ignore[attr-defined]
        return f"struct<{','.join(fields)}>"
    if isinstance(dtype, pa.DataType) and t.is_dictionary(dtype):
        return arrow_glue_type(dtype.value_type)
    return "string"


def delta_glue_type(dtype: object) -> str:
    """Glue type string of a Delta schema JSON type (``"long"``, ``{"type": "struct"...}``)."""
    if isinstance(dtype, str):
        return _DELTA_PRIMITIVES.get(dtype, dtype)
    assert isinstance(dtype, dict)
    kind = dtype.get("type")
    if kind == "array":
        return f"array<{delta_glue_type(dtype['elementType'])}>"
    if kind == "map":
        return f"map<{delta_glue_type(dtype['keyType'])},{delta_glue_type(dtype['valueType'])}>"
    fields = [f"{f['name']}:{delta_glue_type(f['type'])}" for f in dtype.get("fields", [])]
    return f"struct<{','.join(fields)}>"


def partition_value_type(values: Iterable[str]) -> str:
    """Type Spark's partition discovery would infer: int, bigint, date or string."""
    values = [v for v in values if v != "__HIVE_DEFAULT_PARTITION__"]
    if values and all(re.fullmatch(r"-?\d{1,18}", v) for v in values):
        return "int" if all(-(2**31) <= int(v) < 2**31 for v in values) else "bigint"
    if values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values):
        return "date"
    return "string"


# ------------------------------------------------------------------------------ readers
def delta_schema(path: Path) -> tuple[list[Column], list[str]]:
    """Columns and partition column names from a Delta log."""
    from deltalake import DeltaTable

    table = DeltaTable(str(path))
    schema = json.loads(table.schema().to_json())
    columns = [Column(f["name"], delta_glue_type(f["type"]),
                      (f.get("metadata") or {}).get("comment", "")) for f in schema["fields"]]
    return columns, list(table.metadata().partition_columns)


def file_schema(path: Path, table_format: str) -> list[Column]:
    """Columns of one Parquet, CSV or JSON file (CSV/JSON from a sample of rows)."""
    import pyarrow as pa

    try:
        if table_format == "parquet":
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
        elif table_format == "csv":
            import pyarrow.csv as pcsv

            schema = pcsv.read_csv(io.BytesIO(_head(path))).schema
        else:
            schema = _json_schema(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SchemaError(f"cannot read the schema of {path}: {exc}",
                          hint="is the file complete and of the format its extension says?"
                          ) from exc
    return [Column(f.name, arrow_glue_type(f.type)) for f in schema]


def _head(path: Path) -> bytes:
    """Up to SAMPLE_BYTES of whole lines (gzip decompressed)."""
    import pyarrow as pa

    with pa.input_stream(str(path), compression="detect") as stream:
        data = stream.read(SAMPLE_BYTES)
    if len(data) == SAMPLE_BYTES and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data


def _json_schema(path: Path):
    import pyarrow as pa
    import pyarrow.json as pjson

    data = _head(path)
    if data.lstrip()[:1] == b"[":
        with pa.input_stream(str(path), compression="detect") as stream:
            rows = json.loads(stream.read())
        return pa.Table.from_pylist(rows[:1000]).schema
    return pjson.read_json(io.BytesIO(data)).schema


def merge_columns(schemas: Iterable[list[Column]], where: str) -> list[Column]:
    """Union of file schemas in first-seen order; conflicting types are an error."""
    out: dict[str, Column] = {}
    for columns in schemas:
        for col in columns:
            seen = out.get(col.name)
            if seen and seen.type != col.type and "string" not in (seen.type, col.type):
                _numeric = {"int", "bigint", "tinyint", "smallint"}
                if {seen.type, col.type} <= _numeric:
                    out[col.name] = Column(col.name, "bigint")
                    continue
                raise SchemaError(f"files under {where} disagree on column {col.name!r}: "
                                  f"{seen.type} vs {col.type}",
                                  hint="rewrite the odd files or move them to their own folder")
            if not seen:
                out[col.name] = col
    return list(out.values())


def hive_partition(rel_dir: Path) -> list[tuple[str, str]]:
    """``dt=2013-01-01/origin=JFK`` -> [("dt", "2013-01-01"), ("origin", "JFK")].

    A folder that is not ``key=value`` becomes ``partition_<i>`` as Glue crawlers name it.
    """
    parts = []
    for i, segment in enumerate(rel_dir.parts):
        key, sep, value = segment.partition("=")
        parts.append((key, unquote(value)) if sep and key else (f"partition_{i}", segment))
    return parts
