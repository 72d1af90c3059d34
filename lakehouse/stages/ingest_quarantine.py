"""Ingest's ``landing_to_raw`` quarantine: the records that did not parse, with file, line and
reason, appended to ``quarantine/<dataset>/landing_to_raw``, and the gate's results recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import SourceError
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.malformed import CORRUPT_COLUMN, INGEST_GATE
from lakehouse.sources.readers import every_column
from lakehouse.stages import publish
from lakehouse.stages.context import StageContext
from lakehouse.stages.ingest_scan import match_files

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_MALFORMED = 10_000   # more than this in one batch means wrong options, not bad rows
INGEST_QUARANTINE_SCHEMA = (
    "_record string, _source_file string, _line int, _failed_rules array<string>, "
    "_reason string, _gate string, _run_id string, _ingest_run_id string, "
    "_quarantined_at timestamp"
)


def check_malformed_total(dataset: DatasetConfig, rows: dict[str, int],
                          malformed: dict[str, int]) -> None:
    """Refuse the batch when it holds more malformed records than :data:`MAX_MALFORMED`."""
    total = sum(malformed.values())
    if total <= MAX_MALFORMED:
        return
    worst = max(malformed, key=malformed.__getitem__)
    raise SourceError(
        f"{total:,} malformed records in this batch of {dataset.name!r} "
        f"({malformed[worst]:,} of {rows[worst]:,} in {worst}); nothing was written",
        hint="so many usually means the source options are wrong (sep, quote, "
             "multiLine, format); fix conf/datasets or the files and run again")


def malformed_rows(ctx: StageContext, dataset: DatasetConfig, df: DataFrame,
                   readable: list[LandingFile], headers: dict[str, list[str]],
                   by_rule: dict[str, int]) -> DataFrame:
    """The malformed records with file, line, failed rule and reason (built on the driver);
    ``by_rule`` receives the count per rule."""
    from datetime import UTC, datetime

    from pyspark.sql import functions as F

    from lakehouse.sources.malformed import csv_problem, json_problem, locate_lines
    from lakehouse.sources.readers import csv_options, encoding_of, landing_text

    read_all = every_column(df)
    rows = df.where(F.col(CORRUPT_COLUMN).isNotNull()).select(
        "_source_file", CORRUPT_COLUMN,
        *([] if read_all is None else [read_all.alias("_read_all")])).collect()
    by_path = match_files(readable, sorted({r["_source_file"] for r in rows}))
    by_file: dict[str, list[str]] = {}
    for row in rows:
        by_file.setdefault(by_path[row["_source_file"]], []).append(row[CORRUPT_COLUMN])
    items = {f.rel_path: f for f in readable}
    options = csv_options(dataset)
    sep = options.get("sep", options.get("delimiter", ","))
    quote = options.get("quote", '"')
    now = datetime.now(UTC).replace(tzinfo=None)
    out = []
    for rel, records in sorted(by_file.items()):
        lines = locate_lines(landing_text(items[rel], encoding_of(dataset)), records)
        for record, line in sorted(zip(records, lines, strict=True),
                                   key=lambda p: (p[1] is None, p[1] or 0)):
            problem = (csv_problem(record, len(headers[rel]), sep=sep, quote=quote)
                       if dataset.source.format == "csv" else json_problem(record))
            where = f"line {line}" if line is not None else "line not found"
            by_rule[problem.rule] = by_rule.get(problem.rule, 0) + 1
            out.append((record, rel, line, [problem.rule], f"{rel}, {where}: {problem.detail}",
                        INGEST_GATE, ctx.run_id, ctx.run_id, now))
    return ctx.spark.createDataFrame(out, INGEST_QUARANTINE_SCHEMA)


def write_quarantine(ctx: StageContext, dataset: DatasetConfig, rows: DataFrame,
                     key: str) -> None:
    uri = ctx.project.quarantine_uri(dataset.name, INGEST_GATE)
    table = ctx.table(uri)
    table.append(rows, idempotency_key=quarantine_key(key), schema_mode="merge")
    publish.register(ctx, zone="quarantine", name=f"{dataset.name}_{INGEST_GATE}", location=uri,
                     table_format="delta", schema=table.schema(),
                     description=f"records of {dataset.name} that did not parse at landing")


def quarantine_key(key: str) -> str:
    """The idempotency key of a batch's quarantine append (its raw append has ``key``)."""
    return f"{key}-{INGEST_GATE}"


def record_gate(ctx: StageContext, dataset: DatasetConfig, *, rows_in: int,
                by_rule: dict[str, int], quarantined: int) -> None:
    """The landing_to_raw gate in the quality results table, like the other gates."""
    from lakehouse.quality.store import append_intake_results

    append_intake_results(ctx.spark, ctx.project, dataset=dataset.name, run_id=ctx.run_id,
                          rows_in=rows_in, failing=by_rule, quarantined=quarantined)
