"""Incremental exports (``incremental: by_partition``) equal a full recompute.

Each project holds the same SQL twice: ``by_day`` (incremental) and ``by_day_full`` (the
default, recomputed in full). Random change batches (new keys, corrections moving a key to
another day, a changed dimension) land and run through the pipeline driver; after every run
the two exports' current versions must hold the same rows, read back with pyarrow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as pads
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.catalog.factory import catalog_for
from lakehouse.config import load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.project import write_file, write_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
EVENTS = {"name": "events", "source": {"format": "csv", "path": "events",
                                       "options": {"header": True}},
          "schema": [{"name": "id", "type": "int"}, {"name": "day", "type": "date"},
                     {"name": "amount", "type": "int"}],
          "primary_key": ["id"], "dedup_order": ["_ingested_at", "_source_file"],
          "partition_by": ["day"]}
LABELS = {"name": "labels", "source": {"format": "csv", "path": "labels",
                                       "options": {"header": True}},
          "schema": [{"name": "code", "type": "int"}, {"name": "label", "type": "string"}],
          "primary_key": ["code"], "dedup_order": ["_ingested_at", "_source_file"]}
SQL = ("SELECT e.day, e.id, e.amount, l.label FROM events e "
       "LEFT JOIN labels l ON l.code = e.amount % 3")


def _project(root: Path):
    export = {"inputs": ["events", "labels"], "sql": SQL, "partition_by": ["day"]}
    conf = write_project(root, lake={"reports": {"enabled": False}},
                         datasets={"events": EVENTS, "labels": LABELS},
                         exports={"by_day": {"name": "by_day", **export,
                                             "incremental": "by_partition"},
                                  "by_day_full": {"name": "by_day_full", **export}},
                         landing={"events/events_000.csv": _csv(
                             "id,day,amount", [(i, DAYS[i % 3], i) for i in range(12)]),
                             "labels/labels_000.csv": "code,label\n0,zero\n1,one\n2,two\n"})
    return load_project(conf)


def _csv(header: str, rows) -> str:
    return header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows)


def _rows(project, name: str) -> list[tuple]:
    root = local_path(project.table_uri("exportable", name))
    manifest = json.loads((root / "_manifest.json").read_text())
    table = pads.dataset(local_path(manifest["location"]), format="parquet",
                         partitioning="hive").to_table()
    return sorted(zip(*[[str(v) for v in table.column(c).to_pylist()]
                        for c in ("day", "id", "amount", "label")], strict=True))


def _manifest(project, name: str) -> dict:
    root = local_path(project.table_uri("exportable", name))
    return json.loads((root / "_manifest.json").read_text())


def _export(summary, name: str):
    return next(s for s in summary.stages if s.stage == "export" and s.dataset == name)


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    """One project for every example: the lake grows, each example is the next batch."""
    project = _project(tmp_path_factory.mktemp("incr"))
    first = run_pipeline(project, spark=spark)
    assert _export(first, "by_day").details.mode == "full"
    assert "first version" in _export(first, "by_day").details.mode_reason
    assert _rows(project, "by_day") == _rows(project, "by_day_full")
    return project, iter(range(1, 1000))


batch = st.tuples(
    st.dictionaries(st.integers(0, 20), st.tuples(st.sampled_from(DAYS), st.integers(0, 99)),
                    min_size=1, max_size=6),
    st.sampled_from([False, False, True]))   # relabel: a dimension changes too


@settings(max_examples=3, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(change=batch)
def test_incremental_export_equals_a_full_recompute(spark, lake, change) -> None:
    project, numbers = lake
    events, relabel = change
    n = next(numbers)
    landing = local_path(project.zone_uri("landing"))
    write_file(landing / "events" / f"events_{n:03d}.csv",
               _csv("id,day,amount", [(i, d, a) for i, (d, a) in sorted(events.items())]))
    if relabel:
        write_file(landing / "labels" / f"labels_{n:03d}.csv", f"code,label\n{n % 3},x{n}\n")
    summary = run_pipeline(project, spark=spark)
    assert summary.status == "succeeded", summary.render()
    rows = _rows(project, "by_day")
    assert rows == _rows(project, "by_day_full")
    # the manifest's count (previous count - replaced files + new files) and the partitions
    # registered in the catalog match what the version holds
    assert _manifest(project, "by_day")["rows"] == len(rows)
    registered = catalog_for(project).get_partitions(project.database("exportable"), "by_day",
                                                     max_results=1000).items
    assert sorted(p.values[0] for p in registered) == sorted({r[0] for r in rows})
    export = _export(summary, "by_day")
    assert export.status == "succeeded", export.message
    details = export.details
    assert details.mode == ("full" if relabel else "incremental"), details.mode_reason
    if relabel:
        assert "labels changed" in details.mode_reason
    else:
        assert len({d for d, _ in events.values()}) <= details.partitions_rewritten <= len(DAYS)


def test_partition_by_must_come_from_an_input_partition_column(spark, tmp_path) -> None:
    root = tmp_path / "p"
    conf = write_project(root, lake={"reports": {"enabled": False}},
                         datasets={"events": EVENTS},
                         exports={"by_amount": {
                             "name": "by_amount", "inputs": ["events"],
                             "sql": "SELECT id, amount % 2 AS parity FROM events",
                             "partition_by": ["parity"], "incremental": "by_partition"}},
                         landing={"events/e.csv": "id,day,amount\n1,2024-01-01,3\n"})
    summary = run_pipeline(load_project(conf), spark=spark, raise_errors=False)
    export = _export(summary, "by_amount")
    assert export.status == "failed"
    assert "exports/by_amount.yaml" in export.error
    assert "parity" in export.error and "not an input column passed through" in export.error


def test_the_export_gate_of_an_incremental_run_reads_only_the_changed_partitions(
        spark, tmp_path) -> None:
    """Its rules are partition-local (a row rule, uniqueness of columns holding the partition
    column, row_count checked against the Delta log's count): the gate evaluates the changed
    partitions only, finds a duplicate there as a full gate would, and blocks; a rule added
    later makes the next run gate every row again."""
    import yaml

    gated = {**EVENTS, "schema": [*EVENTS["schema"], {"name": "ref", "type": "int"}],
             "rules": {"curated_to_exportable": [
                 {"name": "ref_day_unique", "rule": "compound_unique", "columns": ["ref", "day"],
                  "severity": "fail"},
                 {"name": "amount_small", "rule": "between", "column": "amount", "min": 0,
                  "max": 99, "severity": "warn"},
                 {"name": "not_empty", "rule": "row_count", "min": 1, "severity": "fail"}]}}
    export = {"inputs": ["events"], "partition_by": ["day"], "incremental": "by_partition",
              "sql": "SELECT day, id, amount, ref FROM events"}
    conf = write_project(tmp_path / "p", lake={"reports": {"enabled": False}},
                         datasets={"events": gated}, exports={"by_day": {"name": "by_day", **export}},
                         landing={"events/e_000.csv": _csv("id,day,amount,ref", [
                             (i, DAYS[i % 3], i, i) for i in range(12)])})
    project = load_project(conf)
    first = _export(run_pipeline(project, spark=spark), "by_day")
    assert first.details.gates[0].rows_in == 12
    landing = local_path(project.zone_uri("landing"))

    write_file(landing / "events" / "e_001.csv",
               _csv("id,day,amount,ref", [(20, DAYS[1], 500, 20), (21, DAYS[1], 5, 21)]))
    second = _export(run_pipeline(project, spark=spark), "by_day")
    assert second.details.mode == "incremental", second.details.mode_reason
    gate = second.details.gates[0]
    assert gate.rows_in == 4 + 2          # the rows of the changed day only
    results = {r.name: r for r in gate.results}
    assert results["not_empty"].observed["row_count"] == 14   # the whole table, from the log
    assert results["amount_small"].failing == 1
    root = local_path(project.table_uri("exportable", "by_day"))
    manifest = json.loads((root / "_manifest.json").read_text())
    assert manifest["gate_scope"] == "changed partitions" and manifest["version"] == 2

    # ref 1 on DAYS[1] exists (id 1): a duplicate (ref, day) in a changed partition blocks
    write_file(landing / "events" / "e_002.csv", _csv("id,day,amount,ref", [(30, DAYS[1], 1, 1)]))
    third = run_pipeline(project, spark=spark, raise_errors=False)
    assert _export(third, "by_day").status == "blocked"
    assert json.loads((root / "_manifest.json").read_text())["version"] == 2

    # a rule added since the last version must see every row: the gate reads them all
    contract = conf / "datasets" / "events.yaml"
    doc = yaml.safe_load(contract.read_text())
    doc["rules"]["curated_to_exportable"] = [
        r for r in doc["rules"]["curated_to_exportable"] if r["name"] != "ref_day_unique"]
    doc["rules"]["curated_to_exportable"].append(
        {"name": "id_positive", "rule": "expression", "expr": "id >= 0", "severity": "fail"})
    contract.write_text(yaml.safe_dump(doc))
    fourth = _export(run_pipeline(load_project(conf), spark=spark), "by_day")
    assert fourth.status == "succeeded" and fourth.details.mode == "incremental"
    assert fourth.details.gates[0].rows_in == 15
    assert json.loads((root / "_manifest.json").read_text())["gate_scope"] == "all rows"
