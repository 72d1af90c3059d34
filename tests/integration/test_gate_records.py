"""Gates within a run: results recorded once per run and gate; reference tables read once.

Both read what the run left behind independently: the results table with delta-rs, and the
table scans from Spark's own SQL status store (the executions the UI lists, with their
physical plans), so neither relies on a counter of our own.
"""

from __future__ import annotations

from collections import Counter

import pytest

from lakehouse.failpoints import FAULT_ENV, MODE_ENV, SimulatedCrash, reset_hits
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.quality.store import results_uri
from lakehouse.testing.delta import read_delta
from lakehouse.testing.runs import FARES, TRIPS, deliver, tiny_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]


def _recorded(project, run_id: str, gate: str) -> Counter:
    rows = read_delta(results_uri(project), columns=["run_id", "dataset", "gate", "rule"]).to_pylist()
    return Counter(r["rule"] for r in rows if (r["run_id"], r["gate"]) == (run_id, gate))


def test_a_gate_evaluated_again_in_a_run_is_recorded_once(tmp_path, spark, monkeypatch) -> None:
    # the replacement is the table layer's MERGE, which the conformance suite proves on both
    # backends: one backend here
    trips = {**TRIPS, "rules": {
        "raw_to_curated": [{"name": "fare_set", "rule": "not_null", "column": "fare"}],
        "curated_to_exportable": [{"name": "fare_low", "rule": "between", "column": "fare",
                                   "max": 100, "severity": "warn"}]}}
    project = tiny_project(tmp_path, "portable", trips=trips,
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


def _table_scans(spark, table_folder: str, after: int) -> list[str]:
    """Descriptions of the SQL executions after id ``after`` that read data files of
    ``table_folder`` (log reads under ``_delta_log`` are not counted)."""
    sc = spark.sparkContext._jsc.sc()
    sc.listenerBus().waitUntilEmpty()  # every finished execution is in the store
    executions = spark._jsparkSession.sharedState().statusStore().executionsList()
    found = []
    for i in range(executions.size()):
        execution = executions.apply(i)
        if execution.executionId() <= after:
            continue
        locations = [line for line in execution.physicalPlanDescription().splitlines()
                     if "Location:" in line and table_folder in line and "_delta_log" not in line]
        if locations:
            found.append(str(execution.description()))
    return found


def _last_execution(spark) -> int:
    executions = spark._jsparkSession.sharedState().statusStore().executionsList()
    return max((executions.apply(i).executionId() for i in range(executions.size())), default=-1)


def test_a_reference_table_is_read_once_per_run(tmp_path, spark, monkeypatch) -> None:
    # which gates read the keys is the runner's and the gate's doing, the same on both
    # backends (the read itself is the backend's ``read(version=)``): one backend here
    known = {"rule": "references", "dataset": "airports", "ref_column": "faa", "severity": "warn"}
    trips = {**TRIPS, "schema": [*TRIPS["schema"], {"name": "origin", "type": "string"},
                                 {"name": "dest", "type": "string"}],
             "rules": {"raw_to_curated": [{**known, "name": "origin_known", "column": "origin"},
                                          {**known, "name": "dest_known", "column": "dest"}],
                       "curated_to_exportable": [{**known, "name": "dest_still_known",
                                                  "column": "dest"}]}}
    airports = {"name": "airports", "schema": [{"name": "faa", "type": "string"}],
                "source": {"format": "csv", "path": "airports", "options": {"header": True}},
                "primary_key": ["faa"]}
    visits = {"name": "visits", "schema": [{"name": "id", "type": "int"},
                                           {"name": "airport", "type": "string"}],
              "source": {"format": "csv", "path": "visits", "options": {"header": True}},
              "primary_key": ["id"],
              "rules": {"raw_to_curated": [{**known, "name": "airport_known", "column": "airport",
                                            "severity": "quarantine"}]}}
    project = tiny_project(tmp_path, "portable", trips=trips,
                           datasets={"airports": airports, "visits": visits})
    deliver(project, "airports", "a.csv", "faa", [("JFK",), ("LGA",), ("EWR",)])
    deliver(project, "trips", "1.csv", "id,fare,origin,dest",
            [(1, 10, "JFK", "LAX"), (2, 20, "LGA", "EWR")])
    deliver(project, "visits", "1.csv", "id,airport", [(1, "JFK"), (2, "XXX")])
    monkeypatch.delenv("LAKEHOUSE_WORKERS", raising=False)
    before = _last_execution(spark)
    summary = run_pipeline(project, stage="all", spark=spark)
    assert summary.status == "succeeded", summary.render()
    assert (summary.workers, summary.notes) == (2, [])     # a 2 GiB driver keeps the default
    curated_airports = project.table_uri("curated", "airports").split("://", 1)[-1]
    reads = [d for d in _table_scans(spark, curated_airports, before)
             if not d.endswith(" airports")]             # not airports' own ingest/curate
    # three gates (trips, visits, the export of trips), four rules: one read
    assert len(reads) == 1 and reads[0].startswith("lakehouse: reference keys airports.faa@"), reads
    gates = {(g.dataset, g.gate): {r.name: r for r in g.results}
             for s in summary.stages for g in (s.details.gates or [])}
    version = int(reads[0].rsplit("@", 1)[1])
    assert gates["trips", "raw_to_curated"]["dest_known"].failing == 1          # LAX
    assert gates["trips", "raw_to_curated"]["origin_known"].failing == 0
    assert gates["trips", "curated_to_exportable"]["dest_still_known"].failing == 1
    assert gates["visits", "raw_to_curated"]["airport_known"].failing == 1       # XXX
    for results in gates.values():
        for result in results.values():
            if result.rule == "references":
                assert result.observed["reference_version"] == version
