"""Ingest's read of a batch: refuse the files that cannot be read as declared, count the rest.

The checks that need no Spark run first, per file (gzip, Parquet, CSV header, encoding). Then
the remaining files are read and counted in one aggregation per file (rows, malformed
records, undecodable rows, and for JSON the records holding each column), the checks that
need those counts run, and the files are listed again to see that none changed meanwhile.
A file refused after the read is dropped and the rest read and counted again (its records
may have shaped the inferred schema); each round drops a file, so the loop ends. A Spark read
error names its file, or the files are read one by one to find it; an error no single file
causes fails the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import LakehouseError, SourceError
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.malformed import CORRUPT_COLUMN
from lakehouse.sources.readers import every_column, read_landing
from lakehouse.stages import ingest_checks as checks
from lakehouse.stages.context import StageContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass
class Scan:
    """The files accepted (read as ``df``, counted per file) and the files refused."""

    files: list[LandingFile] = field(default_factory=list)
    df: DataFrame | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    malformed: dict[str, int] = field(default_factory=dict)
    refused: dict[str, LakehouseError] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def scan(ctx: StageContext, dataset: DatasetConfig, batch: list[LandingFile]) -> Scan:
    """Check, read and count ``batch``; see the module docstring.

    Raises the read error when no single file can be blamed for it (nothing is refused).
    """
    out = Scan()
    accepted = []
    for item in batch:
        try:
            checks.check_file(dataset, item, out.headers)
            accepted.append(item)
        except SourceError as exc:
            out.refused[item.rel_path] = exc
    while accepted:
        try:
            df, counted = _read_and_count(ctx, dataset, accepted, out.headers)
        except Exception as exc:  # a Spark read error: refuse the file it comes from
            rel, error = _blame(ctx, dataset, exc, accepted, out.headers)
            if rel is None and error is exc:
                raise
            if rel is None:
                raise error from exc
            out.refused[rel] = error
            accepted = [f for f in accepted if f.rel_path != rel]
            continue
        warnings: list[str] = []
        newly = _refused_after_count(dataset, accepted, counted, warnings)
        newly |= checks.changed_files(ctx.project, dataset,
                                      [f for f in accepted if f.rel_path not in newly])
        if not newly:
            out.files, out.df, out.warnings = accepted, df, warnings
            out.rows = {rel: int(c["rows"]) for rel, c in counted.items()}
            out.malformed = {rel: int(c["malformed"] or 0) for rel, c in counted.items()}
            return out
        out.refused.update(newly)
        accepted = [f for f in accepted if f.rel_path not in newly]
    return out


def _read_and_count(ctx: StageContext, dataset: DatasetConfig, files: list[LandingFile],
                    headers: dict[str, list[str]]) -> tuple[DataFrame, dict[str, dict]]:
    """The files read, and per file (relative path) its counts in one aggregation."""
    from pyspark.sql import functions as F

    df = read_landing(ctx.spark, dataset, files, run_id=ctx.run_id, headers=headers)
    # Two scans of the files, no cache: this count (before anything is written, so a bad
    # file is refused with nothing committed), then the append. Caching the parsed rows for
    # both cost more than parsing twice (x1 flights: 5.3-6.4 s against 4.0-4.4 s) and held
    # the whole batch in memory. Both scans parse every field (``csv_options``), so they find
    # the same malformed records; the append's row count is checked against this count.
    read_all = every_column(df)
    per_file = df.groupBy("_source_file").agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col(CORRUPT_COLUMN).isNotNull().cast("int")).alias("malformed"),
        F.sum(checks.undecodable(dataset, df).cast("int")).alias("undecodable"),
        *checks.value_counts(dataset, df),
        *([] if read_all is None else [F.max(read_all).alias("_read_all")]),
    ).collect()
    by_path = match_files(files, [r["_source_file"] for r in per_file])
    counted: dict[str, dict] = {}
    for row in per_file:
        found = counted.setdefault(by_path[row["_source_file"]], {})
        for name, value in row.asDict().items():
            if name != "_source_file":
                found[name] = (found.get(name) or 0) + (value or 0)
    return df, counted


def _refused_after_count(dataset: DatasetConfig, files: list[LandingFile],
                         counted: dict[str, dict], warnings: list[str]) -> dict[str, SourceError]:
    """Files with undecodable rows, and JSON files without a required column."""
    out: dict[str, SourceError] = {}
    for item in files:
        found = counted.get(item.rel_path, {})
        if found.get("undecodable"):
            out[item.rel_path] = checks.undecoded(dataset, item, found["undecodable"])
            continue
        values = {k.split(":", 1)[1]: v for k, v in found.items() if k.startswith("_values:")}
        parsed = found.get("rows", 0) - (found.get("malformed") or 0)
        if dataset.source.format == "json" and dataset.schema_policy != "permissive":
            try:
                warning = checks.check_json_columns(dataset, item.rel_path, parsed, values)
            except SourceError as exc:
                out[item.rel_path] = exc
                continue
            if warning:
                warnings.append(warning)
    return out


def _blame(ctx: StageContext, dataset: DatasetConfig, exc: Exception,
           files: list[LandingFile], headers: dict[str, list[str]]
           ) -> tuple[str | None, LakehouseError]:
    """The file a read error comes from: named in Spark's message, else the first file that
    fails when read alone (a read per file, only on this error path)."""
    if isinstance(exc, LakehouseError):
        return None, exc
    rel, error = checks.culprit(exc, files)
    if rel is not None or len(files) == 1:
        return rel or files[0].rel_path, error
    for item in files:
        try:
            _read_and_count(ctx, dataset, [item], headers)
        except Exception as alone:  # any failure of this file alone blames it
            return item.rel_path, checks.culprit(alone, [item])[1]
    return None, error


def match_files(batch: list[LandingFile], source_files: list[str]) -> dict[str, str]:
    """Map Spark's ``input_file_name()`` values to the batch's relative paths."""
    out = {}
    for value in source_files:
        plain = unquote(value)
        hits = [f.rel_path for f in batch if plain.endswith("/" + f.rel_path) or plain == f.rel_path]
        if not hits:
            raise SourceError(f"read a file outside the batch: {value}")
        out[value] = max(hits, key=len)
    return out
