"""When an incremental export's gate may read the changed partitions only (Spark-free)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.stages.export_gate_scope import fingerprints, scope, table_rows
from lakehouse.storage.uri import local_path
from lakehouse.testing.project import write_project

EVENTS = {"name": "events", "source": {"format": "csv", "path": "events"},
          "schema": [{"name": "id", "type": "int"}, {"name": "ref", "type": "int"},
                     {"name": "day", "type": "date"}, {"name": "amount", "type": "int"}],
          "primary_key": ["id"], "partition_by": ["day"]}
LOCAL = [{"name": "ref_day_unique", "rule": "compound_unique", "columns": ["ref", "day"]},
         {"name": "small", "rule": "between", "column": "amount", "min": 0, "max": 9,
          "severity": "warn"}]


def _project(tmp_path: Path, rules: list[dict]):
    doc = {**EVENTS, "rules": {"curated_to_exportable": rules}}
    conf = write_project(tmp_path, datasets={"events": doc, "labels": {
        **EVENTS, "name": "labels", "partition_by": [],
        "source": {"format": "csv", "path": "labels"}}},
        exports={"x": {"name": "x", "inputs": ["events"], "partition_by": ["day"],
                       "incremental": "by_partition", "sql": "SELECT * FROM events"}})
    project = load_project(conf)
    return project, project.exports["x"]


def test_partition_local_rules_and_the_same_rules_as_before_scope_the_gate(tmp_path) -> None:
    project, spec = _project(tmp_path, LOCAL)
    previous = {"gate_rules": fingerprints(project, spec)}
    found, why = scope(project, spec, driving="events", version=0, previous=previous)
    assert found is not None and found.total_rows is None, why   # no row_count: no count read
    assert "changed partitions of events" in why


@pytest.mark.parametrize(("rule", "reason"), [
    ({"name": "u", "rule": "unique", "column": "ref"}, "do not determine the partition"),
    ({"name": "t", "rule": "between", "column": "amount", "min": 0, "max": 9,
      "severity": "fail", "threshold": {"max_ratio": 0.1}}, "threshold over all rows"),
    ({"name": "r", "rule": "references", "column": "ref", "dataset": "labels",
      "ref_column": "id", "severity": "warn"}, "checks another table"),
    ({"name": "d", "rule": "drift", "column": "amount", "metrics": ["mean"], "tolerance": 1.0},
     "evaluated over all rows"),
])
def test_a_rule_that_needs_every_row_gates_every_row(tmp_path, rule, reason) -> None:
    project, spec = _project(tmp_path, [*LOCAL, rule])
    previous = {"gate_rules": fingerprints(project, spec)}
    found, why = scope(project, spec, driving="events", version=0, previous=previous)
    assert found is None and reason in why and repr(rule["name"]) in why


def test_rules_changed_since_the_previous_version_gate_every_row(tmp_path) -> None:
    project, spec = _project(tmp_path, LOCAL)
    before, _ = _project(tmp_path / "b", LOCAL[:1])
    for previous in ({"gate_rules": fingerprints(before, spec)}, {}, None):
        found, why = scope(project, spec, driving="events", version=0, previous=previous)
        assert found is None and "other rules" in why


def test_row_count_reads_the_total_from_the_log_statistics(tmp_path) -> None:
    project, spec = _project(tmp_path, [*LOCAL, {"name": "n", "rule": "row_count", "min": 1}])
    uri = project.table_uri("curated", "events")
    log = local_path(uri) / "_delta_log"
    log.mkdir(parents=True)
    meta = {"metaData": {"id": "1", "format": {"provider": "parquet", "options": {}},
                         "schemaString": json.dumps({"type": "struct", "fields": [
                             {"name": "id", "type": "integer", "nullable": True, "metadata": {}},
                             {"name": "day", "type": "date", "nullable": True, "metadata": {}}]}),
                         "partitionColumns": ["day"], "configuration": {}, "createdTime": 0}}
    proto = {"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}}

    def add(name: str, rows: int | None) -> dict:
        stats = {"stats": json.dumps({"numRecords": rows})} if rows is not None else {}
        return {"add": {"path": f"day=2024-01-01/{name}.parquet", "size": 1, "modificationTime": 0,
                        "dataChange": True, "partitionValues": {"day": "2024-01-01"}, **stats}}

    (log / f"{0:020d}.json").write_text("\n".join(json.dumps(a) for a in (
        proto, meta, add("a", 3), add("b", 4))) + "\n")
    (log / f"{1:020d}.json").write_text(json.dumps(add("c", None)) + "\n")
    previous = {"gate_rules": fingerprints(project, spec)}
    assert table_rows(uri, 0) == 7
    found, _ = scope(project, spec, driving="events", version=0, previous=previous)
    assert found is not None and found.total_rows == 7
    assert table_rows(uri, 1) is None       # a file without statistics: no count from the log
    found, why = scope(project, spec, driving="events", version=1, previous=previous)
    assert found is None and "no row count statistics" in why
