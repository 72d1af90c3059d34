"""ingest: landing -> raw. Append-only Delta, one idempotent commit per batch of new files."""

from __future__ import annotations

import hashlib
import logging

from lakehouse.config.models import DatasetConfig
from lakehouse.runs.bookmarks import PendingBatch
from lakehouse.runs.summary import StageResult
from lakehouse.sources.landing import LandingFile, list_landing_files, new_files
from lakehouse.sources.readers import read_landing
from lakehouse.stages import publish
from lakehouse.stages.context import StageContext

log = logging.getLogger(__name__)
RAW_PARTITION = "_ingest_date"


def ingest(ctx: StageContext, dataset: DatasetConfig) -> StageResult:
    """Append the dataset's new landing files to its raw table; skip files already ingested.

    A batch is recorded as *pending* in the bookmark before its commit and committed with an
    idempotency key, so a run that dies between commit and bookmark is repaired, not repeated.
    """
    from pyspark.sql import functions as F

    result = StageResult(dataset.name, "ingest")
    project = ctx.project
    landing = project.zone_uri("landing")
    raw_uri = project.table_uri("raw", dataset.name)
    store = ctx.bookmarks
    bookmark = store.load(dataset.name)
    if bookmark.pending is not None:
        key, batch = bookmark.pending.key, _pending_files(landing, bookmark.pending)
        log.info("ingest %s: resuming pending batch of %d file(s)", dataset.name, len(batch))
    else:
        batch = new_files(list_landing_files(landing, dataset), bookmark.ingested)
        if not batch:
            result.status, result.message = "skipped", "nothing new to ingest"
            return result
        key = batch_key(dataset.name, batch)
        bookmark.pending = PendingBatch(key, {f.rel_path: f.facts() for f in batch})
        store.save(bookmark)
    result.inputs = [f.rel_path for f in batch]
    log.info("ingest %s: %d new file(s) -> %s", dataset.name, len(batch), raw_uri)
    df = read_landing(ctx.spark, dataset, batch, run_id=ctx.run_id)
    df = df.withColumn(RAW_PARTITION, F.to_date("_ingested_at"))
    publish.check_schema(ctx, zone="raw", name=dataset.name, schema=df.schema,
                         policy=dataset.schema_policy)
    table = ctx.table(raw_uri)
    commit = table.append(df, partition_by=[RAW_PARTITION], idempotency_key=key,
                          schema_mode="merge")
    # Raw keeps every row as received (all strings, PERMISSIVE): rows read == rows written.
    result.rows_read = result.rows_written = commit.rows_written
    result.table_versions = {"raw": commit.version}
    result.writer = table.backend
    if not commit.committed:
        result.message = "batch was already committed by an earlier run; bookmark repaired"
    for item in batch:
        bookmark.ingested[item.rel_path] = {**item.facts(), "run_id": ctx.run_id}
    bookmark.pending = None
    store.save(bookmark)
    publish.register(ctx, zone="raw", name=dataset.name, location=raw_uri, table_format="delta",
                     schema=table.schema(), partition_by=[RAW_PARTITION],
                     description=f"{dataset.description} (raw, as received)".strip())
    result.status = "succeeded"
    return result


def batch_key(dataset: str, batch: list[LandingFile]) -> str:
    """Idempotency key of a batch: the dataset and the exact files (path, size, etag)."""
    digest = hashlib.sha256()
    for item in sorted(batch, key=lambda f: f.rel_path):
        digest.update(f"{item.rel_path}\0{item.size}\0{item.etag or ''}\n".encode())
    return f"lakehouse-ingest-{dataset}-{digest.hexdigest()[:32]}"


def _pending_files(landing: str, pending: PendingBatch) -> list[LandingFile]:
    from lakehouse.storage.uri import child_uri

    return [
        LandingFile(child_uri(landing, rel), rel, facts["size"], facts["modified"], facts.get("etag"))
        for rel, facts in sorted(pending.files.items())
    ]
