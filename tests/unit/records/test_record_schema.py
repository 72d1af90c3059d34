"""The run record is typed and versioned: the published JSON Schema is the generated one, records
validate against it, typed details round-trip to the same JSON, and a record written before
``schema_version`` existed (the fixture is one the previous code wrote, in ``make demo``)
still reads, as version 1 (no Spark)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import ValidationError

from lakehouse.errors import SourceError
from lakehouse.quality.results import RuleResult, blocked_error
from lakehouse.records.details import (
    CurateDetails,
    ExportDetails,
    GateDetails,
    IngestDetails,
    IngestedFile,
    MlExportDetails,
    RuleRecord,
    StageDetails,
)
from lakehouse.records.history import list_runs, load_run, render_run, write_run
from lakehouse.records.schema import PUBLISHED, record_schema, render, validate_record
from lakehouse.records.summary import SCHEMA_VERSION, RunSummary, StageResult

REPO = Path(__file__).resolve().parents[3]
OLD_RECORD = Path(__file__).with_name("data") / "run-record-before-schema-version.json"


def _gate(blocked: bool = False) -> GateDetails:
    return GateDetails(dataset="birds", gate="raw_to_curated", blocked=blocked, rows_in=10,
                       rows_quarantined=2, rows_passed=8, run_id="R1", warnings={"w": 1},
                       results=[RuleRecord(name="wing_range", rule="between", severity="quarantine",
                                           level="row", total=10, failing=2, status="failed",
                                           failing_ratio=0.2, passed=False, blocking=False)])


def every_kind() -> RunSummary:
    """A run with each kind of details, as the stages and the driver build them."""
    summary = RunSummary("20260101T000000Z-0000abcd", "local", "all", ["birds"])
    summary.add(StageResult("birds", "ingest", "succeeded", 12, 10, 2, details=IngestDetails(
        files={"birds/a.csv": IngestedFile(rows=12, malformed=2)}, refused=["birds/b.csv"],
        empty_files={"birds/c.csv": "0 bytes"}), refused={"birds/b.csv": "not UTF-8"}))
    summary.add(StageResult("birds", "curate", "succeeded", 10, 7, 2, 1, details=CurateDetails(
        inserted=5, updated=2, failed_rules={"wing_range": 2}, warnings={"w": 1},
        column_stats={"wing": {"null_ratio": 0.1, "mean": None}}, gates=[_gate()],
        spark_jobs=[{"job_id": 3, "tasks": 1}], spark_job_count=1)))
    summary.add(StageResult("birds_out", "export", "succeeded", 7, 7, details=ExportDetails(
        location="file:///x/v00001", partitions=0, columns=[("wing", "double")],
        column_lineage=None, gates=[])))
    summary.add(StageResult("birds_ml", "export", "succeeded", 7, 7, details=MlExportDetails(
        location="file:///x/v00001", splits={"train": 5, "test": 2}, files=4)))
    summary.add(StageResult("birds", "export", "skipped", message="not run"))
    rule = RuleResult(name="label_present", rule="label", severity="fail", level="dataset",
                      total=3, failing=1, status="failed", blocking=True, description="null label",
                      samples=[{"id": 1}])
    summary.add(StageResult.from_error("birds_ml2", "export", blocked_error(
        [rule], dataset="birds_ml2", gate="ml_export", run_id="R1")))
    summary.add(StageResult.from_error("birds2", "ingest", SourceError("bad", dataset="birds2")))
    summary.finish("failed", "see above")
    return summary


def test_the_published_schema_is_the_generated_one() -> None:
    published = REPO / PUBLISHED
    assert published.read_text() == render(), (
        f"regenerate: python -m lakehouse.records.schema > {PUBLISHED}")
    schema = json.loads(published.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION == 1


def test_every_kind_of_details_validates_and_round_trips_to_the_same_json() -> None:
    summary = every_kind()
    data = json.loads(summary.to_json())
    assert data["schema_version"] == 1
    validate_record(data)
    back = RunSummary.from_json(summary.to_json())
    assert json.loads(back.to_json()) == data
    kinds = [type(s.details).__name__ for s in back.stages]
    assert kinds == ["IngestDetails", "CurateDetails", "ExportDetails", "MlExportDetails",
                     "StageDetails", "StageDetails", "StageDetails"]
    stages = data["stages"]
    assert stages[0]["details"]["files"] == {"birds/a.csv": {"rows": 12, "malformed": 2}}
    assert stages[4]["details"] == {} and stages[6]["details"] == {}   # nothing happened
    assert "spark_jobs" not in stages[0]["details"] and stages[1]["details"]["spark_job_count"] == 1
    blocked = stages[5]["details"]["gates"][0]
    assert (blocked["blocked"], blocked["results"][0]["samples"]) == (True, [{"id": 1}])
    assert "samples" not in stages[1]["details"]["gates"][0]["results"][0]


@pytest.mark.parametrize(("path", "value"), [
    (("stages", 1, "details", "inserted"), "five"),         # wrong type
    (("stages", 1, "details", "merged"), 3),                # a key no details declares
    (("stages", 0, "status"), "done"),                      # not a status
    (("schema_version",), 2),                               # not this version
    (("stages", 1, "details", "gates", 0, "results", 0, "level"), None),
])
def test_a_record_that_breaks_the_schema_is_refused(path, value) -> None:
    data = json.loads(every_kind().to_json())
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        validate_record(data)


def test_the_writer_validates_when_asked(tmp_path, monkeypatch) -> None:
    summary = every_kind()
    summary.stages[1].details.inserted = "five"  # type: ignore[assignment]  # a stage's bug
    monkeypatch.setenv("LAKEHOUSE_VALIDATE_RECORDS", "1")
    with pytest.raises(ValidationError, match="five"):
        write_run(tmp_path.as_uri(), summary)
    assert not list(tmp_path.rglob("*.json"))          # nothing written
    monkeypatch.setenv("LAKEHOUSE_VALIDATE_RECORDS", "0")
    assert write_run(tmp_path.as_uri(), summary).endswith(f"runs/{summary.run_id}.json")


def test_a_record_written_before_schema_version_reads_as_version_1(tmp_path) -> None:
    old = json.loads(OLD_RECORD.read_text())
    assert "schema_version" not in old
    validate_record(old)                     # the schema describes the records already written
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / f"{old['run_id']}.json").write_text(json.dumps(old))
    record = load_run(tmp_path.as_uri(), "latest")
    assert record.schema_version == 1 and record.run_id == old["run_id"]
    # the same JSON comes back, with the version added: no key lost, renamed or retyped
    assert json.loads(record.to_json()) == {**old, "schema_version": 1}
    curate = next(s for s in record.stages if s.stage == "curate")
    assert isinstance(curate.details, CurateDetails) and curate.details.gates
    assert "quality gates:" in render_run(record)


def test_a_newer_record_is_skipped_with_its_reason(tmp_path, caplog) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    data = json.loads(every_kind().to_json())
    (runs / "20260101T000000Z-0000abcd.json").write_text(json.dumps({**data, "schema_version": 2}))
    assert list_runs(tmp_path.as_uri()) == []
    assert "schema_version 2" in caplog.text and "upgrade lakehouse" in caplog.text


def test_details_default_to_the_common_kind() -> None:
    assert StageResult("d", "curate").details == StageDetails()
    assert record_schema()["$defs"]["StageDetails"]["additionalProperties"] is False
