"""Gates within a run: results recorded once per run and gate (read back with delta-rs)."""

from __future__ import annotations

from collections import Counter

import pytest

from lakehouse.faults import FAULT_ENV, MODE_ENV, SimulatedCrash, reset_hits
from lakehouse.quality.store import results_uri
from lakehouse.runner import run_pipeline
from lakehouse.testing.delta import read_delta
from lakehouse.testing.runs import FARES, TRIPS, deliver, tiny_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]


def _backend(backend: str, spark) -> str:
    from lakehouse.spark.delta import delta_support

    if backend == "native" and not delta_support(spark).available:
        pytest.skip(f"native Delta: {delta_support(spark).reason}")
    return backend


def _recorded(project, run_id: str, gate: str) -> Counter:
    rows = read_delta(results_uri(project), columns=["run_id", "dataset", "gate", "rule"]).to_pylist()
    return Counter(r["rule"] for r in rows if (r["run_id"], r["gate"]) == (run_id, gate))


@pytest.mark.parametrize("backend", ["portable", "native"])
def test_a_gate_evaluated_again_in_a_run_is_recorded_once(backend, tmp_path, spark,
                                                          monkeypatch) -> None:
    trips = {**TRIPS, "rules": {
        "raw_to_curated": [{"name": "fare_set", "rule": "not_null", "column": "fare"}],
        "curated_to_exportable": [{"name": "fare_low", "rule": "between", "column": "fare",
                                   "max": 100, "severity": "warn"}]}}
    project = tiny_project(tmp_path, _backend(backend, spark), trips=trips,
                           exports={"fares": FARES, "fares_too": {**FARES, "name": "fares_too"}})
    deliver(project, "trips", "1.csv", "id,fare", [(1, 10), (2, None), (3, 300)])
    run_pipeline(project, stage="ingest", spark=spark, workers=1)
    # the run dies after its gate was recorded, before the bookmark says raw is curated; it is
    # run again under the same id (``lakehouse run --run-id``, a Glue retry), which
    # evaluates the gate again
    monkeypatch.setenv(FAULT_ENV, "curate.bookmark.save")
    monkeypatch.setenv(MODE_ENV, "raise")
    reset_hits()
    with pytest.raises(SimulatedCrash):
        run_pipeline(project, stage="curate", spark=spark, run_id="run-1", workers=1)
    assert _recorded(project, "run-1", "raw_to_curated") == {"fare_set": 1, "__gate__": 1}
    monkeypatch.delenv(FAULT_ENV)
    again = run_pipeline(project, stage="curate", spark=spark, run_id="run-1", workers=1)
    assert again.status == "succeeded" and again.stages[0].rows_quarantined == 1
    assert _recorded(project, "run-1", "raw_to_curated") == {"fare_set": 1, "__gate__": 1}
    rows = read_delta(results_uri(project)).to_pylist()
    gate_row = next(r for r in rows if r["rule"] == "__gate__" and r["run_id"] == "run-1")
    assert (gate_row["rows_evaluated"], gate_row["rows_quarantined"]) == (3, 1)
    # two exports of trips evaluate its curated_to_exportable gate in one run: one record
    both = run_pipeline(project, stage="export", spark=spark, run_id="run-2")
    assert [s.status for s in both.stages] == ["succeeded", "succeeded"]
    assert _recorded(project, "run-2", "curated_to_exportable") == {"fare_low": 1, "__gate__": 1}
    warned = next(r for r in read_delta(results_uri(project)).to_pylist()
                  if (r["run_id"], r["rule"]) == ("run-2", "fare_low"))
    assert warned["failing"] == 1 and warned["status"] == "failed"
