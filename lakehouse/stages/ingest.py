"""ingest: landing -> raw. Append-only Delta, one idempotent commit per batch of new files.

Every line of a landing file ends in raw or in the ``landing_to_raw`` quarantine: records
Spark cannot parse (too many / too few fields, a broken quote, invalid JSON) are kept as raw
text with the file, the line and the problem. Empty (0-byte) and header-only files are
recorded in the bookmark and the run record, with a warning (``source.empty_files``).

A file that cannot be read as declared (corrupt gzip or Parquet, a header or schema without
a declared column, undecodable text, a file changing while read) is *refused*: recorded with
the reason in the bookmark and the stage result, left in landing, read again once it (or the
dataset's source settings) change; the rest of its batch is ingested.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import LakehouseError, SourceError
from lakehouse.records.bookmarks import Bookmark, PendingBatch
from lakehouse.records.details import IngestDetails, IngestedFile
from lakehouse.records.summary import StageResult
from lakehouse.sources.landing import LandingFile, changes, describe, list_landing_files, new_files
from lakehouse.sources.malformed import CORRUPT_COLUMN, INGEST_GATE
from lakehouse.stages import ingest_quarantine as quarantine
from lakehouse.stages import publish
from lakehouse.stages.context import StageContext
from lakehouse.stages.ingest_scan import Scan, scan

if TYPE_CHECKING:
    from lakehouse.tables.base import CommitResult

log = logging.getLogger(__name__)
RAW_PARTITION = "_ingest_date"


def ingest(ctx: StageContext, dataset: DatasetConfig) -> StageResult:
    """Append the dataset's new landing files to its raw table; skip files already ingested.

    A batch is recorded as *pending* in the bookmark before its commit and committed with an
    idempotency key, so a run that dies between commit and bookmark is repaired, not repeated;
    its files are listed again first, so the same content delivered again (a new time) is
    the same batch. Files that cannot be read as declared are refused, the rest ingested.
    Rows read == rows written to raw + rows quarantined as malformed.
    """
    return _run(ctx, dataset, StageResult(dataset.name, "ingest"))


def _run(ctx: StageContext, dataset: DatasetConfig, result: StageResult) -> StageResult:
    bookmark = ctx.bookmarks.load(dataset.name)
    listed = list_landing_files(ctx.project.zone_uri("landing"), dataset)
    replay = _recover(ctx, dataset, bookmark, listed, result) if bookmark.pending else None
    if replay is not None:
        key, batch = replay
    else:
        key, batch = None, _new_batch(dataset, bookmark, listed, result)
        if not batch:
            result.status, result.message = "skipped", "nothing new to ingest"
            return result
    result.inputs = [f.rel_path for f in batch]
    readable = [f for f in batch if f.size > 0]
    found = scan(ctx, dataset, readable) if readable else Scan()
    refused: dict[str, LakehouseError] = dict(found.refused)
    empty = {f.rel_path: "0 bytes" for f in batch if f.size == 0}
    none = "header only" if dataset.source.format == "csv" else "no records"
    empty.update({f.rel_path: none for f in found.files if not found.rows.get(f.rel_path)})
    snapshot = dataset.changes is not None and dataset.changes.is_snapshot
    if empty and (dataset.source.empty_files == "fail" or snapshot):
        refused.update({rel: _empty_refusal(dataset, rel, why) for rel, why in empty.items()})
        empty = {}
    if replay is not None and refused:  # the stopped run's batch no longer reads the same
        _settle(ctx, dataset, bookmark, "; ".join(sorted(str(e).split("\n")[0]
                                                         for e in refused.values())), result)
        return _run(ctx, dataset, result)
    _take(ctx, dataset, bookmark, batch, key, found, refused, empty, result)
    return result


def _take(ctx: StageContext, dataset: DatasetConfig, bookmark: Bookmark,
          batch: list[LandingFile], key: str | None, found: Scan,
          refused: dict[str, LakehouseError], empty: dict[str, str], result: StageResult) -> None:
    """Record the refused files, commit the rest under ``key`` (pending first), record them
    as ingested and fill ``result``; raise when every readable file was refused."""
    accepted = [f for f in batch if f.rel_path not in refused]
    _record_refused(bookmark, dataset, batch, refused, ctx.run_id)
    result.refused = {rel: str(exc) for rel, exc in sorted(refused.items())}
    result.warnings.extend(found.warnings)
    to_commit = [f for f in found.files if f.rel_path not in refused]
    if refused and not to_commit:
        _record_ingested(bookmark, accepted, found, empty, ctx.run_id)
        ctx.bookmarks.save(bookmark)
        raise _nothing_ingested(dataset, refused)
    if to_commit:
        quarantine.check_malformed_total(dataset, found.rows, found.malformed)
        key = key or batch_key(dataset.name, accepted)
        bookmark.pending = PendingBatch(key, {f.rel_path: _facts(f, found, ctx.run_id)
                                              for f in accepted})
        ctx.bookmarks.save(bookmark)
        _commit(ctx, dataset, found, to_commit, key, result)
    _record_ingested(bookmark, accepted, found, empty, ctx.run_id)
    bookmark.pending = None
    ctx.bookmarks.save(bookmark)
    rows = {f.rel_path: found.rows.get(f.rel_path, 0) for f in to_commit}
    result.rows_read = sum(rows.values())
    result.rows_quarantined = sum(found.malformed.get(rel, 0) for rel in rows)
    details = IngestDetails(files={f.rel_path: IngestedFile(
        rows=rows.get(f.rel_path, 0), malformed=found.malformed.get(f.rel_path, 0))
        for f in accepted})
    result.details = details
    if refused:
        details.refused = sorted(refused)
        result.message = (f"{len(refused)} file(s) refused (left in landing), "
                          f"{len(accepted)} ingested")
    if empty:
        details.empty_files = dict(empty)
        if dataset.source.empty_files == "warn":
            result.warnings.append(_empty_message(empty))
    if result.rows_quarantined:
        result.warnings.append(
            f"{result.rows_quarantined} malformed record(s) quarantined at {INGEST_GATE} "
            f"(quarantine/{dataset.name}/{INGEST_GATE})")
    result.status = "succeeded"


def _commit(ctx: StageContext, dataset: DatasetConfig, found: Scan, files: list[LandingFile],
            key: str, result: StageResult) -> None:
    """Append the good rows to raw and quarantine the malformed ones, under ``key``."""
    from pyspark.sql import functions as F

    from lakehouse.sources.readers import every_column

    raw_uri = ctx.project.table_uri("raw", dataset.name)
    log.info("ingest %s: %d new file(s) -> %s", dataset.name, len(files), raw_uri)
    df = found.df.withColumn(RAW_PARTITION, F.to_date("_ingested_at"))
    total = sum(found.rows.get(f.rel_path, 0) for f in files)
    malformed = sum(found.malformed.get(f.rel_path, 0) for f in files)
    by_rule: dict[str, int] = {}
    rows = None
    if malformed:
        rows = quarantine.malformed_rows(ctx, dataset, df, files, found.headers, by_rule)
    table = ctx.table(raw_uri)
    commit: CommitResult | None = None
    if every_column(found.df) is not None:  # else no record parsed: no column to append
        good = df.where(F.col(CORRUPT_COLUMN).isNull()).drop(CORRUPT_COLUMN)
        publish.check_schema(ctx, zone="raw", name=dataset.name, schema=good.schema,
                             policy=dataset.schema_policy)
        commit = table.append(good, partition_by=[RAW_PARTITION], idempotency_key=key,
                              schema_mode="merge")
    if rows is not None:
        quarantine.write_quarantine(ctx, dataset, rows, key)
    expected = total - malformed
    result.rows_written = commit.rows_written if commit and commit.committed else expected
    if commit and commit.committed and commit.rows_written != expected:  # changed between scans
        result.warnings.append(
            f"raw received {commit.rows_written:,} rows where {expected:,} were counted: a "
            "landing file changed while it was ingested; the run's accounting will not balance")
    result.table_versions = {"raw": commit.version if commit else table.version()}
    result.writer = table.backend
    if commit is not None and not commit.committed:
        result.message = "batch was already committed by an earlier run; bookmark repaired"
    quarantine.record_gate(ctx, dataset, rows_in=total, by_rule=by_rule, quarantined=malformed)
    if table.exists():
        publish.register(ctx, zone="raw", name=dataset.name, location=raw_uri,
                         table_format="delta", schema=table.schema(),
                         partition_by=[RAW_PARTITION],
                         description=f"{dataset.description} (raw, as received)".strip())


# ------------------------------------------------------------------------ new files, refusals
def _new_batch(dataset: DatasetConfig, bookmark: Bookmark, listed: list[LandingFile],
               result: StageResult) -> list[LandingFile]:
    """New files (hashed when local), without the refused ones still unchanged."""
    batch, waiting = [], []
    source = source_id(dataset)
    here = {f.rel_path for f in listed}
    for gone in [rel for rel in bookmark.refused if rel not in here]:   # removed from landing
        del bookmark.refused[gone]
    for item in new_files(listed, bookmark.ingested):
        seen = bookmark.refused.get(item.rel_path)
        if seen is not None and seen.get("source") == source:
            item, differences = changes(seen, item)
            if not differences:
                waiting.append(f"{item.rel_path} ({seen.get('reason', '').split(chr(10))[0]})")
                continue
        try:
            batch.append(item.hashed())
        except FileNotFoundError:  # deleted since it was listed: not there to ingest
            continue
    if waiting:
        result.warnings.append(
            f"{len(waiting)} file(s) refused earlier wait in landing until they or the source "
            f"settings change: {'; '.join(waiting)}")
    return batch


def source_id(dataset: DatasetConfig) -> str:
    """A digest of what decides whether a file can be read: the source settings, the
    declared columns and the schema policy. A refused file is retried when it changes."""
    spec = dataset.model_dump(include={"source", "columns", "schema_policy"}, mode="json")
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _record_refused(bookmark: Bookmark, dataset: DatasetConfig, batch: list[LandingFile],
                    refused: dict[str, LakehouseError], run_id: str) -> None:
    source = source_id(dataset)
    for item in batch:
        if item.rel_path in refused:
            bookmark.refused[item.rel_path] = {**item.facts(), "reason": str(refused[item.rel_path]),
                                               "run_id": run_id, "source": source}


def _record_ingested(bookmark: Bookmark, accepted: list[LandingFile], found: Scan,
                     empty: dict[str, str], run_id: str) -> None:
    for item in accepted:
        facts = _facts(item, found, run_id)
        if item.rel_path in empty:
            facts["empty"] = empty[item.rel_path]
        bookmark.ingested[item.rel_path] = facts
        bookmark.refused.pop(item.rel_path, None)


def _facts(item: LandingFile, found: Scan, run_id: str) -> dict:
    return {**item.facts(), "run_id": run_id, "rows": found.rows.get(item.rel_path, 0),
            "malformed": found.malformed.get(item.rel_path, 0)}


def _nothing_ingested(dataset: DatasetConfig, refused: dict[str, LakehouseError]) -> SourceError:
    """The stage's error when every readable file of the batch was refused."""
    if len(refused) == 1:
        only = next(iter(refused.values()))
        error = SourceError(only.message, hint=only.hint)
    else:
        lines = "\n".join("  - " + str(e).replace("\n", "\n    ") for _, e in sorted(refused.items()))
        error = SourceError(f"all {len(refused)} new file(s) of {dataset.name!r} refused; nothing "
                            f"was ingested:\n{lines}",
                            hint="fix or re-deliver the files (or the dataset's source settings); "
                                 "they are read again once they change")
    error.refused = {rel: str(e) for rel, e in sorted(refused.items())}  # type: ignore[attr-defined]
    return error


def _empty_refusal(dataset: DatasetConfig, rel: str, why: str) -> SourceError:
    if dataset.changes is not None and dataset.changes.is_snapshot:
        # applied, an empty snapshot would delete every row of the table
        return SourceError(f"{rel}: empty snapshot file ({why}); refused, nothing of the table "
                           "was deleted", hint=f"{dataset.name!r} has changes.format: snapshot, "
                           "each file must hold the complete source table: replace the file "
                           "with a complete extract (it is read again once it changes)")
    return SourceError(f"{rel}: empty file ({why}); nothing of this file was ingested",
                       hint=f"source.empty_files is 'fail' for {dataset.name!r}: replace or "
                            "remove the file (or set it to warn)")


def _empty_message(empty: dict[str, str]) -> str:
    listed = ", ".join(f"{rel} ({why})" for rel, why in sorted(empty.items()))
    return f"{len(empty)} empty file(s): {listed}"


# ------------------------------------------------------------------ a run that stopped midway
def _recover(ctx: StageContext, dataset: DatasetConfig, bookmark: Bookmark,
             listed: list[LandingFile], result: StageResult
             ) -> tuple[str, list[LandingFile]] | None:
    """The pending batch of a run that stopped, listed again: ``(key, files)`` to replay it
    when every file still has its content (a new modification time alone is no change).
    Otherwise the batch is settled (:func:`_settle`) and None returned."""
    pending = bookmark.pending
    assert pending is not None
    now = {f.rel_path: f for f in listed}
    current, changed = [], []
    for rel, facts in sorted(pending.files.items()):
        if rel not in now:
            changed.append(describe(rel, ["deleted"]))
            continue
        item, differences = changes(facts, now[rel])
        if differences:
            changed.append(describe(rel, differences))
        else:
            current.append(replace(item, sha256=item.sha256 or facts.get("sha256")))
    if not changed:
        log.info("ingest %s: resuming pending batch of %d file(s)", dataset.name, len(current))
        return pending.key, current
    _settle(ctx, dataset, bookmark, f"changed since: {', '.join(changed)}", result)
    return None


def _settle(ctx: StageContext, dataset: DatasetConfig, bookmark: Bookmark, why: str,
            result: StageResult) -> None:
    """Close a pending batch that cannot be replayed as it was: when the stopped run committed
    it, its files are recorded as ingested (as they were then); else it is dropped. Either
    way the files are then read as they are now (a changed file as a new version)."""
    pending = bookmark.pending
    assert pending is not None
    raw = ctx.project.table_uri("raw", dataset.name)
    q_uri = ctx.project.quarantine_uri(dataset.name, INGEST_GATE)
    in_raw = _committed(raw, pending.key)
    in_quarantine = _committed(q_uri, quarantine.quarantine_key(pending.key))
    if in_raw or in_quarantine:
        for rel, facts in pending.files.items():
            bookmark.ingested[rel] = {**facts, "recovered_by": ctx.run_id}
        lost = sum(int(f.get("malformed") or 0) for f in pending.files.values())
        if lost and not in_quarantine:
            result.warnings.append(f"{lost} malformed record(s) of the stopped run's batch were "
                                   "not quarantined before it stopped, and its files changed since")
        result.warnings.append(f"a stopped run had committed its batch of {len(pending.files)} "
                               f"file(s), now recorded as ingested; {why}")
    else:
        result.warnings.append(f"a stopped run's batch was not committed; {why}: its files are "
                               "read as they are now")
    bookmark.pending = None
    ctx.bookmarks.save(bookmark)


def _committed(uri: str, key: str) -> bool:
    """Whether a recent commit of the Delta table at ``uri`` carries the idempotency ``key``."""
    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.log import commit_metrics, has_delta_log

    files = TableFiles(uri)
    return has_delta_log(files) and commit_metrics(files, key) is not None


def batch_key(dataset: str, batch: list[LandingFile]) -> str:
    """Idempotency key of a batch: the dataset and the exact files (path, size, content)."""
    digest = hashlib.sha256()
    for item in sorted(batch, key=lambda f: f.rel_path):
        content = item.etag or item.sha256 or ""
        digest.update(f"{item.rel_path}\0{item.size}\0{content}\n".encode())
    return f"lakehouse-ingest-{dataset}-{digest.hexdigest()[:32]}"
