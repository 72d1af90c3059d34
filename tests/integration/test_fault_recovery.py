"""Fault injection: the run dies at a failpoint, a re-run ends exactly as a clean run did.

Every case starts a fresh project on the same landing files, runs the whole pipeline with
``LAKEHOUSE_FAULT`` set, then runs it again without, and compares the end state (read with
delta-rs + pyarrow, the catalog, bookmarks, the export manifest) with a clean run's on the same
backend: the same rows, no duplicate keys, no extra quarantine rows, a consistent catalog, and
stage accounting equal to the clean run's across the failed run and the re-run.
In-process cases raise :class:`SimulatedCrash` (cheap); the SIGKILL cases run ``lakehouse run``
in a subprocess and kill it for real (the file lock, staging files and half-made versions
stay behind), then re-run in process. Failpoints: lakehouse/failpoints.py, docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.failpoints import FAULT_ENV, MODE_ENV, SimulatedCrash, reset_hits
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.records.bookmarks import BookmarkStore
from lakehouse.storage.uri import local_path
from lakehouse.testing.crash_harness import fault_project, lake_state, write_landing

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
ROWS = 120

# (failpoint, backends, in the default CI subset); "portable" only where delta-spark has no
# such gap (it writes the data files and commits in one call). LAKEHOUSE_FAULT_MATRIX=full
# runs every (backend, point) pair in process.
POINTS = [
    ("ingest.start", "both", False),
    ("ingest.bookmark.save", "both", True),                 # the pending batch, before data
    ("ingest.table.before_data_files@/raw/", "both", True),
    ("ingest.table.after_data_files@/raw/", "portable", False),  # SIGKILLed below
    ("ingest.table.after_commit@/raw/", "both", True),
    ("ingest.table.after_commit@landing_to_raw", "both", True),
    ("ingest.catalog.sync@raw/flights", "both", False),
    ("ingest.bookmark.save#2", "both", True),               # committed, bookmark not yet
    ("ingest.end", "both", False),
    ("curate.start", "both", False),
    ("curate.table.after_commit@/quarantine/", "both", True),
    ("curate.table.before_data_files@/curated/", "both", False),
    ("curate.table.after_data_files@/curated/", "portable", True),
    ("curate.table.after_commit@/curated/", "both", False),     # SIGKILLed below
    ("curate.catalog.sync@curated/flights", "both", True),
    ("curate.bookmark.save", "both", False),                # SIGKILLed below (native)
    ("curate.end", "both", False),
    ("export.start", "both", False),
    ("export.manifest.write", "both", True),
    ("export.catalog.sync@exportable", "both", True),
    ("export.end", "both", False),
]
FULL = os.environ.get("LAKEHOUSE_FAULT_MATRIX") == "full"
CASES = [pytest.param(backend, point, id=f"{backend}-{point}")
         for point, where, ci in POINTS for backend in ("portable", "native")
         if where in ("both", backend) and (FULL or (ci and (backend == "portable"
                                                           or point.startswith("export"))))]
KILLED = [  # true SIGKILL of `lakehouse run`: 3 points per backend
    ("portable", "ingest.table.after_data_files@/raw/"),
    ("portable", "curate.table.after_commit@/curated/"),
    ("portable", "export.manifest.write"),
    ("native", "ingest.table.after_commit@/raw/"),
    ("native", "curate.table.after_commit@/curated/"),
    ("native", "curate.bookmark.save"),
]
STAGES = ("ingest", "curate", "export")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("landing")
    write_landing(folder, REPO / "conf", ROWS)
    return folder


class Baseline:
    """A clean run of one backend, stage by stage: the lake before each stage (to restore),
    and the end state and counts after it. Cases run in the same project folder, so paths
    (in the catalog, ``_source_file``) are the same as the clean run's."""

    def __init__(self, root: Path, landing: Path, backend: str, spark):
        self.spark = spark
        self.project = fault_project(root / "project", landing, REPO / "conf", backend=backend)
        self.lake = local_path(self.project.lake_root)
        self.before: dict[str, Path] = {}
        self.after: dict[str, dict] = {}
        self.counts: dict[str, dict] = {}
        for stage in STAGES:
            self.before[stage] = root / f"before-{stage}"
            shutil.copytree(self.lake, self.before[stage])
            summary = run_pipeline(self.project, stage=stage, spark=spark, workers=1)
            assert summary.status == "succeeded", summary.render()
            assert summary.balanced
            self.after[stage] = lake_state(self.project)
            self.counts[stage] = _counts([json.loads(summary.to_json())])

    def restore(self, stage: str) -> set[str]:
        """The lake as it was before ``stage`` of the clean run; returns its run ids."""
        shutil.rmtree(self.lake)
        shutil.copytree(self.before[stage], self.lake)
        # delta-spark caches each table's log per session: forget the newer one
        self.spark._jvm.org.apache.spark.sql.delta.DeltaLog.clearCache()
        return {p.name for p in (self.lake / "_runs" / "runs").glob("*.json")}


@pytest.fixture(scope="module")
def clean(landing, tmp_path_factory, spark):
    """One clean run per backend (computed once, shared by the cases)."""
    cache: dict[str, Baseline] = {}

    def get(backend: str) -> Baseline:
        if backend not in cache:
            cache[backend] = Baseline(tmp_path_factory.mktemp(f"clean-{backend}"), landing,
                                      backend, spark)
        return cache[backend]

    return get


def _counts(summaries: list[dict]) -> dict:
    """Per stage, the counts of the last run that did the work (not skipped)."""
    out = {}
    for summary in summaries:
        for stage in summary["stages"]:
            if stage["status"] == "succeeded":
                out[f"{stage['stage']}:{stage['dataset']}"] = tuple(
                    stage[k] for k in ("rows_read", "rows_written", "rows_quarantined",
                                       "rows_deduplicated"))
    return out


def _check_recovered(base: Baseline, stage: str, earlier: set[str]) -> None:
    rerun = run_pipeline(base.project, stage=stage, spark=base.spark, workers=1)
    assert rerun.status == "succeeded", rerun.render()
    state = lake_state(base.project)
    assert state.get("curated_duplicate_keys", 0) == 0
    for part in ("raw", "curated", "quarantine", "ingest_quarantine", "bookmark", "export",
                 "catalog"):
        assert state[part] == base.after[stage][part], part
    assert all(e.get("matches_delta_schema", True) for e in state["catalog"].values())
    runs = sorted((json.loads(p.read_text()) for p in (base.lake / "_runs" / "runs").glob("*.json")
                   if p.name not in earlier), key=lambda r: r["started_at"])
    counts = _counts(runs)
    for key in base.counts[stage].keys() - counts.keys():
        # the failed run exported (its manifest is the clean run's, checked above) but died
        # before recording it; the re-run has nothing left to count
        skipped = next(s for s in rerun.stages if f"{s.stage}:{s.dataset}" == key)
        assert key.startswith("export:") and skipped.status == "skipped", key
        counts[key] = base.counts[stage][key]
    assert counts == base.counts[stage]                  # across the failed run and the re-run
    for read, written, quarantined, deduplicated in counts.values():
        assert read == written + quarantined + deduplicated


@pytest.mark.parametrize(("backend", "point"), CASES)
def test_crash_then_rerun_equals_a_clean_run(backend, point, clean, monkeypatch) -> None:
    base = clean(backend)
    stage = point.split(".", 1)[0]
    earlier = base.restore(stage)
    monkeypatch.setenv(FAULT_ENV, point)
    monkeypatch.setenv(MODE_ENV, "raise")
    reset_hits()
    with pytest.raises(SimulatedCrash):
        run_pipeline(base.project, stage=stage, spark=base.spark, workers=1)
    monkeypatch.delenv(FAULT_ENV)
    _check_recovered(base, stage, earlier)


@pytest.mark.parametrize(("backend", "point"),
                         [pytest.param(b, p, id=f"{b}-{p}") for b, p in KILLED])
def test_sigkilled_cli_run_then_rerun_equals_a_clean_run(backend, point, clean) -> None:
    """A SIGKILLed ``lakehouse run``, then a re-run. When it died in ingest, the producer
    first delivers the same files again (same bytes, later times: what ``lakehouse sample``
    does when ``make demo`` runs again): the batch it left pending is resumed (issue 31)."""
    base = clean(backend)
    stage = point.split(".", 1)[0]
    earlier = base.restore(stage)
    env = {**os.environ, "PYTHONPATH": str(REPO), FAULT_ENV: point}
    env.pop(MODE_ENV, None)
    killed = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "run", "--conf", str(base.project.conf_dir),
         "--stage", stage], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    if stage == "ingest":
        assert BookmarkStore(base.project.runs_uri).load("flights").pending is not None
        _redeliver_same_files(base.project)
    _check_recovered(base, stage, earlier)


def _redeliver_same_files(project) -> None:
    """Every landing file written again with the same bytes and a later modification time."""
    for path in (local_path(project.zone_uri("landing")) / "flights").glob("*.csv"):
        later = path.stat().st_mtime + 60
        path.write_bytes(path.read_bytes())
        os.utime(path, (later, later))


@pytest.mark.parametrize("point", ["ingest.table.before_data_files@/raw/",
                                   "ingest.table.after_commit@/raw/"])
def test_a_file_changed_after_a_crash_is_read_as_it_is_now(point, clean, monkeypatch) -> None:
    """The run dies with its batch pending, then a file of that batch changes. The re-run
    says what changed and never loses or repeats a row: a batch the dead run committed is
    recorded as ingested and the changed file ingested again as a new version; one it did
    not commit is read as the files are now."""
    base = clean("portable")
    base.restore("ingest")
    monkeypatch.setenv(FAULT_ENV, point)
    monkeypatch.setenv(MODE_ENV, "raise")
    reset_hits()
    with pytest.raises(SimulatedCrash):
        run_pipeline(base.project, stage="ingest", spark=base.spark, workers=1)
    monkeypatch.delenv(FAULT_ENV)
    late = local_path(base.project.zone_uri("landing")) / "flights" / "flights_2013_01_late.csv"
    before = late.stat().st_size
    lines = late.read_text().splitlines(keepends=True)
    late.write_text("".join([*lines, lines[1]]))   # the producer appends one more record
    rerun = run_pipeline(base.project, stage="ingest", spark=base.spark, workers=1)
    assert rerun.status == "succeeded", rerun.render()
    stage = rerun.stages[0]
    size = f"flights/flights_2013_01_late.csv (size {before} -> {late.stat().st_size}, modified "
    committed = point.endswith("after_commit@/raw/")
    said = ("a stopped run had committed its batch of 2 file(s), now recorded as ingested; "
            "changed since: " if committed else
            "a stopped run's batch was not committed; changed since: ") + size
    assert any(w.startswith(said) for w in stage.warnings), stage.warnings
    clean_raw = base.after["ingest"]["raw"]
    raw = lake_state(base.project)["raw"]
    late_rows = [r for r in clean_raw if r["_source_file"].endswith("_late.csv")]
    # committed: the old version's rows once, the new version's (old + 1) again; else + 1
    assert len(raw) == len(clean_raw) + (len(late_rows) + 1 if committed else 1)
    ingested = BookmarkStore(base.project.runs_uri).load("flights").ingested
    assert ingested["flights/flights_2013_01_late.csv"]["size"] == late.stat().st_size
    assert stage.balanced and stage.rows_read == (len(late_rows) + 2 if committed
                                                  else len(clean_raw) + 2)
