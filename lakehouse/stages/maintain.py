"""maintain: compact the small files daily appends leave behind, then VACUUM per retention.

For each Delta table of a dataset (raw, curated, its quarantine tables), ``optimize()``
rewrites partitions holding several files into one (a ``dataChange=false`` commit: readers
and incremental readers see no new rows), then ``vacuum()`` deletes the files no snapshot
within ``retention_hours`` references. The live file counts before and after, the files
compaction replaced and the files VACUUM deleted (or would delete, with ``dry_run``) go into
the stage result's :class:`~lakehouse.records.details.MaintainDetails`.
"""

from __future__ import annotations

import logging

from lakehouse.config.models import DatasetConfig
from lakehouse.records.details import MaintainDetails, TableMaintenance
from lakehouse.records.summary import StageResult
from lakehouse.stages.context import StageContext

log = logging.getLogger(__name__)
GATES = ("landing_to_raw", "raw_to_curated", "curated_to_exportable")
DEFAULT_RETENTION_HOURS = 168.0   # Delta's default: a week of time travel stays readable


def tables_of(ctx: StageContext, dataset: str) -> dict[str, str]:
    """``zone.name`` -> URI of the dataset's Delta tables (existing or not)."""
    project = ctx.project
    out = {f"raw.{dataset}": project.table_uri("raw", dataset),
           f"curated.{dataset}": project.table_uri("curated", dataset)}
    for gate in GATES:
        out[f"quarantine.{dataset}.{gate}"] = project.quarantine_uri(dataset, gate)
    return out


def maintain(ctx: StageContext, dataset: DatasetConfig, *, dry_run: bool = False,
             retention_hours: float = DEFAULT_RETENTION_HOURS) -> StageResult:
    """Compact and vacuum every existing table of ``dataset`` (``dry_run``: count only)."""
    result = StageResult(dataset.name, "maintain")
    details = MaintainDetails(dry_run=dry_run, retention_hours=retention_hours)
    for key, uri in tables_of(ctx, dataset.name).items():
        table = ctx.table(uri)
        if not table.exists():
            continue
        before = live_files(uri)
        compacted = removed = 0
        if not dry_run:
            commit = table.optimize()
            compacted, removed = commit.files_added, commit.files_removed
        vacuumed = table.vacuum(retention_hours=retention_hours, dry_run=dry_run)
        details.tables[key] = TableMaintenance(
            files_before=before, files_after=before if dry_run else live_files(uri),
            files_compacted=removed, files_written=compacted, files_vacuumed=len(vacuumed))
        result.table_versions[key] = table.version()
        log.info("maintain %s: %d -> %d live files, %d vacuumed%s", key, before,
                 details.tables[key].files_after, len(vacuumed), " (dry run)" if dry_run else "")
    result.details = details
    result.status = "succeeded" if details.tables else "skipped"
    if not details.tables:
        result.message = "no table yet"
    return result


def live_files(uri: str) -> int:
    """Files of the table's current snapshot (delta-rs reads the log; no Spark job)."""
    from deltalake import DeltaTable

    from lakehouse.tables.fs import delta_rs_uri, storage_options

    return len(DeltaTable(delta_rs_uri(uri), storage_options=storage_options(uri)).file_uris())
