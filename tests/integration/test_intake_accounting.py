"""Issue 17: every landing line ends in raw or in quarantine, through the real runner.

Crafted files in tmp_path (malformed CSV rows, broken JSON lines, empty and header-only
files, null markers), checked with independent Delta readers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.integration]

MESSY_CSV = (
    'id,Species Name,Culmen Length (mm),Note\n'
    '1,Adelie,39.1,ok\n'                        # line 2: good
    '2,Gentoo,NA,"has, comma"\n'                # line 3: good, NA -> null
    '3,Chinstrap,46.5,x,EXTRA\n'                # line 4: too many fields
    '4,Adelie,40.3\n'                           # line 5: too few fields
    '5,"Gentoo,47.0,broken\n'                   # line 6: unterminated quote
    '6,Adelie,N/A,"say ""hi"""\n'               # line 7: good, doubled quotes
    '7,Adelie,abc,ok\n'                         # line 8: good at intake, fails the cast
    '8,,38.0,ok\n'                              # line 9: missing species (not null)
)
BROKEN_JSONL = '{"id": 1, "v": "a"}\n{"id": 2, "v": \n{"id": 3, "v": "null"}\n'


def _project(root: Path, datasets: dict[str, dict], **lake) -> object:
    conf = root / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    (conf / "lake.yaml").write_text(yaml.safe_dump(
        {"project": "intake", "lake": {"root": str(root / ".lake")}, **lake}))
    for name, doc in datasets.items():
        (conf / "datasets" / f"{name}.yaml").write_text(yaml.safe_dump({"name": name, **doc}))
    return load_project(conf)


PENGUINS = {
    "source": {"format": "csv", "path": "penguins", "pattern": "*.csv"},
    "schema": [{"name": "id", "type": "int", "nullable": False},
               {"name": "species_name", "type": "string", "nullable": False},
               {"name": "culmen_length_mm", "type": "double"},
               {"name": "note", "type": "string"}],
    "primary_key": ["id"],
}
EVENTS = {
    "source": {"format": "json", "path": "events", "pattern": "*.jsonl"},
    "schema": [{"name": "id", "type": "int", "nullable": False},
               {"name": "v", "type": "string", "null_values": []}],
    "primary_key": ["id"],
}


def _land(project, rel: str, text: str) -> Path:
    path = local_path(project.zone_uri("landing")) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _stage(summary, dataset: str, stage: str):
    return next(s for s in summary.stages if s.dataset == dataset and s.stage == stage)


def test_every_csv_and_json_line_is_in_raw_or_quarantine(tmp_path: Path, spark) -> None:
    project = _project(tmp_path, {"penguins": PENGUINS, "events": EVENTS})
    _land(project, "penguins/messy.csv", MESSY_CSV)
    _land(project, "events/a.jsonl", BROKEN_JSONL)
    summary = run_pipeline(project, spark=spark)
    assert summary.status == "succeeded", summary.render()
    assert summary.balanced

    lines = MESSY_CSV.count("\n") - 1                     # minus the header
    ingest = _stage(summary, "penguins", "ingest")
    assert (ingest.rows_read, ingest.rows_written, ingest.rows_quarantined) == (lines, 5, 3)
    raw = read_delta(project.table_uri("raw", "penguins")).to_pandas()
    assert sorted(raw["id"]) == ["1", "2", "6", "7", "8"]
    assert raw.loc[raw["id"] == "6", "note"].item() == 'say "hi"'
    q = read_delta(project.quarantine_uri("penguins", "landing_to_raw")).to_pandas()
    q = q.sort_values("_line")
    assert q["_line"].tolist() == [4, 5, 6]
    assert [list(r) for r in q["_failed_rules"]] == [
        ["malformed:too_many_fields"], ["malformed:too_few_fields"],
        ["malformed:unterminated_quote"]]
    assert q["_reason"].tolist() == [
        "penguins/messy.csv, line 4: 5 fields, the header has 4 (too many)",
        "penguins/messy.csv, line 5: 3 fields, the header has 4 (too few)",
        'penguins/messy.csv, line 6: unterminated quote ("): the value runs to the end of the line']
    assert q["_record"].tolist() == ["3,Chinstrap,46.5,x,EXTRA", "4,Adelie,40.3",
                                     '5,"Gentoo,47.0,broken']
    assert len(raw) + len(q) == lines                     # no line unaccounted for

    curate = _stage(summary, "penguins", "curate")
    assert (curate.rows_read, curate.rows_written, curate.rows_quarantined) == (5, 3, 2)
    curated = read_delta(project.table_uri("curated", "penguins")).to_pandas()
    assert sorted(curated["id"]) == [1, 2, 6]
    assert curated["culmen_length_mm"].isna().sum() == 2   # NA and N/A became null
    cq = read_delta(project.quarantine_uri("penguins", "raw_to_curated")).to_pandas()
    rules = {r["id"]: list(r["_failed_rules"]) for r in cq.to_dict("records")}
    assert rules == {"7": ["type_castable:culmen_length_mm"], "8": ["not_null:species_name"]}

    jingest = _stage(summary, "events", "ingest")
    assert (jingest.rows_read, jingest.rows_written, jingest.rows_quarantined) == (3, 2, 1)
    jq = read_delta(project.quarantine_uri("events", "landing_to_raw")).to_pandas()
    assert jq["_line"].tolist() == [2]
    assert jq["_failed_rules"].map(list).tolist() == [["malformed:invalid_json"]]
    assert jq["_reason"].item().startswith("events/a.jsonl, line 2: not valid JSON (")
    events = read_delta(project.table_uri("curated", "events")).to_pandas()
    assert sorted(events["v"]) == ["a", "null"]          # per-column null_values: [] keeps it

    _report_agrees_with_summary(project, summary)

    from lakehouse.catalog import catalog_for

    page = catalog_for(project).list_tables(project.database("quarantine"))
    names = {t.name for t in page.items}
    assert {"penguins_landing_to_raw", "events_landing_to_raw"} <= names


@pytest.mark.parametrize("policy", ["warn", "fail", "ignore"])
def test_empty_and_header_only_files_are_recorded(tmp_path: Path, spark, policy: str) -> None:
    doc = {**PENGUINS, "source": {**PENGUINS["source"], "empty_files": policy}}
    project = _project(tmp_path, {"penguins": doc})
    _land(project, "penguins/a.csv", "id,Species Name,Culmen Length (mm),Note\n1,Adelie,39.1,ok\n")
    _land(project, "penguins/empty.csv", "")
    _land(project, "penguins/header.csv", "id,Species Name,Culmen Length (mm),Note\n")
    summary = run_pipeline(project, spark=spark, raise_errors=False)
    ingest = _stage(summary, "penguins", "ingest")
    marks = local_path(project.runs_uri) / "bookmarks" / "penguins.json"
    if policy == "fail":   # each empty file is refused; the good one goes through
        assert (summary.status, summary.exit_code, ingest.status) == ("failed", 1, "succeeded")
        assert sorted(ingest.refused) == ["penguins/empty.csv", "penguins/header.csv"]
        assert ingest.refused["penguins/empty.csv"].startswith(
            "penguins/empty.csv: empty file (0 bytes); nothing of this file was ingested")
        assert ingest.refused["penguins/header.csv"].startswith(
            "penguins/header.csv: empty file (header only)")
        assert (ingest.rows_read, ingest.rows_written) == (1, 1)
        assert _stage(summary, "penguins", "curate").status == "succeeded"
        bookmark = json.loads(marks.read_text())
        assert list(bookmark["ingested"]) == ["penguins/a.csv"]
        assert sorted(bookmark["refused"]) == ["penguins/empty.csv", "penguins/header.csv"]
        _land(project, "penguins/empty.csv", "id,Species Name,Culmen Length (mm),Note\n"
                                             "2,Gentoo,40.0,ok\n")   # replaced: read again
        again = run_pipeline(project, spark=spark, raise_errors=False)
        retried = _stage(again, "penguins", "ingest")
        assert (retried.inputs, retried.rows_written) == (["penguins/empty.csv"], 1)
        assert any("penguins/header.csv (penguins/header.csv: empty file (header only)" in w
                   for w in retried.warnings), retried.warnings
        assert again.status == "succeeded", again.render()
        return
    bookmark = json.loads(marks.read_text())
    assert summary.status == "succeeded", summary.render()
    assert (ingest.rows_read, ingest.rows_written, ingest.rows_quarantined) == (1, 1, 0)
    assert ingest.details.empty_files == {"penguins/empty.csv": "0 bytes",
                                             "penguins/header.csv": "header only"}
    assert bookmark["ingested"]["penguins/empty.csv"]["empty"] == "0 bytes"
    assert bookmark["ingested"]["penguins/header.csv"]["empty"] == "header only"
    warned = [w for w in ingest.warnings if "empty file" in w]
    assert len(warned) == (1 if policy == "warn" else 0)
    if policy == "warn":
        assert "warning: 2 empty file(s): penguins/empty.csv (0 bytes), penguins/header.csv " \
               "(header only)" in summary.render()
    again = run_pipeline(project, spark=spark)             # not re-reported
    assert _stage(again, "penguins", "ingest").status == "skipped"
    assert not _stage(again, "penguins", "ingest").warnings


def test_one_blocked_dataset_among_three_does_not_stop_the_others(tmp_path: Path, spark,
                                                                 monkeypatch, capsys) -> None:
    import sys

    from lakehouse.cli.main import main

    blocked = {**PENGUINS, "source": {**PENGUINS["source"], "path": "b"},
               "rules": [{"name": "never_empty_note", "rule": "not_null", "column": "note",
                          "severity": "fail"}]}
    ok = {**PENGUINS, "source": {**PENGUINS["source"], "path": "a"}}
    ok_c = {**PENGUINS, "source": {**PENGUINS["source"], "path": "c"}}
    project = _project(tmp_path, {"alpha": ok, "beta": blocked, "gamma": ok_c})
    (project.conf_dir / "exports").mkdir()
    for name, inputs in (("from_alpha", ["alpha"]), ("from_beta", ["beta", "alpha"])):
        (project.conf_dir / "exports" / f"{name}.yaml").write_text(yaml.safe_dump(
            {"name": name, "inputs": inputs, "sql": f"SELECT * FROM {inputs[0]}"}))
    body = "id,Species Name,Culmen Length (mm),Note\n1,Adelie,39.1,ok\n2,Gentoo,40,\n"
    for folder in ("a", "b", "c"):
        _land(project, f"{folder}/x.csv", body)
    monkeypatch.setattr(sys, "argv", ["lakehouse", "run", "--conf", str(project.conf_dir)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 3                     # only a quality gate blocked
    out = capsys.readouterr()
    table = [line.split() for line in out.out.splitlines()]
    outcomes = {(r[0], r[1]): r[2] for r in table if len(r) > 2 and r[1] in
                ("ingest", "curate", "export")}
    assert outcomes == {
        ("alpha", "ingest"): "succeeded", ("beta", "ingest"): "succeeded",
        ("gamma", "ingest"): "succeeded", ("alpha", "curate"): "succeeded",
        ("beta", "curate"): "blocked", ("gamma", "curate"): "succeeded",
        ("from_alpha", "export"): "succeeded", ("from_beta", "export"): "skipped"}
    assert "beta curate blocked" in out.err
    from lakehouse.testing.delta import read_delta as rd
    assert len(rd(project.table_uri("curated", "alpha")).to_pandas()) == 2
    assert len(rd(project.table_uri("curated", "gamma")).to_pandas()) == 2

    # the same run as a Glue/EMR job: the blocked gate ends the job in an exception whose
    # name the Step Functions classifier (*QualityGate*) matches, after the summary is printed
    from lakehouse.runtimes.cluster.entry import QualityGateBlocked, run_job

    with pytest.raises(QualityGateBlocked, match="QualityGateBlocked: a quality gate blocked"):
        run_job(["run_pipeline.py", "--conf", str(project.conf_dir), "--runtime", "local",
                 "--dataset", "beta"])
    job = capsys.readouterr()
    summary_line = next(line for line in job.out.splitlines() if line.startswith("summary: "))
    assert json.loads(summary_line.removeprefix("summary: "))["status"] == "blocked"
    assert "ended blocked" in job.err and "never_empty_note" in job.err


def _report_agrees_with_summary(project, summary) -> None:
    """`lakehouse quality report` reads the same counts as the run summary, conform included."""
    from click.testing import CliRunner

    from lakehouse.cli.main import cli

    out = CliRunner().invoke(cli, ["quality", "report", "--conf", str(project.conf_dir),
                                   "--dataset", "penguins", "--json"])
    assert out.exit_code == 0, out.output
    latest = {r["gate"]: r for r in json.loads(out.output)["latest"]}
    ingest, curate = _stage(summary, "penguins", "ingest"), _stage(summary, "penguins", "curate")
    assert latest.keys() == {"landing_to_raw", "raw_to_curated"}
    assert (latest["landing_to_raw"]["rows_in"], latest["landing_to_raw"]["rows_quarantined"]) \
        == (ingest.rows_read, ingest.rows_quarantined) == (8, 3)
    assert {n: r["failing"] for n, r in latest["landing_to_raw"]["rules"].items()} == {
        "malformed:too_many_fields": 1, "malformed:too_few_fields": 1,
        "malformed:unterminated_quote": 1}
    gate = latest["raw_to_curated"]
    assert (gate["rows_in"], gate["rows_quarantined"]) == \
        (curate.rows_read, curate.rows_quarantined) == (5, 2)
    failing = {n: r["failing"] for n, r in gate["rules"].items() if r["status"] == "failed"}
    assert failing == {"type_castable:culmen_length_mm": 1, "not_null:species_name": 1}
    text = CliRunner().invoke(cli, ["quality", "report", "--conf", str(project.conf_dir),
                                    "--dataset", "penguins"]).output
    assert "penguins / raw_to_curated: passed" in text and "5 in, 3 passed, 2 quarantined" in text
    assert "type_castable:culmen_length_mm" in text


def test_a_file_changed_between_the_count_and_the_append_is_reported(tmp_path: Path, spark,
                                                                     monkeypatch) -> None:
    """Ingest counts the files, then appends them in a second scan. A producer writing to a
    file in between cannot go unnoticed: the stage warns and its accounting does not balance."""
    from lakehouse.stages import ingest_checks

    project = _project(tmp_path, {"penguins": PENGUINS})
    path = _land(project, "penguins/a.csv", "id,Species Name,Culmen Length (mm),Note\n1,A,1.0,x\n")
    real = ingest_checks.changed_files

    def then_appended(*args, **kwargs):
        changed = real(*args, **kwargs)
        with open(path, "a") as handle:
            handle.write("2,B,2.0,y\n")
        return changed

    monkeypatch.setattr(ingest_checks, "changed_files", then_appended)
    summary = run_pipeline(project, stage="ingest", spark=spark)
    ingest = _stage(summary, "penguins", "ingest")
    assert (ingest.rows_read, ingest.rows_written) == (1, 2)
    assert not summary.balanced
    assert any("changed while it was ingested" in w for w in ingest.warnings), ingest.warnings
