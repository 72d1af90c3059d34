"""Read landing files into a DataFrame of source columns (as received) plus ingestion metadata.

CSV and JSON are read in PERMISSIVE mode with a corrupt-record column (``_corrupt_record``):
a record with too many or too few fields, a broken quote or invalid JSON keeps its raw text
there instead of being dropped or silently truncated. CSV is read with an explicit all-string
schema built from each file's header, which is what makes Spark check the field count.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lakehouse.config.changes_spec import SOURCE_ROW
from lakehouse.config.models import DatasetConfig
from lakehouse.errors import SourceError
from lakehouse.sources.integrity import check_head
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.malformed import CORRUPT_COLUMN
from lakehouse.sources.naming import safe_column_names
from lakehouse.storage import files
from lakehouse.storage.uri import spark_path

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

METADATA_COLUMNS = ("_source_file", "_ingest_run_id", "_ingested_at", "_record_hash", SOURCE_ROW)


def read_landing(spark: SparkSession, dataset: DatasetConfig, batch: list[LandingFile],
                 *, run_id: str, headers: dict[str, list[str]] | None = None) -> DataFrame:
    """Read ``batch`` as delivered: CSV columns stay strings, names are made safe, and
    ``_source_file``, ``_ingest_run_id``, ``_ingested_at``, ``_record_hash`` are added.

    The result also has ``_corrupt_record`` (the raw text of a record that did not parse,
    else null; always null for Parquet). A query on it must read a source column too (Spark
    refuses a file scan that reads only the corrupt-record column). ``headers``,
    when given, receives each CSV file's header (relative path -> source column names).
    """
    from pyspark.sql import functions as F

    fmt = dataset.source.format
    if fmt == "csv":
        df = _read_csv(spark, dataset, batch, headers if headers is not None else {})
    elif fmt == "json":
        options = {**_str_options(dataset.source.options), "mode": "PERMISSIVE",
                   "columnNameOfCorruptRecord": CORRUPT_COLUMN}
        df = spark.read.options(**options).json([file_path(f.uri) for f in batch])
        names = [c for c in df.columns if c != CORRUPT_COLUMN]
        safe = iter(safe_column_names(names))
        # renamed by position: keys differing only in case ("Name", "name") are ambiguous
        # by name under Spark's case-insensitive resolution
        df = df.toDF(*[c if c == CORRUPT_COLUMN else next(safe) for c in df.columns])
        if CORRUPT_COLUMN not in df.columns:
            df = df.withColumn(CORRUPT_COLUMN, F.lit(None).cast("string"))
        elif not names:  # no record parsed: Spark would refuse to scan the corrupt column alone
            df = _invalid_json_as_text(spark, dataset, batch)
    else:
        reader = spark.read.options(**_str_options(dataset.source.options))
        if dataset.changes is not None:   # DMS: only CDC files carry the Op column
            reader = reader.option("mergeSchema", "true")
        df = reader.parquet(*[file_path(f.uri) for f in batch])
        df = df.toDF(*safe_column_names(df.columns))
        df = df.withColumn(CORRUPT_COLUMN, F.lit(None).cast("string"))
    source_cols = _source_columns(df)
    hash_input = F.concat_ws("\u0001", *[F.coalesce(F.col(c).cast("string"), F.lit("\u0000"))
                                         for c in source_cols])
    out = (
        df.withColumn("_source_file", F.input_file_name())
        .withColumn("_ingest_run_id", F.lit(run_id))
        .withColumn("_ingested_at", F.current_timestamp())
        .withColumn("_record_hash", F.sha2(hash_input, 256))
    )
    if dataset.changes is not None:
        # a change's position within its file breaks ties between changes (docs/changes.md):
        # increasing in read order within a partition, and Spark keeps a file's splits in
        # offset order
        out = out.withColumn(SOURCE_ROW, F.monotonically_increasing_id())
    return out


def _invalid_json_as_text(spark: SparkSession, dataset: DatasetConfig,
                          batch: list[LandingFile]) -> DataFrame:
    """Every record of ``batch`` as raw text in the corrupt-record column (no source column).

    When no record of a JSON batch parses, Spark infers a schema of the corrupt-record column
    alone and refuses any scan of it; the lines (or, with ``multiLine``, whole files) are read
    as text instead, so each one is quarantined as malformed. Blank lines are skipped, as the
    JSON reader skips them.
    """
    from pyspark.sql import functions as F

    whole = str(dataset.source.options.get("multiLine", "")).lower() == "true"
    text = spark.read.text([file_path(f.uri) for f in batch], wholetext=whole)
    return text.where(F.trim("value") != "").select(F.col("value").alias(CORRUPT_COLUMN))


def _source_columns(df: DataFrame) -> list[str]:
    """The columns read from the files: not the metadata, not the corrupt-record column."""
    return [c for c in df.columns if c not in METADATA_COLUMNS and c != CORRUPT_COLUMN]


def every_column(df: DataFrame) -> Column | None:
    """One value computed from every source column of a :func:`read_landing` frame, so a
    scan that selects it reads and converts them all.

    Two scans of the same files find the same records only if both read every column: a
    JSON field of the wrong type, or a Parquet column that does not convert, only fails (or
    marks the record corrupt) where a query reads it; and Spark refuses a file scan that
    reads only the corrupt-record column. None when the read found no other column (no JSON
    record parsed: the records are then read as text, see ``_invalid_json_as_text``)."""
    from pyspark.sql import functions as F

    kinds = dict(df.dtypes)
    # hashing refuses maps (Parquet): nested values are hashed as their JSON text
    cols = [F.to_json(F.col(f"`{n}`")) if kinds[n].startswith(("map<", "struct<", "array<"))
            else F.col(f"`{n}`") for n in _source_columns(df)]
    return F.xxhash64(*cols) if cols else None


def file_path(uri: str) -> str:
    """The path Spark reads for one landing file: glob characters (``[]{}*?``) in a file
    name are escaped, so ``x[1].csv`` is that file, not a pattern."""
    path = spark_path(uri)
    for char in "\\[]{}*?":
        path = path.replace(char, "\\" + char)
    return path


def encoding_of(dataset: DatasetConfig) -> str:
    """The text encoding of the dataset's files (``source.options.encoding``, else UTF-8)."""
    return encoding_in(dataset.source.options)


def encoding_in(options: dict) -> str:
    """The text encoding Spark reader ``options`` name (``encoding`` / ``charset``), else UTF-8."""
    lowered = {k.lower(): v for k, v in options.items()}
    return str(lowered.get("encoding") or lowered.get("charset") or "utf-8")


def _str_options(options: dict) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}


def csv_options(dataset: DatasetConfig) -> dict[str, str]:
    """Spark CSV options: RFC 4180 quoting (``""`` escapes a quote) unless overridden, and
    always PERMISSIVE with the corrupt-record column, every field parsed.

    ``columnPruning`` off: with it on, a query reading a few columns parses only those
    fields, and a record with too many or too few fields is not seen as malformed (a count of
    corrupt records next to one column found 0 of 3). Ingest counts and writes in separate
    scans, which must find the same malformed records."""
    header = "false" if dataset.changes is not None and dataset.changes.headerless else "true"
    return {"header": header, "escape": '"', **_str_options(dataset.source.options),
            "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_COLUMN,
            "columnPruning": "false"}


def _read_csv(spark: SparkSession, dataset: DatasetConfig, batch: list[LandingFile],
              headers: dict[str, list[str]]) -> DataFrame:
    """All columns as strings (raw keeps data as received). Files are grouped by header so a
    producer changing its columns is caught by the schema check rather than misaligned.
    A header already in ``headers`` (read by the intake checks) is not read again."""
    from pyspark.sql.types import StringType, StructField, StructType

    options = csv_options(dataset)
    by_header: dict[tuple[str, ...], list[str]] = {}
    for item in batch:
        if item.rel_path not in headers:
            headers[item.rel_path] = csv_header(dataset, item)
        header = tuple(headers[item.rel_path])
        by_header.setdefault(header, []).append(file_path(item.uri))
    frames = []
    for header, uris in by_header.items():
        names = safe_column_names(list(header))
        schema = StructType([StructField(n, StringType(), True) for n in [*names, CORRUPT_COLUMN]])
        frames.append(spark.read.options(**options).schema(schema).csv(uris))
    df = frames[0]
    for other in frames[1:]:
        df = df.unionByName(other, allowMissingColumns=True)
    return df


def csv_header(dataset: DatasetConfig, item: LandingFile) -> list[str]:
    """The column names of a CSV file's first line (a UTF-16/32 file read as UTF-8, or a
    file without a header line, is refused with a :class:`SourceError` naming it).

    A header-less change source (``changes.header: false``, DMS's default) has no header
    line: the names are the layout DMS writes (:meth:`ChangesSpec.csv_columns`)."""
    spec = dataset.changes
    if spec is not None and spec.headerless:
        data = [c.source or c.name for c in dataset.columns if not c.expr]
        ts = dataset.column(spec.timestamp_column) if spec.timestamp_column else None
        return spec.csv_columns(item.rel_path, data, (ts.source or ts.name) if ts else None)
    options = csv_options(dataset)
    return _csv_header(item, options.get("sep", options.get("delimiter", ",")),
                       encoding_of(dataset))


def _csv_header(item: LandingFile, sep: str, encoding: str) -> list[str]:
    import csv

    raw = files.read_bytes(item.uri) if item.size < 1 << 20 else _head(item.uri)
    if item.rel_path.endswith(".gz"):
        try:  # a partial stream is fine: only the first line is needed
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, 1 << 16)
        except zlib.error as exc:
            raise SourceError(f"{item.rel_path}: not a readable gzip file ({exc})") from exc
    check_head(item.rel_path, raw, encoding)
    text = raw[: 1 << 16].decode(_python_codec(encoding), errors="replace")
    first = next(csv.reader(io.StringIO(text), delimiter=sep), None)
    if not first or not any(c.strip() for c in first):
        raise SourceError(f"{item.rel_path}: empty file or missing header line",
                          hint="CSV sources are read with header=true; the first line must "
                               "name the columns")
    return first


def _head(uri: str, size: int = 1 << 16) -> bytes:
    return files.read_range(uri, 0, size)


def landing_bytes(item: LandingFile) -> bytes:
    """The whole file (gzip decompressed)."""
    return b"".join(landing_chunks(item))


def landing_chunks(item: LandingFile, size: int = 1 << 20) -> Iterator[bytes]:
    """The file's bytes (gzip decompressed), streamed in pieces of at most ``size`` bytes."""
    chunks = files.iter_chunks(item.uri, size)
    if not item.rel_path.endswith(".gz"):
        yield from chunks
        return
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for chunk in chunks:
        data = chunk
        while data:
            yield decoder.decompress(data, size)
            data = decoder.unconsumed_tail
            if decoder.eof and not data and decoder.unused_data:   # the next gzip member
                data, decoder = decoder.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)


def landing_lines(item: LandingFile) -> Iterator[bytes]:
    """The file's lines as bytes (gzip decompressed, without the ``\\n``), streamed."""
    rest = b""
    for chunk in landing_chunks(item):
        *lines, rest = (rest + chunk).split(b"\n")
        yield from lines
    if rest:
        yield rest


def landing_text(item: LandingFile, encoding: str = "utf-8") -> str:
    """The whole file as text (gzip decompressed), to locate malformed records by line."""
    return landing_bytes(item).decode(_python_codec(encoding), errors="replace")


def _python_codec(encoding: str) -> str:
    """Python's codec for a Spark encoding name; UTF-8 drops a byte-order mark."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return "utf-8-sig"
    return "utf-8-sig" if name == "utf-8" else name
