"""Run records read back, rendered as text and HTML; observers never break a run (Spark-free)."""

from __future__ import annotations

import json
import logging

import pytest

from lakehouse.cli.progress import LineProgress
from lakehouse.config import load_project
from lakehouse.errors import LakehouseError
from lakehouse.records.details import CurateDetails, GateDetails, RuleRecord
from lakehouse.records.history import list_runs, load_run, render_list, render_run
from lakehouse.records.observer import Observers, RunObserver
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.reports.html import render_run_page, write_report
from lakehouse.testing.project import write_project


def record(run_id: str, written: int, quarantined: int, *, mean: float = 1.0) -> dict:
    summary = RunSummary(run_id=run_id, profile="local", stage="all", datasets=["birds"],
                         started_at=f"2026-01-0{run_id[-1]}T00:00:00+00:00")
    summary.add(StageResult("birds", "ingest", "succeeded", written + quarantined,
                            written + quarantined, inputs=["birds/a.csv"], table_versions={"raw": 0}))
    gate = GateDetails(dataset="birds", gate="raw_to_curated", blocked=False,
                       rows_in=written + quarantined, rows_quarantined=quarantined,
                       results=[RuleRecord(name="wing_range", rule="between", severity="quarantine",
                                           level="row", status="failed" if quarantined else "passed",
                                           failing=quarantined, total=written + quarantined)])
    summary.add(StageResult("birds", "curate", "succeeded", written + quarantined, written, quarantined,
                            table_versions={"raw": 0, "curated": 0},
                            details=CurateDetails(gates=[gate],
                                                  failed_rules={"type_castable:wing": 0},
                                                  column_stats={"wing": {"null_ratio": 0.1,
                                                                         "mean": mean}})))
    summary.finish("succeeded")
    return summary.to_dict()


@pytest.fixture
def project(tmp_path):
    project = load_project(write_project(tmp_path))
    runs = tmp_path / ".lake" / "_runs" / "runs"
    runs.mkdir(parents=True)
    for rid, written, quarantined, mean in (("r1", 10, 0, 1.0), ("r2", 7, 3, 2.5)):
        (runs / f"{rid}.json").write_text(json.dumps(record(rid, written, quarantined, mean=mean)))
    (runs / "broken.json").write_text("{not json")
    return project


def test_list_and_show(project) -> None:
    runs = list_runs(project.runs_uri)
    assert [r.run_id for r in runs] == ["r2", "r1"]  # newest first; the broken record skipped
    table = render_list(runs)
    assert table.splitlines()[2].split()[:2] == ["r2", "succeeded"]
    shown = render_run(load_run(project.runs_uri, "latest"))
    curate = next(line for line in shown.splitlines() if line.startswith("birds") and "curate" in line)
    assert curate.split()[3:7] == ["10", "7", "3", "0"]
    assert "failed  wing_range" in shown
    with pytest.raises(LakehouseError, match="matches several runs"):
        load_run(project.runs_uri, "r")


def test_report_page_has_the_numbers_and_no_remote_script(project, tmp_path) -> None:
    history = list_runs(project.runs_uri)
    page = render_run_page(history[0], history)
    assert "<td class='n' data-k='rows_quarantined'>3</td>" in page
    assert "http" not in page.split("<body>")[0]  # the only script is the local plotly bundle
    assert "drift-birds" in page and "wing_range" in page
    uri = write_report(project, history[0], history=history)
    reports = tmp_path / ".lake" / "_runs" / "reports"
    bundle = next(reports.glob("plotly-*.min.js"))
    assert uri.endswith("reports/runs/r2.html") and bundle.stat().st_size > 1_000_000
    assert "runs/r1.html" in (reports / "index.html").read_text()


def test_observers_are_isolated_and_line_progress_counts(capsys, caplog) -> None:
    class Boom(RunObserver):
        def stage_finished(self, summary, result):
            raise RuntimeError("observer bug")

    import io

    stream = io.StringIO()
    watch = Observers([Boom(), LineProgress(stream)])
    summary = RunSummary("r", "local", "all", ["birds"])
    watch.run_started(summary, [("ingest", "birds"), ("curate", "birds")])
    with caplog.at_level(logging.WARNING):
        watch.stage_finished(summary, StageResult("birds", "ingest", "succeeded", 5, 5,
                                                  inputs=["a.csv", "b.csv"], duration_s=1.0))
    assert "observer bug" in caplog.text
    assert stream.getvalue() == "[1/2] ingest birds: succeeded, 2 file(s), 5 rows (1.0s)\n"
