"""Quarantine table, results/metrics table, drift baseline and GX Data Docs, on real Delta."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deltalake import DeltaTable

from lakehouse.config.quality_spec import GateRules
from lakehouse.quality import GateContext, run_gate
from lakehouse.quality.docs import docs_root
from lakehouse.quality.store import history, load_baseline, record, results_uri, write_quarantine
from lakehouse.storage.uri import join_uri, local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import make_project

pytestmark = pytest.mark.spark
REPO = Path(__file__).resolve().parents[3]
RULES = GateRules.model_validate([
    {"name": "x_positive", "rule": "expression", "expr": "x > 0"},
    {"name": "x_drift", "rule": "drift", "column": "x", "metrics": ["mean"], "tolerance": 0.5},
    {"name": "y_present", "rule": "not_null", "column": "y", "severity": "warn"},
])


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path, REPO / "conf")


def _gate(spark, project, rows, run_id, rules=RULES):
    df = spark.createDataFrame(rows, "k int, x double, y string")
    return run_gate(df, rules=rules, gate="raw_to_curated", dataset="flights", run_id=run_id,
                    context=GateContext(spark=spark, project=project))


def test_quarantine_results_docs_and_drift_baseline(spark, project) -> None:
    first = _gate(spark, project, [(1, 10.0, "a"), (2, -1.0, "b"), (3, 12.0, None)], "r1")
    commit = write_quarantine(project, first)
    page = record(project, first)
    assert commit.committed and commit.rows_written == 1
    q = read_delta(project.quarantine_uri("flights", "raw_to_curated")).to_pandas()
    assert q["k"].tolist() == [2] and list(q["_failed_rules"][0]) == ["x_positive"]
    assert q["_run_id"].tolist() == ["r1"] and q["_gate"].tolist() == ["raw_to_curated"]
    assert {"_reason", "_quarantined_at"} <= set(q.columns)

    res = read_delta(results_uri(project)).to_pandas()
    assert set(res["rule"]) == {"x_positive", "x_drift", "y_present", "__gate__"}
    gate_row = res[res["rule"] == "__gate__"].iloc[0]
    assert (gate_row["rows_evaluated"], gate_row["rows_passed"], gate_row["rows_quarantined"]) \
        == (3, 2, 1)
    assert load_baseline(project, "flights", "raw_to_curated")["mean:x"] == pytest.approx(7.0)

    html = local_path(page).read_text()
    assert "flights.raw_to_curated" in html and "coalesce((x &gt; 0), true)" in html
    folder = local_path(join_uri(docs_root(project), "flights", "raw_to_curated"))
    assert {p.name for p in folder.iterdir()} == {"r1.html", "r1.json", "latest.html"}
    validation = json.loads((folder / "r1.json").read_text())
    assert validation["suite_name"] == "flights.raw_to_curated"
    assert validation["statistics"]["unsuccessful_expectations"] == 2   # x_positive, y_present
    index = local_path(join_uri(docs_root(project), "index.html")).read_text()
    assert "flights/raw_to_curated/r1.html" in index
    suite = local_path(join_uri(project.lake_root, "_quality", "suites",
                                "flights.raw_to_curated.json"))
    assert json.loads(suite.read_text())["name"] == "flights.raw_to_curated"

    # second run: mean of x jumps from 7 to 100 -> the drift warning fires against run r1
    second = _gate(spark, project, [(4, 100.0, "a"), (5, 100.0, "b")], "r2")
    drift = next(r for r in second.results if r.name == "x_drift")
    assert drift.status == "failed" and drift.observed["baseline"]["mean"] == pytest.approx(7.0)
    assert not second.blocked
    record(project, second)
    runs = history(project, "flights")
    assert [r["run_id"] for r in runs] == ["r2", "r1"]
    assert runs[0]["rules"]["x_drift"]["status"] == "failed"
    assert runs[1]["rows_quarantined"] == 1


def test_a_blocked_gate_writes_no_quarantine_but_records_the_run(spark, project) -> None:
    rules = GateRules.model_validate([{"name": "x_positive", "rule": "expression",
                                       "expr": "x > 0", "severity": "fail"}])
    out = _gate(spark, project, [(1, -1.0, "a"), (2, 5.0, "b")], "r-blocked", rules)
    assert out.blocked
    assert write_quarantine(project, out) is None
    record(project, out)
    assert not DeltaTable.is_deltatable(str(local_path(
        project.quarantine_uri("flights", "raw_to_curated"))))
    assert history(project, "flights")[0]["blocked"] is True
    # a blocked run is never the drift baseline
    assert load_baseline(project, "flights", "raw_to_curated") is None
    assert out.docs_uri and "x_positive" in str(out.error())


def test_export_gate_blocks_duplicates_and_passes_clean_inputs(spark, project) -> None:
    from lakehouse.errors import QualityGateError
    from lakehouse.quality.apply import finish, gate_inputs

    planes = spark.createDataFrame([("N1", 4), ("N2", 2)], "tailnum string, seats int")
    weather = spark.createDataFrame([("JFK",)], "origin string")   # no exportable rules
    passed, outcomes = gate_inputs(spark, project, {"planes": planes, "weather": weather},
                                   run_id="e1")
    assert passed["weather"] is weather and set(outcomes) == {"planes"}
    assert passed["planes"].count() == 2
    finish(project, outcomes)
    assert history(project, "planes", gate="curated_to_exportable")[0]["blocked"] is False

    dupes = planes.unionByName(spark.createDataFrame([("N1", 5)], "tailnum string, seats int"))
    with pytest.raises(QualityGateError, match="tailnum_unique") as info:
        gate_inputs(spark, project, {"planes": dupes}, run_id="e2")
    assert info.value.exit_code == 3
    assert history(project, "planes", gate="curated_to_exportable")[0]["blocked"] is True


def test_replay_at_the_export_gate_only_clears_quarantine(spark, project) -> None:
    import yaml

    from lakehouse.config import load_project
    from lakehouse.quality.apply import finish, gate_inputs
    from lakehouse.quality.replay import replay

    path = project.conf_dir / "datasets" / "planes.yaml"

    def set_max(limit: int):
        doc = yaml.safe_load(path.read_text())
        doc["rules"]["curated_to_exportable"] = [
            {"name": "seats_max", "rule": "between", "column": "seats", "max": limit}]
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return load_project(project.conf_dir)

    strict = set_max(300)
    planes = spark.createDataFrame([("N1", 4), ("N2", 400), ("N3", 900)],
                                   "tailnum string, seats int")
    passed, outcomes = gate_inputs(spark, strict, {"planes": planes}, run_id="x1")
    assert sorted(r["tailnum"] for r in passed["planes"].collect()) == ["N1"]
    finish(strict, outcomes)
    uri = strict.quarantine_uri("planes", "curated_to_exportable")
    assert sorted(read_delta(uri).to_pandas()["tailnum"]) == ["N2", "N3"]

    relaxed = set_max(500)
    result = replay(spark, relaxed, "planes", gate="curated_to_exportable")
    assert (result.rows_replayed, result.rows_fixed, result.rows_still_quarantined) == (2, 1, 1)
    assert result.curated_version is None                     # rows were never removed from curated
    left = read_delta(uri).to_pandas()
    assert left["tailnum"].tolist() == ["N3"] and left["_run_id"].tolist() == ["x1"]
    assert list(left["_failed_rules"][0]) == ["seats_max"]
