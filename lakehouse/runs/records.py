"""Read run records back (``<runs>/runs/<run_id>.json``) and render them for people (no Spark)."""

from __future__ import annotations

import json
from typing import Any

from lakehouse.errors import LakehouseError
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri
from lakehouse.terminal import render_table


def runs_folder(runs_uri: str) -> str:
    return join_uri(runs_uri, "runs")


def list_runs(runs_uri: str, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Run records, newest first (run ids sort by time). Unreadable records are skipped."""
    infos = [i for i in files.list_files(runs_folder(runs_uri)) if i.uri.endswith(".json")]
    infos.sort(key=lambda i: i.uri.rsplit("/", 1)[-1], reverse=True)
    out = []
    for info in infos[:limit] if limit else infos:
        try:
            out.append(json.loads(files.read_text(info.uri)))
        except (ValueError, OSError):
            continue
    return out


def load_run(runs_uri: str, run_id: str) -> dict[str, Any]:
    """The record of ``run_id`` (a unique prefix is enough; ``latest`` is the newest)."""
    runs = list_runs(runs_uri)
    if run_id == "latest" and runs:
        return runs[0]
    matches = [r for r in runs if r["run_id"] == run_id] or [
        r for r in runs if r["run_id"].startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(r["run_id"] for r in runs[:5]) or "none yet"
    what = "matches several runs" if matches else "matches no run"
    raise LakehouseError(f"run id {run_id!r} {what} under {runs_folder(runs_uri)}",
                         hint=f"recent runs: {known} (see `lakehouse runs ls`)")


def stage_totals(record: dict[str, Any]) -> dict[str, int]:
    """Rows summed over the run's stages."""
    keys = ("rows_read", "rows_written", "rows_quarantined", "rows_deduplicated")
    return {k: sum(int(s.get(k) or 0) for s in record.get("stages", [])) for k in keys}


def render_list(records: list[dict[str, Any]]) -> str:
    head = ("run_id", "status", "stage", "started", "secs", "datasets", "written", "quarant.")
    rows: list[tuple] = []
    for r in records:
        totals = stage_totals(r)
        secs = sum(float(s.get("duration_s") or 0) for s in r.get("stages", []))
        rows.append((r["run_id"], r["status"], r["stage"], (r.get("started_at") or "")[:19],
                     f"{secs:.1f}", ",".join(r.get("datasets", [])) or "-",
                     f"{totals['rows_written']:,}", f"{totals['rows_quarantined']:,}"))
    if not records:
        return "no runs recorded yet (run `lakehouse run`)"
    return render_table(head, rows, right={4, 6, 7})


def render_run(record: dict[str, Any]) -> str:
    """Per stage rows in/out/quarantined/deduplicated, versions, timings, gate results, errors."""
    head = ("dataset", "stage", "status", "read", "written", "quarant.", "dedup", "versions", "secs")
    rows: list[tuple] = []
    for s in record.get("stages", []):
        versions = ",".join(f"{k}@{v}" for k, v in (s.get("table_versions") or {}).items() if v is not None)
        rows.append((s["dataset"], s["stage"], s["status"], f"{s['rows_read']:,}",
                     f"{s['rows_written']:,}", f"{s['rows_quarantined']:,}",
                     f"{s['rows_deduplicated']:,}", versions or "-", f"{s['duration_s']:.1f}"))
    lines = [f"run {record['run_id']}  status {record['status']}  profile {record.get('profile')}  "
             f"stage {record.get('stage')}",
             f"started {record.get('started_at')}  finished {record.get('finished_at')}  "
             f"trigger {json.dumps(record.get('trigger') or {})}",
             "", render_table(head, rows, right={3, 4, 5, 6, 8})]
    gates = [g for s in record.get("stages", []) for g in (s.get("details") or {}).get("gates", [])]
    if gates:
        lines += ["", "quality gates:"]
    for gate in gates:
        state = "BLOCKED" if gate.get("blocked") else "passed"
        lines.append(f"  {gate['dataset']} / {gate['gate']}: {state}, {gate['rows_in']:,} in, "
                     f"{gate['rows_quarantined']:,} quarantined")
        for rule in gate.get("results", []):
            lines.append(f"    {rule['status']:<7} {rule['name']:<32} {rule['severity']:<10} "
                         f"{rule['failing']:>8,} failing")
    for s in record.get("stages", []):
        conform_fails = {k: v for k, v in ((s.get("details") or {}).get("failed_rules") or {}).items()
                         if ":" in k}
        for rule, count in sorted(conform_fails.items()):
            lines.append(f"  {s['dataset']} / schema: {rule} {count:,} row(s) quarantined")
    errors = [f"  {s['dataset']}/{s['stage']}: {s['message']}" for s in record.get("stages", [])
              if s.get("message")]
    if errors:
        lines += ["", "messages:", *errors]
    if record.get("error"):
        lines += ["", f"error: {record['error']}"]
    balanced = record.get("balanced", True)
    lines.append("")
    lines.append("row accounting balances" if balanced else "row accounting does NOT balance")
    return "\n".join(lines)

