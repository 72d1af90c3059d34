"""Two `lakehouse run` processes on one project at once: they serialize per dataset (the run
lock, lakehouse/stages/unit_lock.py), nothing is written twice, and the one that came second
says what it waited for or why it had nothing left to do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.testing.crash_harness import EXPORT, fault_project, write_landing
from lakehouse.testing.delta import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
ROWS = 120
KEYS = ("rows_read", "rows_written", "rows_quarantined", "rows_deduplicated")


def test_two_cli_runs_at_once_serialize_and_never_duplicate(tmp_path) -> None:
    landing = tmp_path / "landing"
    write_landing(landing, REPO / "conf", ROWS)
    project = fault_project(tmp_path / "project", landing, REPO / "conf", backend="portable")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("LAKEHOUSE_FAULT", "LAKEHOUSE_FAULT_MODE"):
        env.pop(name, None)
    command = [sys.executable, "-m", "lakehouse.cli.main", "run", "--conf",
               str(project.conf_dir), "--json"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=900) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
    summaries = [json.loads(out) for out, _ in outputs]

    raw = read_delta(project.table_uri("raw", "flights")).to_pandas()
    curated = read_delta(project.table_uri("curated", "flights")).to_pandas()
    quarantine = read_delta(project.quarantine_uri("flights", "raw_to_curated")).to_pandas()
    assert len(raw) == ROWS + 7                           # every landed row once, 1 malformed
    assert len(curated) == ROWS + 1 and not curated.duplicated(
        project.datasets["flights"].primary_key).any()
    assert sorted(quarantine["flight"]) == ["99001", "99002"]

    for stage, name in (("ingest", "flights"), ("curate", "flights"), ("export", EXPORT)):
        results = [next(s for s in summary["stages"] if (s["stage"], s["dataset"]) == (stage, name))
                   for summary in summaries]
        did = [r for r in results if r["status"] == "succeeded"]
        other = [r for r in results if r not in did]
        assert len(did) == 1, results                     # exactly one run did the work ...
        assert did[0]["rows_read"] == sum(r["rows_read"] for r in results)
        [loser] = other                                   # ... the other says why it did not
        assert loser["status"] == "skipped" and loser["message"], loser
    waits = [w for summary in summaries for s in summary["stages"] for w in s["warnings"]
             if w.startswith("waited for another run processing")]
    skipped_messages = {s["message"] for summary in summaries for s in summary["stages"]
                        if s["status"] == "skipped"}
    assert waits or skipped_messages, "the second run must report what happened"
