"""The erasure report: what ``lakehouse erase`` found and removed, and its audit record.

Spark-free. The audit record (``<runs>/erasure/<time>-<dataset>.json``, or
``erasure.audit_folder``) holds the time, the dataset, the predicate's SHA-256 (never the
predicate: it may hold personal data), rows removed and the versions before and after per
table, the exports republished and the places erasure could not check. A dry run builds
the same report and writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from lakehouse.storage import files
from lakehouse.storage.uri import join_uri
from lakehouse.terminal import render_table


@dataclass
class TableErasure:
    """One table of the dataset: rows matching, rows removed, versions, files."""

    zone: str                      # raw | curated | quarantine/<gate>
    uri: str
    rows_matched: int = 0
    rows_removed: int = 0
    version_before: int | None = None
    version_after: int | None = None
    files_rewritten: int = 0
    files_vacuumed: int = 0
    note: str = ""


@dataclass
class ExportRepublished:
    """An export fed by the dataset: its new version and the older versions deleted."""

    name: str
    status: str                    # succeeded | skipped | failed | would republish
    version: int | None = None
    run_id: str | None = None
    versions_deleted: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class ErasureReport:
    """Everything one erasure did (or, with ``dry_run``, would do)."""

    dataset: str
    predicate_sha256: str
    given_as: str
    dry_run: bool
    retention_hours: float
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    keys: int | None = None
    tables: list[TableErasure] = field(default_factory=list)
    exports: list[ExportRepublished] = field(default_factory=list)
    landing_files: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)

    @property
    def rows_matched(self) -> int:
        return sum(t.rows_matched for t in self.tables)

    @property
    def rows_removed(self) -> int:
        return sum(t.rows_removed for t in self.tables)

    @property
    def complete(self) -> bool:
        """Every table and export is clean: nothing matched is left, no export failed."""
        if self.dry_run:
            return False
        tables_clean = all(t.rows_removed >= t.rows_matched for t in self.tables)
        return tables_clean and all(e.status in ("succeeded", "skipped") for e in self.exports)

    def to_json(self) -> str:
        data = asdict(self)
        data["rows_matched"], data["rows_removed"] = self.rows_matched, self.rows_removed
        data["schema_version"] = 1
        return json.dumps(data, indent=1, sort_keys=True)

    def render(self) -> str:
        """The table printed by the CLI, then the exports and what erasure did not check."""
        what = "would remove" if self.dry_run else "removed"
        rows = [(t.zone, f"{t.rows_matched:,}", "-" if self.dry_run else f"{t.rows_removed:,}",
                 _versions(t), f"{t.files_rewritten}", f"{t.files_vacuumed}", t.note)
                for t in self.tables]
        head = ("table", "matching", "removed", "version", "files rewritten", "vacuumed", "note")
        lines = [f"erase {self.dataset} ({'DRY RUN, nothing written' if self.dry_run else 'done'}):"
                 f" {what} {self.rows_matched if self.dry_run else self.rows_removed:,} row(s)",
                 render_table(head, rows)]
        for e in self.exports:
            gone = f", deleted older versions {', '.join(e.versions_deleted)}" \
                if e.versions_deleted else ""
            at = f" v{e.version:05d}" if e.version else ""
            lines.append(f"export {e.name}: {e.status}{at}{gone}{'; ' + e.message if e.message else ''}")
        if self.landing_files:
            lines.append("landing files that held matching rows (the producers' zone: lakehouse "
                         "never deletes them; ask their producer):")
            lines += [f"  {f}" for f in self.landing_files]
        lines += [f"NOT CHECKED: {n}" for n in self.not_checked]
        return "\n".join(lines)


def audit_folder(runs_uri: str, configured: str | None) -> str:
    return configured or join_uri(runs_uri, "erasure")


def write_audit(folder: str, report: ErasureReport) -> str:
    """Write the audit record; returns its URI (never called for a dry run)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    uri = join_uri(folder, f"{stamp}-{report.dataset}.json")
    files.write_text(uri, report.to_json())
    return uri


def _versions(t: TableErasure) -> str:
    if t.version_before is None:
        return "-"
    if t.version_after is None or t.version_after == t.version_before:
        return str(t.version_before)
    return f"{t.version_before} -> {t.version_after}"
