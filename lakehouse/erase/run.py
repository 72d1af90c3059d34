"""``erase``: remove a subject's rows from every zone of a dataset, republish its exports,
vacuum, and write the audit record (docs/erasure.md).

Order: under the dataset's run lock (no ingest or curate of it meanwhile) every table's
matching rows are found first (a dry run stops there), then deleted table by table
(``DeltaTableStore.delete`` by ``_record_hash``), the curate bookmark moved past the raw
DELETE (curate reads raw append-only), each changed table vacuumed with
``erasure.vacuum_retention_hours``; then the exports reading the dataset are re-run through
the pipeline driver (an ordinary run record, trigger ``erasure``) and their older versions
deleted; last the audit record is written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lakehouse.config.project import Project
from lakehouse.erase.audit import (
    ErasureReport,
    ExportRepublished,
    TableErasure,
    audit_folder,
    write_audit,
)
from lakehouse.erase.request import ErasureRequest
from lakehouse.erase.targets import Target, check_columns, hash_predicate, match, targets
from lakehouse.errors import LakehouseError
from lakehouse.records.bookmarks import BookmarkStore
from lakehouse.stages.unit_lock import hold_unit
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
Step = Callable[[str], None]


def erase(project: Project, request: ErasureRequest, *, spark: SparkSession | None = None,
          dry_run: bool = False, on_step: Step | None = None) -> ErasureReport:
    """Erase the rows ``request`` selects from ``request.dataset``; returns the report.

    With ``dry_run`` nothing is written (no commit, vacuum, export or audit record): the
    report says what would be removed. Raises :class:`LakehouseError` for a predicate naming
    unknown columns or when raw holds rows curate has not processed yet.
    """
    from lakehouse.spark.session import local_session
    from lakehouse.tables import open_table_with

    step = on_step or (lambda text: log.info("%s", text))
    spark = spark or local_session(project.lake.spark)
    dataset = request.dataset
    settings = project.lake.erasure
    report = ErasureReport(dataset.name, request.predicate_sha256, request.given_as, dry_run,
                           settings.vacuum_retention_hours, keys=request.keys)
    waited: list[str] = []
    with hold_unit(project, dataset.name, waited):
        found = targets(project, dataset, lambda uri: open_table_with(spark, uri,
                                                                        project.lake.tables))
        evaluable = [t for t in found if t.evaluable]
        if not evaluable:
            raise LakehouseError(f"dataset {dataset.name!r} has no tables yet: nothing to erase",
                                 hint="run the pipeline first", dataset=dataset.name)
        check_columns(spark, next((t for t in evaluable if t.zone == "curated"), evaluable[0]),
                      dataset, request.predicate)
        matches = {}
        for t in found:
            row = TableErasure(t.zone, t.uri, version_before=t.table.version())
            report.tables.append(row)
            if not t.evaluable:
                held = t.table.read().count()
                row.note = f"{held:,} unparsed record(s) not checked"
                if held:
                    report.not_checked.append(
                        f"{t.zone}: {held:,} record(s) that did not parse at ingest have no "
                        f"columns to match; inspect them with `lakehouse quality` or delete "
                        f"them by hand ({t.uri})")
                continue
            step(f"matching {t.zone}")
            matches[t.zone] = match(t, dataset, request.predicate)
            row.rows_matched = matches[t.zone].rows
        raw = matches.get("raw")
        report.landing_files = _landing_files(project, raw.source_files if raw else [])
        report.not_checked += _limits(project)
        if raw and raw.rows:
            _require_curated(project, dataset.name, next(t for t in found if t.zone == "raw"))
        if dry_run:
            report.exports = [ExportRepublished(e.name, "would republish")
                              for e in project.select_exports([dataset.name])]
            report.finished_at = datetime.now(UTC).isoformat()
            return report
        by_zone = {t.zone: t for t in found}
        for row in report.tables:
            found_rows = matches.get(row.zone)
            if not found_rows or not found_rows.rows:
                continue
            step(f"deleting {found_rows.rows:,} row(s) from {row.zone}")
            result = by_zone[row.zone].table.delete(hash_predicate(found_rows.hashes))
            row.rows_removed, row.version_after = result.rows_deleted, result.version
            row.files_rewritten = result.files_removed
            if row.zone == "raw":
                _advance_bookmark(project, dataset.name, result.version)
        for row in report.tables:
            if row.version_after is not None:
                step(f"vacuuming {row.zone} (retention {settings.vacuum_retention_hours:g} h)")
                row.files_vacuumed = len(by_zone[row.zone].table.vacuum(
                    retention_hours=settings.vacuum_retention_hours))
    report.exports = _republish(project, dataset.name, spark, report, step)
    report.finished_at = datetime.now(UTC).isoformat()
    uri = write_audit(audit_folder(project.runs_uri, settings.audit_folder), report)
    step(f"audit record: {uri}")
    return report


def _require_curated(project: Project, name: str, raw: Target) -> None:
    """Curate reads raw append-only from its bookmark: erase only a raw it has caught up with."""
    done = BookmarkStore(project.runs_uri).load(name).curated_raw_version
    latest = raw.table.version()
    if done != latest:
        raise LakehouseError(
            f"raw of {name!r} holds rows curate has not processed yet (raw version {latest}, "
            f"curated up to {done})",
            hint=f"run `lakehouse run --dataset {name} --stage curate` first, then erase",
            dataset=name)


def _advance_bookmark(project: Project, name: str, version: int) -> None:
    """The raw DELETE removed rows: curate's next read starts after it."""
    store = BookmarkStore(project.runs_uri)
    bookmark = store.load(name)
    bookmark.curated_raw_version = version
    store.save(bookmark)


def _landing_files(project: Project, source_files: list[str]) -> list[str]:
    """Landing files the matching raw rows came from that still exist (relative paths)."""
    landing = project.zone_uri("landing")
    out = []
    for uri in source_files:
        rel = _relative(unquote(uri), landing)
        if rel is not None and files.exists(join_uri(landing, rel)):
            out.append(rel)
    return sorted(set(out))


def _relative(uri: str, base: str) -> str | None:
    def strip(u: str) -> str:
        rest = u.split(":", 1)[1] if ":" in u else u
        return rest.lstrip("/")

    body, root = strip(uri), strip(base).rstrip("/") + "/"
    return body[len(root):] if body.startswith(root) else None


def _limits(project: Project) -> list[str]:
    """What erasure does not rewrite, stated every time (docs/erasure.md, "Limits")."""
    return [
        "the quality results table and Data Docs keep up to 5 sample values per failing rule "
        f"(under {project.runs_uri}); they are not rewritten",
        "earlier Delta log entries keep per-file min/max statistics until log cleanup "
        "(delta.logRetentionDuration, 30 days by default)",
    ]


def _republish(project: Project, name: str, spark: SparkSession, report: ErasureReport,
               step: Step) -> list[ExportRepublished]:
    """Re-run the exports reading ``name``; delete their older versions when that worked."""
    from lakehouse.pipeline.driver import run_pipeline
    from lakehouse.stages.export import read_manifest

    exports = project.select_exports([name])
    if not exports:
        return []
    step(f"republishing {', '.join(e.name for e in exports)}")
    summary = run_pipeline(project, datasets=[name], stage="export", spark=spark,
                           raise_errors=False,
                           trigger={"type": "erasure", "dataset": name,
                                    "predicate_sha256": report.predicate_sha256})
    by_name = {s.dataset: s for s in summary.stages if s.stage == "export"}
    out = []
    for spec in exports:
        result = by_name.get(spec.name)
        root = project.table_uri("exportable", spec.name)
        manifest = read_manifest(root) or {}
        item = ExportRepublished(spec.name, result.status if result else "not run",
                                 manifest.get("version"), summary.run_id,
                                 message=(result.message or "") if result else "")
        if item.status in ("succeeded", "skipped") and item.version:
            item.versions_deleted = _delete_older(root, item.version)
        else:
            item.message = (item.message + "; " if item.message else "") + \
                "its current and older versions may still hold the subject"
        out.append(item)
    return out


def _delete_older(root: str, current: int) -> list[str]:
    """Delete every version folder but ``current`` (and ``_rebuild/``); returns their names."""
    names = set()
    for info in files.list_files(root):
        rel = _relative(info.uri, root) or ""
        top = rel.split("/", 1)[0]
        if (top.startswith("v") and top[1:].isdigit() and int(top[1:]) != current) \
                or top == "_rebuild":
            names.add(top)
    for top in sorted(names):
        files.delete_tree(join_uri(root, top))
    return sorted(names)
