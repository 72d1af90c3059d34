"""``run_pipeline(profile=True)``: each stage's Spark jobs land in the run record; datasets run
concurrently and still give the same row counts as one at a time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.sample import write_nycflights13
from lakehouse.storage.uri import local_path
from lakehouse.testing.project import make_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def test_profiled_concurrent_run_records_spark_jobs_per_stage(tmp_path, spark, monkeypatch):
    conf = tmp_path / "conf-src"
    shutil.copytree(REPO / "conf", conf)
    (conf / "exports" / "flights_delay_ml.yaml").unlink()  # its class checks need more than 200 rows
    project = make_project(tmp_path / "project", conf)
    write_nycflights13(project.zone_uri("landing"), months=[1], max_rows_per_file=200)
    monkeypatch.setenv("LAKEHOUSE_PROFILE", "1")
    summary = run_pipeline(project, stage="all", spark=spark, workers=3)
    assert summary.status == "succeeded" and summary.balanced, summary.render()
    record = json.loads(local_path(f"{project.runs_uri}/runs/{summary.run_id}.json").read_text())
    stages = {(s["stage"], s["dataset"]): s for s in record["stages"]}
    assert set(stages) >= {("ingest", "flights"), ("curate", "flights"),
                           ("export", "flights_enriched")}
    for key, stage in stages.items():
        jobs = stage["details"]["spark_jobs"]
        assert stage["details"]["spark_job_count"] == len(jobs) >= 1, key
        assert all(j["status"] == "SUCCEEDED" and j["duration_s"] is not None
                   and j["duration_s"] >= 0 and j["tasks"] >= 0 for j in jobs), (key, jobs)
        assert any(j["tasks"] >= 1 for j in jobs), (key, jobs)
    ids = [j["job_id"] for s in stages.values() for j in s["details"]["spark_jobs"]]
    assert len(ids) == len(set(ids))                 # every job belongs to exactly one stage
    assert stages[("curate", "flights")]["rows_written"] == 200
    # plan order is kept in the record even though datasets ran concurrently
    order = [(s["stage"], s["dataset"]) for s in record["stages"]]
    assert order.index(("ingest", "airports")) < order.index(("curate", "flights"))
    assert order[-1] == ("export", "flights_enriched")


def test_without_profile_no_jobs_are_recorded(tmp_path, spark, monkeypatch):
    project = make_project(tmp_path, REPO / "conf")
    write_nycflights13(project.zone_uri("landing"), months=[1], max_rows_per_file=50)
    monkeypatch.delenv("LAKEHOUSE_PROFILE", raising=False)
    summary = run_pipeline(project, datasets=["airports"], stage="ingest", spark=spark)
    assert summary.status == "succeeded"
    assert summary.stages[0].details.spark_jobs is None
    assert "spark_jobs" not in summary.stages[0].to_dict()["details"]
