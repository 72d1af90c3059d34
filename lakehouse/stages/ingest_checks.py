"""Ingest's file checks: which files of a batch cannot be ingested as declared, and why.

Each check names the file (and the line or column) in a :class:`SourceError`; ingest refuses
that file and takes the rest of the batch. Spark-facing glue around
:mod:`lakehouse.sources.integrity` (gzip and Parquet integrity, declared columns in a CSV
header, a Parquet schema or a JSON file's records, undecodable text, files changing while
read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import LakehouseError, SourceError
from lakehouse.sources import integrity
from lakehouse.sources.conform import required
from lakehouse.sources.landing import LandingFile, changes, list_landing_files
from lakehouse.sources.malformed import CORRUPT_COLUMN
from lakehouse.sources.naming import safe_column_names
from lakehouse.sources.readers import (
    METADATA_COLUMNS,
    csv_header,
    csv_options,
    encoding_of,
    landing_lines,
)
from lakehouse.storage import files

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from lakehouse.config.project import Project


def check_file(dataset: DatasetConfig, item: LandingFile, headers: dict[str, list[str]]) -> None:
    """The checks before Spark reads ``item``: gzip files decompress to their end, Parquet
    files carry their magic at both ends and every declared column in their schema, CSV files
    have a header naming every declared column (kept in ``headers``)."""
    if item.rel_path.endswith(".gz"):
        integrity.check_gzip(item.rel_path, files.iter_chunks(item.uri))
    fmt = dataset.source.format
    if fmt == "parquet":
        head, tail = _ends(item)
        integrity.check_parquet(item.rel_path, head, tail)
        if dataset.schema_policy != "permissive":
            integrity.check_columns(item.rel_path, _parquet_columns(item), declared(dataset),
                                    what="the Parquet schema lacks", listing="columns")
    elif fmt == "csv":
        headers[item.rel_path] = csv_header(dataset, item)
        if dataset.schema_policy != "permissive":
            options = csv_options(dataset)
            integrity.check_header(item.rel_path, headers[item.rel_path], declared(dataset),
                                   sep=options.get("sep", options.get("delimiter", ",")))


def declared(dataset: DatasetConfig, *, only_required: bool = False) -> list[str]:
    """The source column each declared (not derived) column is read from."""
    return [c.source or c.name for c in dataset.columns
            if not c.expr and (not only_required or required(dataset, c))]


def value_counts(dataset: DatasetConfig, df: DataFrame) -> list[Column]:
    """Per JSON source column, the records holding a value (``_values:<column>``), for
    :func:`check_json_columns`; nothing for other formats or ``schema_policy: permissive``."""
    from pyspark.sql import functions as F

    if dataset.source.format != "json" or dataset.schema_policy == "permissive":
        return []
    return [F.count(F.col(f"`{c}`")).alias(f"_values:{c}") for c in source_columns(df)]


def check_json_columns(dataset: DatasetConfig, rel: str, parsed: int,
                       values: dict[str, int]) -> str | None:
    """Declared columns without a value in any parsed record of one JSON file.

    JSON cannot tell an absent key from a null once parsed, so "no record has a value" is
    the test. A required column (``nullable: false`` or a key) without one refuses the file
    (like a CSV header without it: most likely renamed or dropped by the producer); a
    nullable one only warns (producers omit null keys): the returned warning, or None.
    """
    if parsed == 0:   # nothing parsed (every record malformed): nothing to check
        return None
    present = [c for c, n in values.items() if n]
    integrity.check_columns(rel, present, declared(dataset, only_required=True),
                            what="no record has a value for required", listing="keys with values")
    safe = set(safe_column_names(present))
    missing = [c for c in declared(dataset) if safe_column_names([c])[0] not in safe]
    if not missing:
        return None
    return (f"{rel}: no record has a value for nullable column(s) "
            f"{', '.join(repr(c) for c in missing)}: read as null")


def source_columns(df: DataFrame) -> list[str]:
    return [c for c in df.columns if c != CORRUPT_COLUMN and c not in METADATA_COLUMNS
            and not c.startswith("_ingest")]


def undecodable(dataset: DatasetConfig, df: DataFrame) -> Column:
    """True for a row holding U+FFFD, the mark Spark leaves for bytes that are not UTF-8."""
    from pyspark.sql import functions as F

    strings = [n for n, kind in df.dtypes if kind == "string" and n in source_columns(df)]
    if dataset.source.format == "parquet" or not integrity.is_utf8(encoding_of(dataset)) \
            or not strings:
        return F.lit(False)
    hit = F.lit(False)
    for name in strings:
        hit = hit | F.coalesce(F.col(f"`{name}`").contains(integrity.REPLACEMENT), F.lit(False))
    return hit


def undecoded(dataset: DatasetConfig, item: LandingFile, rows: int) -> SourceError:
    """The refusal of a file whose bytes are not valid UTF-8 (Spark would store U+FFFD)."""
    found = integrity.first_bad_line(landing_lines(item))
    where = f"line {found[0]} has byte 0x{found[1]:02x}, " if found else ""
    return SourceError(
        f"{item.rel_path}: {where}not valid UTF-8 ({rows} row(s) affected); "
        "nothing of this file was ingested",
        hint=f"set source.options.encoding for {dataset.name!r} to the file's encoding "
             "(e.g. ISO-8859-1 or windows-1252), or re-encode the file as UTF-8")


def changed_files(project: Project, dataset: DatasetConfig,
                  batch: list[LandingFile]) -> dict[str, SourceError]:
    """The files of ``batch`` whose content is no longer the one listed (or that vanished),
    each with the refusal naming what changed (time, size, ETag, content hash)."""
    now = {f.rel_path: f for f in list_landing_files(project.zone_uri("landing"), dataset)}
    out = {}
    for item in batch:
        seen = now.get(item.rel_path)
        if seen is None:
            out[item.rel_path] = integrity.changed_while_read(item.rel_path, ["deleted"])
            continue
        _, differences = changes(item.facts(), seen)
        if differences:
            out[item.rel_path] = integrity.changed_while_read(item.rel_path, differences)
    return out


def culprit(exc: Exception, batch: list[LandingFile]) -> tuple[str | None, LakehouseError]:
    """Our own error, or Spark's read error as a SourceError, and the file it names (if any)."""
    if isinstance(exc, LakehouseError):
        return None, exc
    error = integrity.read_failure(exc, batch)
    named = [f.rel_path for f in batch if error.message.startswith(f"{f.rel_path}: ")]
    return (max(named, key=len) if named else None), error


def _ends(item: LandingFile) -> tuple[bytes, bytes]:
    """The first and last 4 bytes (two ranged reads on S3)."""
    return files.read_range(item.uri, 0, 4), files.read_range(item.uri, max(item.size - 4, 0), 4)


def _parquet_columns(item: LandingFile) -> list[str]:
    """Top-level column names of a Parquet file, from its footer (ranged reads on S3)."""
    import pyarrow.parquet as pq

    from lakehouse.storage.arrowfs import arrow_filesystem

    filesystem, path = arrow_filesystem(item.uri)
    try:
        return list(pq.read_schema(path, filesystem=filesystem).names)
    except (OSError, ValueError) as exc:   # pyarrow.ArrowInvalid is a ValueError
        raise SourceError(f"{item.rel_path}: not a readable Parquet file ({exc}); nothing of "
                          "this file was ingested",
                          hint="the upload is corrupt or not Parquet: deliver the file again") \
            from None
