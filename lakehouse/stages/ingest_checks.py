"""Ingest's file checks: each bad file fails its dataset's batch with a SourceError naming it.

Spark-facing glue around :mod:`lakehouse.sources.integrity` (gzip and Parquet integrity,
header vs the declared columns, undecodable text, files changing while read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import LakehouseError, SourceError
from lakehouse.sources import integrity
from lakehouse.sources.landing import LandingFile, list_landing_files
from lakehouse.sources.malformed import CORRUPT_COLUMN
from lakehouse.sources.readers import METADATA_COLUMNS, csv_options, encoding_of, landing_bytes
from lakehouse.storage import files

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from lakehouse.config.project import Project

def check_files(dataset: DatasetConfig, batch: list[LandingFile]) -> None:
    """gzip files decompress to their end; Parquet files carry their magic at both ends."""
    for item in batch:
        if item.rel_path.endswith(".gz"):
            integrity.check_gzip(item.rel_path, files.iter_chunks(item.uri))
        elif dataset.source.format == "parquet":
            head, tail = _ends(item)
            integrity.check_parquet(item.rel_path, head, tail)


def check_headers(dataset: DatasetConfig, headers: dict[str, list[str]]) -> None:
    """Each CSV file's header has every declared source column (unless schema_policy is
    permissive)."""
    if dataset.source.format != "csv" or dataset.schema_policy == "permissive":
        return
    wanted = [c.source or c.name for c in dataset.columns if not c.expr]
    options = csv_options(dataset)
    sep = options.get("sep", options.get("delimiter", ","))
    for rel, header in sorted(headers.items()):
        integrity.check_header(rel, header, wanted, sep=sep)


def undecodable(dataset: DatasetConfig, df: DataFrame) -> Column:
    """True for a row holding U+FFFD, the mark Spark leaves for bytes that are not UTF-8."""
    from pyspark.sql import functions as F

    strings = [n for n, kind in df.dtypes if kind == "string" and n != CORRUPT_COLUMN
               and n not in METADATA_COLUMNS and not n.startswith("_ingest")]
    if dataset.source.format == "parquet" or not integrity.is_utf8(encoding_of(dataset)) \
            or not strings:
        return F.lit(False)
    hit = F.lit(False)
    for name in strings:
        hit = hit | F.coalesce(F.col(f"`{name}`").contains(integrity.REPLACEMENT), F.lit(False))
    return hit


def check_decoded(dataset: DatasetConfig, batch: list[LandingFile],
                  counts: dict[str, int | None]) -> None:
    """Refuse a file whose bytes are not valid UTF-8 (Spark would store U+FFFD instead)."""
    bad = sorted(rel for rel, n in counts.items() if n)
    if not bad:
        return
    item = next(f for f in batch if f.rel_path == bad[0])
    found = integrity.first_bad_line(landing_bytes(item))
    where = f"line {found[0]} has byte 0x{found[1]:02x}, " if found else ""
    raise SourceError(
        f"{item.rel_path}: {where}not valid UTF-8 ({counts[bad[0]]} row(s) affected); "
        "nothing was ingested",
        hint=f"set source.options.encoding for {dataset.name!r} to the file's encoding "
             "(e.g. ISO-8859-1 or windows-1252), or re-encode the file as UTF-8")


def check_unchanged(project: Project, dataset: DatasetConfig, batch: list[LandingFile]) -> None:
    """The files read are still the files listed (size, time, etag)."""
    now = {f.rel_path: f for f in list_landing_files(project.zone_uri("landing"), dataset)}
    integrity.check_unchanged(batch, now)


def reraise(exc: Exception, batch: list[LandingFile]) -> NoReturn:
    """Our own errors pass through; a Spark read error becomes a SourceError naming the file."""
    if isinstance(exc, LakehouseError):
        raise exc
    raise integrity.read_failure(exc, batch) from exc


def _ends(item: LandingFile) -> tuple[bytes, bytes]:
    """The first and last 4 bytes (two ranged reads on S3)."""
    return files.read_range(item.uri, 0, 4), files.read_range(item.uri, max(item.size - 4, 0), 4)
