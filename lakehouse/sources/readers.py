"""Read landing files into a DataFrame of source columns (as received) plus ingestion metadata."""

from __future__ import annotations

import io
import zlib
from typing import TYPE_CHECKING

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import SourceError
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.naming import safe_column_names
from lakehouse.storage import files
from lakehouse.storage.uri import spark_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

METADATA_COLUMNS = ("_source_file", "_ingest_run_id", "_ingested_at", "_record_hash")


def read_landing(spark: SparkSession, dataset: DatasetConfig, batch: list[LandingFile],
                 *, run_id: str) -> DataFrame:
    """Read ``batch`` as delivered: CSV columns stay strings, names are made safe, and
    ``_source_file``, ``_ingest_run_id``, ``_ingested_at``, ``_record_hash`` are added."""
    from pyspark.sql import functions as F

    fmt = dataset.source.format
    if fmt == "csv":
        df = _read_csv(spark, dataset, batch)
    else:
        reader = spark.read.options(**_str_options(dataset.source.options))
        df = reader.json([spark_path(f.uri) for f in batch]) if fmt == "json" else reader.parquet(
            *[spark_path(f.uri) for f in batch])
        df = df.toDF(*safe_column_names(df.columns))
    source_cols = [c for c in df.columns if c not in METADATA_COLUMNS]
    hash_input = F.concat_ws("\u0001", *[F.coalesce(F.col(c).cast("string"), F.lit("\u0000"))
                                         for c in source_cols])
    return (
        df.withColumn("_source_file", F.input_file_name())
        .withColumn("_ingest_run_id", F.lit(run_id))
        .withColumn("_ingested_at", F.current_timestamp())
        .withColumn("_record_hash", F.sha2(hash_input, 256))
    )


def _str_options(options: dict) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}


def _read_csv(spark: SparkSession, dataset: DatasetConfig, batch: list[LandingFile]) -> DataFrame:
    """All columns as strings (raw keeps data as received). Files are grouped by header so a
    producer changing its columns is caught by the schema check rather than misaligned."""
    from pyspark.sql.types import StringType, StructField, StructType

    options = {"header": "true", "mode": "PERMISSIVE", **_str_options(dataset.source.options)}
    by_header: dict[tuple[str, ...], list[str]] = {}
    for item in batch:
        header = tuple(_csv_header(item, options.get("sep", options.get("delimiter", ","))))
        by_header.setdefault(header, []).append(spark_path(item.uri))
    frames = []
    for header, uris in by_header.items():
        names = safe_column_names(list(header))
        schema = StructType([StructField(n, StringType(), True) for n in names])
        frames.append(spark.read.options(**options).schema(schema).csv(uris))
    df = frames[0]
    for other in frames[1:]:
        df = df.unionByName(other, allowMissingColumns=True)
    return df


def _csv_header(item: LandingFile, sep: str) -> list[str]:
    import csv

    raw = files.read_bytes(item.uri) if item.size < 1 << 20 else _head(item.uri)
    if item.rel_path.endswith(".gz"):
        try:  # a partial stream is fine: only the first line is needed
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, 1 << 16)
        except zlib.error as exc:
            raise SourceError(f"{item.rel_path}: not a readable gzip file ({exc})") from exc
    text = raw[: 1 << 16].decode("utf-8-sig", errors="replace")
    first = next(csv.reader(io.StringIO(text), delimiter=sep), None)
    if not first or not any(c.strip() for c in first):
        raise SourceError(f"{item.rel_path}: empty file or missing header line",
                          hint="CSV sources are read with header=true; the first line must "
                               "name the columns")
    return first


def _head(uri: str, size: int = 1 << 16) -> bytes:
    from lakehouse.storage.uri import is_local, local_path

    if is_local(uri):
        with open(local_path(uri), "rb") as handle:
            return handle.read(size)
    return files.read_bytes(uri)[:size]
