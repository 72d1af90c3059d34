"""Issue 14: the catalogue of bad landing files, through the real runner, in three runs.

Every case ends in raw (accepted), in a quarantine table with a reason, or in a refusal of
the file: named with the reason and a hint, recorded in the run record and the bookmark,
left in landing (read again once it or the contract changes), while the rest of its batch
is ingested (issue 31). Row accounting is asserted in every case. docs/bad-inputs.md lists
the cases and their outcomes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import yaml

from lakehouse.config import Project, load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import write_project

from .landing import BIG_VALUE, HOSTILE_NAMES, VALUES, datasets, files

pytestmark = [pytest.mark.spark, pytest.mark.integration]
RERUN = ("changing", "drift_missing", "latin1")


@dataclass
class Catalogue:
    project: Project
    ingest: RunSummary       # every dataset, stage ingest
    curate: RunSummary       # datasets "rows" and "json_cols", stage curate
    rerun: RunSummary        # RERUN: "changing" once its producer has finished, "latin1" once
    landing: dict[str, bytes]  # its contract declares the encoding, "drift_missing" unchanged
    before_rerun: dict[str, tuple]   # dataset -> (raw version, quarantine version, bookmark)

    def stage(self, dataset: str, stage: str = "ingest", run: RunSummary | None = None):
        run = run or (self.curate if stage == "curate" else self.ingest)
        return next(s for s in run.stages if s.dataset == dataset and s.stage == stage)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory, spark) -> Catalogue:
    import importlib

    scan_module = importlib.import_module("lakehouse.stages.ingest_scan")

    root = tmp_path_factory.mktemp("bad_inputs")
    landing = files()
    quiet = {"reports": {"enabled": False}, "lineage": {"transport": "none"}}
    conf = write_project(root, lake=quiet, datasets=datasets())
    project = load_project(conf)
    zone = local_path(project.zone_uri("landing"))
    for rel, data in landing.items():
        (zone / rel).parent.mkdir(parents=True, exist_ok=True)
        (zone / rel).write_bytes(data)
    real_read = scan_module.read_landing

    def producer_still_writing(spark_, dataset, batch, **kwargs):
        df = real_read(spark_, dataset, batch, **kwargs)   # lazy: Spark reads the files later
        if dataset.name == "changing":                     # the producer appends meanwhile
            with open(zone / "changing/a.csv", "a") as handle:
                handle.write("2,b,2.0\n")
        return df

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scan_module, "read_landing", producer_still_writing)
        first = run_pipeline(project, stage="ingest", spark=spark, raise_errors=False)
    curate = run_pipeline(project, datasets=["rows", "json_cols"], stage="curate", spark=spark)
    cat = Catalogue(project, first, curate, first, landing, {})
    cat.before_rerun = {name: (_version(project.table_uri("raw", name)),
                               _version(project.quarantine_uri(name, "landing_to_raw")),
                               _bookmark(cat, name)) for name in project.datasets}
    contract = conf / "datasets" / "latin1.yaml"      # the file stays, the contract is fixed
    doc = yaml.safe_load(contract.read_text())
    doc["source"]["options"] = {"encoding": "ISO-8859-1"}
    contract.write_text(yaml.safe_dump(doc))
    cat.rerun = run_pipeline(load_project(conf), datasets=list(RERUN), stage="ingest",
                             spark=spark)
    return cat


def _bookmark(cat: Catalogue, dataset: str) -> dict:
    path = local_path(cat.project.runs_uri) / "bookmarks" / f"{dataset}.json"
    if not path.exists():
        return {"ingested": {}, "pending": None, "refused": {}}
    return json.loads(path.read_text())


def _version(uri: str) -> int | None:
    from deltalake import DeltaTable

    return DeltaTable(uri).version() if (local_path(uri) / "_delta_log").exists() else None


def _balanced_ingest(stage: StageResult) -> None:
    assert stage.rows_read == stage.rows_written + stage.rows_quarantined, stage


# --------------------------------------------------------------- refused files: clear errors
REFUSED = {  # dataset -> (the refused file, the start of its reason, part of the hint)
    "delim": ("delim/a.csv", "delim/a.csv: the header lacks declared column(s) 'id', 'name', "
              "'amount' (header: 'id;name;amount')", "the header looks ';'-separated"),
    "latin1": ("latin1/a.csv", "latin1/a.csv: line 2 has byte 0xe9, not valid UTF-8 (2 row(s) "
               "affected)", "set source.options.encoding"),
    "utf16": ("utf16/a.csv", "utf16/a.csv: the file is UTF-16LE, not UTF-8", "encoding: UTF-16"),
    "gz_truncated": ("gz_truncated/cut.csv.gz", "gz_truncated/cut.csv.gz: truncated gzip file",
                     "deliver the file again"),
    "gz_junk": ("gz_junk/junk.csv.gz", "gz_junk/junk.csv.gz: not a readable gzip file",
                "deliver the file again"),
    "pq_junk": ("pq_junk/junk.parquet", "pq_junk/junk.parquet: not a Parquet file (no PAR1 "
                "magic at its end", "deliver the file again"),
    "pq_truncated": ("pq_truncated/cut.parquet", "pq_truncated/cut.parquet: not a Parquet file "
                     "(no PAR1 magic at its end", "deliver the file again"),
    # Spark's own words differ between 3.5 and 4.1: both name the column, [amount]
    "pq_types": ("pq_types/b.parquet", "pq_types/b.parquet: Spark could not read it (",
                 "fix or re-deliver the file"),
    "pq_missing": ("pq_missing/no_amount.parquet", "pq_missing/no_amount.parquet: the Parquet "
                   "schema lacks declared column(s) 'amount' (columns: 'id', 'name')",
                   "schema_policy: permissive"),
    "json_dupes": ("json_dupes/a.jsonl", "json_dupes/a.jsonl: JSON keys differ only in case "
                   "(`name`)", "rename one of the keys at the producer"),
    "json_cols": ("json_cols/renamed.jsonl", "json_cols/renamed.jsonl: no record has a value "
                  "for required declared column(s) 'amount' (found 'amt': renamed?)",
                  "map a renamed column with `source:`"),
    "drift_missing": ("drift_missing/b.csv", "drift_missing/b.csv: the header lacks declared "
                      "column(s) 'amount' (header: 'id', 'name')", "schema_policy: permissive"),
    "drift_renamed": ("drift_renamed/b.csv", "drift_renamed/b.csv: the header lacks declared "
                      "column(s) 'amount' (found 'amt': renamed?)",
                      "map a renamed column with `source:`"),
    "changing": ("changing/a.csv", "changing/a.csv (size 23 -> 31, modified ",
                 "read again once it changes"),
}


@pytest.mark.parametrize("dataset", sorted(REFUSED))
def test_refused_file_is_named_recorded_and_left_while_the_rest_is_ingested(
        catalogue: Catalogue, dataset: str) -> None:
    rel, message, hint = REFUSED[dataset]
    stage = catalogue.stage(dataset)
    good = sorted(r for r in catalogue.landing if r.startswith(f"{dataset}/") and r != rel)
    # the stage and the run record name the file, the reason and the hint, no Spark noise
    assert list(stage.refused) == [rel], stage
    reason = stage.refused[rel]
    assert reason.startswith(message) and "\n  hint: " in reason and hint in reason, reason
    assert "Traceback" not in reason and "Py4J" not in reason
    if dataset == "pq_types":
        assert "[amount]" in reason and "BINARY" in reason, reason
    record = json.loads((local_path(catalogue.project.runs_uri) / "runs" /
                         f"{catalogue.ingest.run_id}.json").read_text(encoding="utf-8"))
    recorded = next(s for s in record["stages"] if s["dataset"] == dataset)
    assert recorded["refused"] == {rel: reason}
    # a refused file is a failure the run reports (exit code 1), whatever else went through
    assert record["status"] == "failed"
    assert f"ingest {dataset} refused {rel}: {message}" in record["error"] or \
        f"ingest {dataset} failed: {message}" in record["error"], record["error"]
    # recorded as refused in the bookmark, left in landing for the next run
    raw_version, _, bookmark = catalogue.before_rerun[dataset]
    assert bookmark["refused"][rel]["reason"] == reason and bookmark["pending"] is None
    assert sorted(bookmark["ingested"]) == good
    assert (local_path(catalogue.project.zone_uri("landing")) / rel).exists()
    _balanced_ingest(stage)
    if not good:   # nothing else in the batch: the stage fails, nothing is written
        assert stage.status == "failed" and stage.message.startswith(message), stage
        assert (stage.rows_read, raw_version) == (0, None)
        return
    assert stage.status == "succeeded" and stage.rows_written > 0, stage
    sources = set(_raw(catalogue, dataset)["_source_file"])
    assert all(any(s.endswith(g.split("/", 1)[1]) for g in good) for s in sources), sources
    assert len(sources) == len(good) and raw_version == 0


def test_file_that_changed_while_read_is_ingested_once_when_stable(catalogue: Catalogue) -> None:
    stage = catalogue.stage("changing", run=catalogue.rerun)
    assert (stage.status, stage.rows_read, stage.rows_written) == ("succeeded", 2, 2)
    raw = read_delta(catalogue.project.table_uri("raw", "changing")).to_pandas()
    assert sorted(raw["id"]) == ["1", "2"] and _version(
        catalogue.project.table_uri("raw", "changing")) == 0
    assert _bookmark(catalogue, "changing")["refused"] == {}


def test_refused_file_waits_until_it_or_the_contract_changes(catalogue: Catalogue) -> None:
    waiting = catalogue.stage("drift_missing", run=catalogue.rerun)
    assert (waiting.status, waiting.rows_read) == ("skipped", 0)
    assert any("1 file(s) refused earlier wait in landing" in w and "drift_missing/b.csv "
               "(drift_missing/b.csv: the header lacks" in w for w in waiting.warnings), waiting
    assert _version(catalogue.project.table_uri("raw", "drift_missing")) == 0
    # latin1's file never changed: its contract now declares the encoding, so it is read again
    fixed = catalogue.stage("latin1", run=catalogue.rerun)
    assert (fixed.status, fixed.rows_written, fixed.refused) == ("succeeded", 2, {})
    assert sorted(_raw(catalogue, "latin1")["name"]) == ["Müller", "café"]
    assert _bookmark(catalogue, "latin1")["refused"] == {}
    assert catalogue.rerun.status == "succeeded", catalogue.rerun.render()


def test_json_whose_records_are_all_invalid_quarantines_every_line(catalogue: Catalogue) -> None:
    stage = catalogue.stage("json_invalid")
    assert (stage.status, stage.rows_read, stage.rows_quarantined, stage.rows_written) == \
        ("succeeded", 3, 3, 0)
    q = _json_quarantine(catalogue, "json_invalid/all_bad.jsonl", dataset="json_invalid")
    assert q[["_line", "_record"]].values.tolist() == [[1, '{"id": 1,'], [2, "not json"],
                                                       [4, '{"id": }']]
    assert {tuple(r) for r in q["_failed_rules"]} == {("malformed:invalid_json",)}
    assert _version(catalogue.project.table_uri("raw", "json_invalid")) is None   # no column


def test_json_columns_by_nullability(catalogue: Catalogue) -> None:
    """A required column without a value in any record of a file: refused (above). Absent in
    some records only: those rows are quarantined at curate (not_null). An optional column
    absent from a whole file: read as null, with a warning naming the file."""
    stage = catalogue.stage("json_cols")
    assert "json_cols/no_note.jsonl: no record has a value for nullable column(s) 'note': " \
           "read as null" in stage.warnings, stage.warnings
    curated = read_delta(catalogue.project.table_uri("curated", "json_cols")).to_pandas()
    assert sorted(curated["id"]) == [1, 4]
    assert curated.set_index("id").loc[4, "note"] is None
    q = read_delta(catalogue.project.quarantine_uri("json_cols", "raw_to_curated")).to_pandas()
    assert q["id"].tolist() == [2] and list(q["_failed_rules"].item()) == ["not_null:amount"]


# ---------------------------------------------------------------- accepted at landing -> raw
def _raw(cat: Catalogue, dataset: str):
    return read_delta(cat.project.table_uri("raw", dataset)).to_pandas()


def test_latin1_with_declared_encoding_is_decoded(catalogue: Catalogue) -> None:
    stage = catalogue.stage("latin1_ok")
    _balanced_ingest(stage)
    assert sorted(_raw(catalogue, "latin1_ok")["name"]) == ["Müller", "café"]


def test_utf16_with_declared_encoding_is_decoded(catalogue: Catalogue) -> None:
    _balanced_ingest(catalogue.stage("utf16_ok"))
    assert sorted(_raw(catalogue, "utf16_ok")["name"]) == ["b", "ä"]


def test_unsafe_and_case_only_duplicate_csv_names_are_renamed(catalogue: Catalogue) -> None:
    raw = _raw(catalogue, "rows")     # rows/names.csv: ID,Name,...,Full Name (first),a.b,AMOUNT
    row = raw[raw["name"] == "unsafe_names"]
    assert row[["id", "full_name_first", "a_b", "amount", "amount_2"]].values.tolist() == [
        ["70", "Ann", "x", "1.5", "2.5"]]


def test_json_array_without_multiline_quarantines_its_bracket_lines(catalogue) -> None:
    stage = catalogue.stage("json")
    _balanced_ingest(stage)
    assert stage.details.to_json()["files"]["json/array.json"] == {"rows": 6, "malformed": 2}
    # a one-line array is read as rows; in a multi-line array only the bracket lines fail
    q = _json_quarantine(catalogue, "json/array.json")
    assert q[["_line", "_record"]].values.tolist() == [[1, "["], [4, "]"]]
    assert all(r.startswith("json/array.json, line ") for r in q["_reason"])
    ids = _raw(catalogue, "json").query("_source_file.str.endswith('array.json')")["id"]
    assert sorted(ids) == [1, 2, 3, 4]


def _json_quarantine(cat: Catalogue, rel: str, dataset: str = "json"):
    q = read_delta(cat.project.quarantine_uri(dataset, "landing_to_raw")).to_pandas()
    return q[q["_source_file"] == rel].sort_values("_line")


def test_deeply_nested_json_is_kept_or_quarantined_as_too_deep(catalogue: Catalogue) -> None:
    stage = catalogue.stage("json")
    assert stage.details.to_json()["files"]["json/deep.jsonl"] == {"rows": 3, "malformed": 1}
    q = _json_quarantine(catalogue, "json/deep.jsonl")
    assert q["_line"].tolist() == [2]
    assert [list(r) for r in q["_failed_rules"]] == [["malformed:too_deep"]]
    assert q["_reason"].item().startswith("json/deep.jsonl, line 2: JSON nested too deeply")
    assert stage.rows_quarantined == 3 and stage.rows_written == 6


def test_hostile_file_names_are_read_as_literal_names(catalogue: Catalogue) -> None:
    stage = catalogue.stage("hostile")
    _balanced_ingest(stage)
    assert stage.rows_written == len(HOSTILE_NAMES)
    raw = _raw(catalogue, "hostile")
    assert sorted(raw["name"]) == sorted(HOSTILE_NAMES)      # each file's row, from that file
    assert sorted(_bookmark(catalogue, "hostile")["ingested"]) == sorted(
        f"hostile/{n}" for n in HOSTILE_NAMES)


# ------------------------------------------------------- dataset "rows": row-level outcomes
ROW_OUTCOMES = {
    "ok": "curated",
    "int_overflow": "type_castable:id",
    "bigint_overflow": "type_castable:big",
    "double_overflow": "type_castable:amount",
    "negative_double_overflow": "type_castable:amount",
    "decimal_overflow": "type_castable:price",
    "date_slashes": "type_castable:d",
    "date_dotted": "type_castable:d",
    "date_feb_30": "type_castable:d",
    "date_month_13": "type_castable:d",
    "format_feb_29_2023": "type_castable:d2",
    "format_feb_29_2024": "curated",
    "format_iso_in_slash_column": "type_castable:d2",
    "type_change": "type_castable:amount",
    "null_key": "not_null:id",
    "crlf_1": "curated", "crlf_2": "curated",
    "bom": "curated",
    "new_column": "curated",
    "unsafe_names": "curated",
}


def _curated(cat: Catalogue):
    return read_delta(cat.project.table_uri("curated", "rows")).to_pandas()


def _quarantined(cat: Catalogue):
    return read_delta(cat.project.quarantine_uri("rows", "raw_to_curated")).to_pandas()


@pytest.mark.parametrize("label", sorted(ROW_OUTCOMES))
def test_row_outcome(catalogue: Catalogue, label: str) -> None:
    expected = ROW_OUTCOMES[label]
    curated, quarantined = _curated(catalogue), _quarantined(catalogue)
    in_curated = curated[curated["name"] == label]
    in_quarantine = quarantined[quarantined["name"] == label]
    if expected == "curated":
        assert (len(in_curated), len(in_quarantine)) == (1, 0)
    else:
        assert (len(in_curated), len(in_quarantine)) == (0, 1)
        assert list(in_quarantine["_failed_rules"].item()) == [expected]
        assert in_quarantine["_reason"].item() == \
            f"does not match the declared schema: {expected}"


def test_row_values_survive_exactly(catalogue: Catalogue) -> None:
    curated = _curated(catalogue).set_index("name")
    ok = curated.loc["ok"]
    assert (ok["big"], str(ok["price"]), str(ok["d"]), str(ok["d2"])) == (
        9223372036854775807, "123.45", "2024-01-31", "2024-01-31")
    assert str(curated.loc["format_feb_29_2024", "d2"]) == "2024-02-29"
    assert curated.loc["crlf_2", "amount"] == 2.0               # no "\r" left on the last field
    assert BIG_VALUE in curated.index                           # the 10 MB value, whole
    raw = _raw(catalogue, "rows")
    assert raw.loc[raw["name"] == "new_column", "extra"].item() == "surplus"   # raw keeps it


def test_duplicate_key_is_deduplicated_and_counted(catalogue: Catalogue) -> None:
    curated = _curated(catalogue)
    assert len(curated[curated["id"] == 20]) == 1
    assert catalogue.stage("rows", "curate").rows_deduplicated == 1


def test_malformed_crlf_rows_are_quarantined_with_their_line(catalogue: Catalogue) -> None:
    q = read_delta(catalogue.project.quarantine_uri("rows", "landing_to_raw")).to_pandas()
    q = q.sort_values("_line")
    assert q["_reason"].tolist() == [
        "rows/crlf.csv, line 4: 8 fields, the header has 7 (too many)",
        "rows/crlf.csv, line 5: 3 fields, the header has 7 (too few)"]
    assert q["_record"].tolist() == ["32,crlf_too_many,3.0,1,1,,,EXTRA", "33,crlf_too_few,4.0"]


def test_rows_accounting_balances_end_to_end(catalogue: Catalogue) -> None:
    ingest, curate = catalogue.stage("rows"), catalogue.stage("rows", "curate")
    lines = sum(data.count(b"\n") - 1 for rel, data in catalogue.landing.items()
                if rel.startswith("rows/"))
    assert (ingest.rows_read, ingest.rows_quarantined) == (lines, 2)
    _balanced_ingest(ingest)
    assert curate.rows_read == ingest.rows_written
    assert curate.rows_read == curate.rows_written + curate.rows_quarantined + \
        curate.rows_deduplicated
    assert len(_curated(catalogue)) == curate.rows_written
    assert len(_quarantined(catalogue)) == curate.rows_quarantined
    assert _version(catalogue.project.table_uri("curated", "rows")) == 0   # one commit
    assert len(VALUES) + 2 + 4 == ingest.rows_written


def test_every_ingested_dataset_balances(catalogue: Catalogue) -> None:
    for stage in catalogue.ingest.stages:
        _balanced_ingest(stage)
        if stage.status == "succeeded" and stage.rows_written:
            raw = catalogue.project.table_uri("raw", stage.dataset)
            assert len(read_delta(raw, columns=["_record_hash"])) == stage.rows_written
