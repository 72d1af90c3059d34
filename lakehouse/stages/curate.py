"""curate: raw -> curated. Cast to the declared schema, gate, quarantine, dedup, merge by key."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lakehouse.config.models import DatasetConfig
from lakehouse.quality import store
from lakehouse.records.details import ChangeDetails, CurateDetails, GateDetails
from lakehouse.records.summary import StageResult
from lakehouse.sources.conform import (
    CONFORM_ERRORS,
    CONFORM_FAILED,
    RAW_STRUCT,
    conform_flagged,
    conform_rule_names,
    guards_keys,
    with_errors,
)
from lakehouse.stages import changes, publish, snapshot
from lakehouse.stages.context import StageContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from lakehouse.quality.outcome import GateOutcome

log = logging.getLogger(__name__)
GATE = "raw_to_curated"
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")


@dataclass
class Evaluation:
    """What :func:`evaluate` found in one conformed batch, before anything is written.

    ``rows_in`` = rows ``passed`` + ``quarantined_count`` (conform failures, in ``broken``,
    plus the gate's quarantines, in ``outcome.quarantined``).
    """

    rows_in: int
    passed: DataFrame
    broken: DataFrame
    quarantined_count: int
    warnings: dict[str, int]
    failed_counts: dict[str, int]
    column_stats: dict[str, dict[str, Any]]
    outcome: GateOutcome


def curate(ctx: StageContext, dataset: DatasetConfig) -> StageResult:
    """Promote the raw rows appended since the last curate into the curated table.

    Rows that do not cast or break a ``quarantine`` rule go to the dataset's quarantine table
    with the failed rule names; the rest are merged by primary key (latest wins). A blocked
    gate raises :class:`QualityGateError` before anything is written.
    """
    from pyspark import StorageLevel

    result = StageResult(dataset.name, "curate")
    project = ctx.project
    raw = ctx.table(project.table_uri("raw", dataset.name))
    upto = raw.version()  # from the log listing: no Spark job when nothing is new
    if upto is None:
        result.status, result.message = "skipped", "no raw table yet (run ingest first)"
        return result
    bookmark = ctx.bookmarks.load(dataset.name)
    since = bookmark.curated_raw_version
    if since is not None and upto is not None and upto <= since:
        result.status, result.message = "skipped", f"raw@{upto} already curated"
        return result
    log.info("curate %s: raw versions (%s, %s]", dataset.name, since, upto)
    # the range is fixed here: rows appended while curate runs are the next run's
    conformed = conform_flagged(raw.read_appended(since_version=since, until_version=upto),
                                dataset)
    # deserialized: 0.2-1 s less than MEMORY_AND_DISK (serialized) on the first pass over
    # x1 flights, and no deserialization on each later read
    conformed = conformed.persist(StorageLevel.MEMORY_AND_DISK_DESER)
    try:
        gated = changes.with_op_rule(dataset, conformed) if dataset.changes else dataset
        split = _split(ctx, gated, conformed)
        quarantined, written = _write(ctx, dataset, split, raw_version=upto)
        store.record(project, split.outcome)
    finally:
        conformed.unpersist()
    result.rows_read = split.rows_in
    result.rows_quarantined = quarantined
    if dataset.changes is not None:
        return _changes_result(ctx, dataset, result, split, written, upto)
    if not written.committed:  # a re-run after a crash: report what the committed merge did
        written = _committed_merge(ctx, dataset, written, upto, split.rows_in - quarantined)
    result.rows_written = written.rows_inserted + written.rows_updated
    result.rows_deduplicated = written.rows_deduplicated
    result.rows_warned = sum(split.warnings.values())
    result.details = CurateDetails(
        inserted=written.rows_inserted, updated=written.rows_updated,
        failed_rules=split.failed_counts, warnings=split.warnings,
        column_stats=split.column_stats, gates=[gate_summary(split.outcome)])
    return _succeeded(ctx, dataset, result, upto, written.version, committed=written.committed,
                      not_committed="curated commit was already made by an earlier run of this"
                                    " raw version")


def _changes_result(ctx: StageContext, dataset: DatasetConfig, result: StageResult,
                    split: Evaluation, counts, upto: int | None) -> StageResult:
    """The result of a change dataset's curate: changes applied are written, ignored and
    superseded ones deduplicated (docs/changes.md)."""
    result.rows_written = counts.written
    result.rows_deduplicated = counts.ignored + counts.superseded
    result.rows_warned = sum(split.warnings.values())
    assert dataset.changes is not None
    if dataset.changes.is_snapshot and split.quarantined_count:
        result.warnings.append(f"snapshot: {split.quarantined_count} row(s) quarantined, so no "
                               "delete was derived in this run (their keys would look absent)")
    result.details = CurateDetails(
        inserted=counts.inserted, updated=counts.updated,
        changes=ChangeDetails(**counts.to_json()),
        failed_rules=split.failed_counts, warnings=split.warnings,
        column_stats=split.column_stats, gates=[gate_summary(split.outcome)])
    return _succeeded(ctx, dataset, result, upto, counts.version, committed=counts.committed,
                      not_committed="no new change to apply")


def _succeeded(ctx: StageContext, dataset: DatasetConfig, result: StageResult,
               upto: int | None, curated_version: int | None, *, committed: bool,
               not_committed: str) -> StageResult:
    """Message, versions, writer and input of a curate that committed (or found its commit
    made: ``not_committed`` says why), and the bookmark moved past the raw version it read."""
    if not committed:
        result.message = not_committed
    elif not result.balanced:
        result.message = "row accounting does not balance"
    result.table_versions = {"raw": upto, "curated": curated_version}
    result.writer = ctx.table(ctx.project.table_uri("curated", dataset.name)).backend
    result.inputs = [f"raw@{upto}"]
    bookmark = ctx.bookmarks.load(dataset.name)
    bookmark.curated_raw_version = upto
    ctx.bookmarks.save(bookmark)
    result.status = "succeeded"
    return result


def _committed_merge(ctx: StageContext, dataset: DatasetConfig, skipped, raw_version, passed: int):
    """The counts of the merge an earlier (crashed) run committed for this raw version."""
    from dataclasses import replace

    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.log import commit_metrics

    uri = ctx.project.table_uri("curated", dataset.name)
    metrics = commit_metrics(TableFiles(uri), f"lakehouse-curate-{dataset.name}-raw{raw_version}")
    if metrics is None:
        return skipped
    inserted = metrics.get("numTargetRowsInserted", metrics.get("numOutputRows", 0))
    updated = metrics.get("numTargetRowsUpdated", 0)
    return replace(skipped, rows_inserted=inserted, rows_updated=updated,
                   rows_deduplicated=passed - inserted - updated)


def _split(ctx: StageContext, dataset: DatasetConfig, conformed: DataFrame) -> Evaluation:
    """Evaluate, and stop before any write when the gate blocks (its results are recorded)."""
    split = evaluate(ctx, dataset, conformed)
    outcome = split.outcome
    if outcome.blocked:  # record results + Data Docs, then stop before any write
        store.record(ctx.project, outcome)
        outcome.raise_if_blocked()
    return split


def evaluate(ctx: StageContext, dataset: DatasetConfig, conformed: DataFrame) -> Evaluation:
    """Evaluate conform failures and the gate's row rules over rows of
    :func:`~lakehouse.sources.conform.conform_flagged`.

    Writes nothing (``lakehouse dataset check`` uses it as a dry run). Returns the row
    accounting, the passing and broken rows (these with ``_conform_errors``), failing counts
    per rule, per-column statistics (null ratio, mean of numeric columns: the run report's
    drift plots) and the gate outcome. One aggregation over all rows; the failed rules of the
    broken rows are listed and counted only when there are some.
    """
    from pyspark.sql import functions as F

    from lakehouse.quality.gate import GateContext, run_gate

    failed = F.col(CONFORM_FAILED)
    clean = conformed.where(~failed)
    broken = with_errors(conformed.where(failed), dataset)
    numeric = [c.name for c in dataset.columns if c.type in _NUMERIC or c.type.startswith("decimal")]
    counts = conformed.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(failed.cast("int")).alias("broken"),
        *[F.sum(F.col(f"`{c.name}`").isNull().cast("int")).alias(f"__nulls:{c.name}")
          for c in dataset.columns],
        *[F.avg(F.col(f"`{c}`").cast("double")).alias(f"__mean:{c}") for c in numeric],
    ).first()
    rows, broken_rows = int(counts["rows"]), int(counts["broken"] or 0)
    failed_counts = _conform_counts(broken, dataset) if broken_rows else {}
    outcome = run_gate(clean, rules=dataset.rules, gate=GATE, dataset=dataset.name,
                       run_id=ctx.run_id,
                       context=GateContext(spark=ctx.spark, project=ctx.project, cache=False,
                                           reference_cache=ctx.references))
    _add_conform_results(outcome, rows, broken_rows, failed_counts)
    column_stats = {c.name: {"null_ratio": round(int(counts[f"__nulls:{c.name}"] or 0) / rows, 6)
                             if rows else None} for c in dataset.columns}
    for c in numeric:
        mean = counts[f"__mean:{c}"]
        column_stats[c]["mean"] = None if mean is None else round(float(mean), 6)
    return Evaluation(
        rows_in=rows, passed=outcome.passed, broken=broken,
        quarantined_count=outcome.quarantined_count, warnings=outcome.warnings,
        failed_counts={**failed_counts, **{r.name: r.failing for r in outcome.results
                                           if r.severity != "warn" and r.failing}},
        column_stats=column_stats, outcome=outcome)


def _conform_counts(broken: DataFrame, dataset: DatasetConfig) -> dict[str, int]:
    """Rows failing each built-in rule, among the broken rows (non-zero counts only)."""
    from pyspark.sql import functions as F

    names = conform_rule_names(dataset)
    found = broken.agg(*[F.sum(F.array_contains(CONFORM_ERRORS, n).cast("int")).alias(n)
                         for n in names]).first()
    return {n: int(found[n]) for n in names if found[n]}


def _add_conform_results(outcome, total: int, broken: int, failed_counts: dict[str, int]) -> None:
    """Count the rows that failed conform (cast / not null) in the gate's own accounting, so
    the results table (``quality report``) and the run summary report the same numbers."""
    from lakehouse.quality.results import RuleResult

    found = [RuleResult(name=n, rule=n.split(":", 1)[0], severity="quarantine", level="row",
                        total=total, failing=failing, status="failed",
                        description="value does not match the declared schema")
             for n, failing in failed_counts.items()]
    outcome.results = found + outcome.results
    outcome.total = total
    outcome.quarantined_count += broken


def _write(ctx: StageContext, dataset: DatasetConfig, split: Evaluation, *, raw_version: int | None):
    """Schema check, then one append to quarantine and one merge into curated; both
    idempotent per raw version. Returns (rows quarantined, merge result); for a change
    dataset the merge result is the :class:`~lakehouse.stages.changes.ChangeCounts`."""
    from pyspark.sql import functions as F

    project = ctx.project
    if dataset.changes is not None:
        passed = changes.change_rows(split.passed.drop(CONFORM_FAILED), dataset)
        schema = changes.table_schema(passed.schema, dataset)
    else:
        passed = split.passed.drop(RAW_STRUCT, CONFORM_FAILED)
        schema = passed.schema
    curated_uri = project.table_uri("curated", dataset.name)
    publish.check_schema(ctx, zone="curated", name=dataset.name, schema=schema,
                         policy=dataset.schema_policy)
    quarantine_uri = project.quarantine_uri(dataset.name, GATE)
    qtable = ctx.table(quarantine_uri)
    quarantined = split.quarantined_count
    if quarantined or not qtable.exists():  # create it on the first run, even when empty
        rows = _quarantine_rows(ctx, split)
        if not quarantined:  # counted already: an empty plan, not a scan of the batch
            rows = rows.where(F.lit(False))
        qtable.append(rows,
                      idempotency_key=f"lakehouse-quarantine-{dataset.name}-{GATE}-raw{raw_version}",
                      schema_mode="merge")
    curated = ctx.table(curated_uri)
    key = f"lakehouse-curate-{dataset.name}-raw{raw_version}"
    if dataset.changes is None:
        merged = curated.merge(passed, keys=dataset.primary_key, order_by=dataset.dedup_order,
                               partition_by=dataset.partition_by, idempotency_key=key,
                               known_rows=_passed_rows(dataset, split),
                               partitions_follow_key=dataset.partitions_follow_key)
    elif dataset.changes.is_snapshot:   # quarantined rows' keys would look deleted
        merged = snapshot.apply_snapshot(passed, dataset, curated,
                                         ctx.table(changes.tombstones_uri(curated_uri)),
                                         idempotency_key=key, derive_deletes=not quarantined)
    elif dataset.changes.mode == "scd1":
        merged = changes.apply_scd1(passed, dataset, curated,
                                    ctx.table(changes.tombstones_uri(curated_uri)),
                                    idempotency_key=key)
    else:
        merged = changes.apply_scd2(passed, dataset, curated,
                                    ctx.table(changes.tombstones_uri(curated_uri)),
                                    idempotency_key=key)
    publish.register(ctx, zone="quarantine", name=f"{dataset.name}_{GATE}", location=quarantine_uri,
                     table_format="delta", schema=qtable.schema(),
                     description=f"rows of {dataset.name} held at the {GATE} gate")
    publish.register(ctx, zone="curated", name=dataset.name, location=curated_uri,
                     table_format="delta", schema=curated.schema(),
                     partition_by=dataset.partition_by, description=dataset.description)
    return quarantined, merged


def _passed_rows(dataset: DatasetConfig, split: Evaluation) -> int | None:
    """The passing row count, known from the evaluation, when conform quarantined every row
    without a key (declared key columns are required); spares the merge a count of its input."""
    if not guards_keys(dataset):
        return None   # the merge counts and checks for null keys itself
    return split.rows_in - split.quarantined_count


def _quarantine_rows(ctx: StageContext, split: Evaluation) -> DataFrame:
    """Rows as received + failed rules + reason: conform failures and gate quarantines."""
    from pyspark.sql import functions as F

    keep = [f"{RAW_STRUCT}.*", "_source_file", "_ingest_run_id", "_ingested_at", "_record_hash"]
    broken = split.broken.select(
        *keep, F.col(CONFORM_ERRORS).alias("_failed_rules"),
        F.concat(F.lit("does not match the declared schema: "),
                 F.array_join(CONFORM_ERRORS, ", ")).alias("_reason"),
        F.lit(GATE).alias("_gate"), F.lit(ctx.run_id).alias("_run_id"),
        F.current_timestamp().alias("_quarantined_at"),
    )
    gated = split.outcome.quarantined
    gated = gated.select(*keep, "_failed_rules", "_reason", "_gate", "_run_id", "_quarantined_at")
    return broken.unionByName(gated)


def gate_summary(outcome) -> GateDetails:
    """A gate outcome for the run record: accounting and per-rule results, without row samples."""
    data = outcome.summary()
    for rule in data["results"]:
        rule.pop("samples", None)
    return GateDetails.from_summary(data)
