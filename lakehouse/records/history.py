"""Write run records (``<runs>/runs/<run_id>.json``), read them back typed, render them (no Spark).

With ``LAKEHOUSE_VALIDATE_RECORDS=1`` (the test suite sets it) every record written is first
checked against the published JSON Schema (:mod:`lakehouse.records.schema`).
"""

from __future__ import annotations

import json
import logging
import os

from lakehouse.errors import LakehouseError
from lakehouse.records.summary import RunSummary
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri
from lakehouse.terminal import render_table

ENV_VALIDATE = "LAKEHOUSE_VALIDATE_RECORDS"
log = logging.getLogger(__name__)


def runs_folder(runs_uri: str) -> str:
    return join_uri(runs_uri, "runs")


def write_run(runs_uri: str, summary: RunSummary) -> str:
    """Write ``summary`` as ``<runs>/runs/<run_id>.json``; returns its URI.

    Raises:
        jsonschema.ValidationError: with ``LAKEHOUSE_VALIDATE_RECORDS=1``, the record does
            not match the published schema (nothing is written).
    """
    text = summary.to_json()
    if os.environ.get(ENV_VALIDATE, "").strip().lower() in ("1", "true", "yes", "on"):
        from lakehouse.records.schema import validate_record

        validate_record(json.loads(text))
    uri = join_uri(runs_folder(runs_uri), f"{summary.run_id}.json")
    files.write_text(uri, text)
    return uri


def list_runs(runs_uri: str, *, limit: int | None = None) -> list[RunSummary]:
    """Run records, newest first (run ids sort by time). Unreadable records are skipped."""
    infos = [i for i in files.list_files(runs_folder(runs_uri)) if i.uri.endswith(".json")]
    infos.sort(key=lambda i: i.uri.rsplit("/", 1)[-1], reverse=True)
    out = []
    for info in infos[:limit] if limit else infos:
        try:
            out.append(RunSummary.from_json(files.read_text(info.uri)))
        except (ValueError, TypeError, OSError) as exc:
            log.warning("run record %s skipped: %s", info.uri, exc)
            continue
    return out


def load_run(runs_uri: str, run_id: str) -> RunSummary:
    """The record of ``run_id`` (a unique prefix is enough; ``latest`` is the newest)."""
    runs = list_runs(runs_uri)
    if run_id == "latest" and runs:
        return runs[0]
    matches = [r for r in runs if r.run_id == run_id] or [
        r for r in runs if r.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(r.run_id for r in runs[:5]) or "none yet"
    what = "matches several runs" if matches else "matches no run"
    raise LakehouseError(f"run id {run_id!r} {what} under {runs_folder(runs_uri)}",
                         hint=f"recent runs: {known} (see `lakehouse runs ls`)")


def stage_totals(record: RunSummary) -> dict[str, int]:
    """Rows summed over the run's stages."""
    keys = ("rows_read", "rows_written", "rows_quarantined", "rows_deduplicated")
    return {k: sum(int(getattr(s, k) or 0) for s in record.stages) for k in keys}


def render_list(records: list[RunSummary]) -> str:
    head = ("run_id", "status", "stage", "started", "secs", "datasets", "written", "quarant.")
    rows: list[tuple] = []
    for r in records:
        totals = stage_totals(r)
        secs = sum(float(s.duration_s or 0) for s in r.stages)
        rows.append((r.run_id, r.status, r.stage, (r.started_at or "")[:19],
                     f"{secs:.1f}", ",".join(r.datasets) or "-",
                     f"{totals['rows_written']:,}", f"{totals['rows_quarantined']:,}"))
    if not records:
        return "no runs recorded yet (run `lakehouse run`)"
    return render_table(head, rows, right={4, 6, 7})


def render_run(record: RunSummary) -> str:
    """Per stage rows in/out/quarantined/deduplicated, versions, timings, gate results, errors."""
    head = ("dataset", "stage", "status", "read", "written", "quarant.", "dedup", "versions", "secs")
    rows: list[tuple] = []
    for s in record.stages:
        versions = ",".join(f"{k}@{v}" for k, v in s.table_versions.items() if v is not None)
        rows.append((s.dataset, s.stage, s.status, f"{s.rows_read:,}",
                     f"{s.rows_written:,}", f"{s.rows_quarantined:,}",
                     f"{s.rows_deduplicated:,}", versions or "-", f"{s.duration_s:.1f}"))
    lines = [f"run {record.run_id}  status {record.status}  profile {record.profile}  "
             f"stage {record.stage}",
             f"started {record.started_at}  finished {record.finished_at}  "
             f"trigger {json.dumps(record.trigger or {})}",
             "", render_table(head, rows, right={3, 4, 5, 6, 8})]
    gates = [g for s in record.stages for g in (s.details.gates or [])]
    if gates:
        lines += ["", "quality gates:"]
    for gate in gates:
        state = "BLOCKED" if gate.blocked else "passed"
        lines.append(f"  {gate.dataset} / {gate.gate}: {state}, {gate.rows_in:,} in, "
                     f"{gate.rows_quarantined:,} quarantined")
        for rule in gate.results:
            lines.append(f"    {rule.status:<7} {rule.name:<32} {rule.severity:<10} "
                         f"{rule.failing:>8,} failing")
    for s in record.stages:
        conform_fails = {k: v for k, v in getattr(s.details, "failed_rules", {}).items() if ":" in k}
        for rule, count in sorted(conform_fails.items()):
            lines.append(f"  {s.dataset} / schema: {rule} {count:,} row(s) quarantined")
    errors = [f"  {s.dataset}/{s.stage}: {s.message}" for s in record.stages if s.message]
    if errors:
        lines += ["", "messages:", *errors]
    if record.error:
        lines += ["", f"error: {record.error}"]
    lines.append("")
    lines.append("row accounting balances" if record.balanced else "row accounting does NOT balance")
    return "\n".join(lines)
