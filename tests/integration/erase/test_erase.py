"""``lakehouse erase`` end to end on both table backends: a subject leaves raw, curated and
the quarantine tables (checked with delta-rs), both exports are republished without it (read
with pyarrow), older export versions and unreferenced files are gone, the audit record
exists and holds no predicate; a dry run writes nothing; bad requests name the problem."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lakehouse.cli.main import cli
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from tests.integration.erase.project import SUBJECT, delta_ids, erasure_project, export_ids
from tests.spark.ml.churn import generate_customers

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]

ZONES = ("raw", "curated", "quarantine/raw_to_curated", "quarantine/curated_to_exportable")


@pytest.fixture(params=["portable", "native"])
def backend(request, spark) -> str:
    from lakehouse.spark.delta import delta_support

    if request.param == "native" and not delta_support(spark).available:
        pytest.skip(f"native backend: {delta_support(spark).reason}")
    return request.param


def _uris(project) -> dict[str, str]:
    return {"raw": project.table_uri("raw", "customers"),
            "curated": project.table_uri("curated", "customers"),
            "quarantine/raw_to_curated": project.quarantine_uri("customers", "raw_to_curated"),
            "quarantine/curated_to_exportable":
                project.quarantine_uri("customers", "curated_to_exportable")}


def _erase(project, *args: str):
    conf = str(project.conf_dir)
    return CliRunner().invoke(cli, ["erase", "--conf", conf, "--dataset", "customers", *args],
                              catch_exceptions=True)


def _log(uri: str) -> list[str]:
    return sorted(p.name for p in (local_path(uri) / "_delta_log").glob("*.json"))


def _audits(project) -> list[dict]:
    folder = local_path(project.runs_uri) / "erasure"
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))] if folder.exists() else []


def test_erase_removes_subject_everywhere(spark, tmp_path, backend):
    project = erasure_project(tmp_path, backend)
    run_pipeline(project, spark=spark)
    run_pipeline(project, stage="export", spark=spark)   # nothing changed: versions stay
    uris = _uris(project)
    assert delta_ids(uris["raw"]).count(SUBJECT) == 3
    assert delta_ids(uris["curated"]).count(SUBJECT) == 1
    assert SUBJECT in delta_ids(uris["quarantine/raw_to_curated"])
    assert "c00043" in delta_ids(uris["quarantine/curated_to_exportable"])
    assert SUBJECT in export_ids(project, "by_region") and SUBJECT in export_ids(project, "churn_ml")

    # dry run: counts per table, nothing written
    versions = {z: _log(u) for z, u in uris.items()}
    dry = _erase(project, "--where", f"customer_id = '{SUBJECT}'", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    counts = {t["zone"]: t["rows_matched"] for t in report["tables"]}
    assert counts["raw"] == 3 and counts["curated"] == 1
    assert counts["quarantine/raw_to_curated"] == 1
    assert report["dry_run"] and report["rows_removed"] == 0
    assert report["landing_files"] == ["customers/part-000.json", "customers/part-001.json"]
    assert {e["name"]: e["status"] for e in report["exports"]} == {
        "by_region": "would republish", "churn_ml": "would republish"}
    assert versions == {z: _log(u) for z, u in uris.items()}
    assert _audits(project) == []

    # the erasure
    done = _erase(project, "--where", f"customer_id = '{SUBJECT}'")
    assert done.exit_code == 0, done.output
    assert "removed 5 row(s)" in done.stdout
    assert "customers/part-001.json" in done.stdout      # landing files are reported
    for zone in ZONES:
        assert SUBJECT not in delta_ids(uris[zone]), zone
    assert SUBJECT not in export_ids(project, "by_region")
    assert SUBJECT not in export_ids(project, "churn_ml")
    assert len(delta_ids(uris["curated"])) == 399          # only the subject's row went
    for name in ("by_region", "churn_ml"):                 # only the new version is left
        folders = [p.name for p in (local_path(project.table_uri("exportable", name))).iterdir()
                   if p.is_dir()]
        assert len([f for f in folders if f.startswith("v")]) == 1, folders
    # vacuumed: no Parquet file of raw is unreferenced by the latest version
    from deltalake import DeltaTable

    raw_dir = local_path(uris["raw"])
    live = {f for f in DeltaTable(str(raw_dir)).file_uris()}
    on_disk = {str(p) for p in raw_dir.rglob("*.parquet") if "_delta_log" not in str(p)}
    assert {p.split("://")[-1] for p in live} >= {p for p in on_disk}

    [audit] = _audits(project)
    assert audit["dataset"] == "customers" and len(audit["predicate_sha256"]) == 64
    assert SUBJECT not in json.dumps(audit)
    removed = {t["zone"]: (t["rows_removed"], t["version_before"], t["version_after"])
               for t in audit["tables"]}
    assert removed["raw"][0] == 3 and removed["curated"][0] == 1
    assert removed["curated"][2] == removed["curated"][1] + 1
    # the Delta logs never hold the subject's key (deletes are by record hash)
    for zone in ZONES:
        last = sorted((local_path(uris[zone]) / "_delta_log").glob("*.json"))[-1]
        assert SUBJECT not in last.read_text()

    # the pipeline goes on: a new landing file is ingested and curated after the erasure
    (local_path(project.zone_uri("landing")) / "customers" / "part-002.json").write_text(
        json.dumps(generate_customers(1, start=9998)[0]) + "\n")
    summary = run_pipeline(project, spark=spark, raise_errors=False)
    assert summary.exit_code == 0, summary.render()
    assert "c09998" in delta_ids(uris["curated"]) and SUBJECT not in delta_ids(uris["curated"])

    # erase by a keys file: the subject held at the export gate leaves that quarantine
    keys = tmp_path / "subjects.txt"
    keys.write_text("c00043\nc00044\n")
    by_keys = _erase(project, "--keys", str(keys))
    assert by_keys.exit_code == 0, by_keys.output
    for zone in ZONES:
        assert not {"c00043", "c00044"} & set(delta_ids(uris[zone])), zone
    assert "c00044" not in export_ids(project, "by_region")
    assert len(_audits(project)) == 2


def test_erase_errors_name_the_problem(spark, tmp_path):
    project = erasure_project(tmp_path, "portable")
    run_pipeline(project, stage="ingest", spark=spark)
    unknown = _erase(project, "--where", "customer = 1 OR regoin = 'x'", "--dry-run")
    assert "customer" in str(unknown.exception) and "regoin" in str(unknown.exception)
    typo = CliRunner().invoke(cli, ["erase", "--conf", str(project.conf_dir), "--dataset",
                                    "customer", "--where", "age = 1"])
    assert "no dataset named 'customer'" in str(typo.exception)
    assert "did you mean 'customers'" in str(typo.exception)
    # raw holds rows curate has not seen: erasing them would break curate's next read
    pending = _erase(project, "--where", f"customer_id = '{SUBJECT}'")
    assert "run `lakehouse run --dataset customers --stage curate` first" in str(pending.exception)
    assert _audits(project) == []
