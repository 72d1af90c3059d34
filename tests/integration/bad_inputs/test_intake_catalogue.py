"""Issue 14: the catalogue of bad landing files, through the real runner, in three runs.

Every case ends in raw (accepted), in a quarantine table with a reason, or in an ingest
error naming the file with nothing written (no raw version, no quarantine row, the files
left for the next run). Row accounting is asserted in every case. docs/bad-inputs.md
lists the cases and their outcomes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from lakehouse.config import Project, load_project
from lakehouse.runner import run_pipeline
from lakehouse.runs.summary import RunSummary, StageResult
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import write_project

from .landing import BIG_VALUE, HOSTILE_NAMES, VALUES, datasets, files

pytestmark = [pytest.mark.spark, pytest.mark.integration]


@dataclass
class Catalogue:
    project: Project
    ingest: RunSummary       # every dataset, stage ingest
    curate: RunSummary       # dataset "rows", stage curate
    rerun: RunSummary        # dataset "changing" once its producer has finished
    landing: dict[str, bytes]
    before_rerun: dict[str, tuple]   # dataset -> (raw version, quarantine version, bookmark)

    def stage(self, dataset: str, stage: str = "ingest", run: RunSummary | None = None):
        run = run or (self.curate if stage == "curate" else self.ingest)
        return next(s for s in run.stages if s.dataset == dataset and s.stage == stage)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory, spark) -> Catalogue:
    import importlib

    ingest_module = importlib.import_module("lakehouse.stages.ingest")

    root = tmp_path_factory.mktemp("bad_inputs")
    landing = files()
    quiet = {"reports": {"enabled": False}, "lineage": {"transport": "none"}}
    project = load_project(write_project(root, lake=quiet, datasets=datasets()))
    zone = local_path(project.zone_uri("landing"))
    for rel, data in landing.items():
        (zone / rel).parent.mkdir(parents=True, exist_ok=True)
        (zone / rel).write_bytes(data)
    real_read = ingest_module.read_landing

    def producer_still_writing(spark_, dataset, batch, **kwargs):
        df = real_read(spark_, dataset, batch, **kwargs)   # lazy: Spark reads the files later
        if dataset.name == "changing":                     # the producer appends meanwhile
            with open(zone / "changing/a.csv", "a") as handle:
                handle.write("2,b,2.0\n")
        return df

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest_module, "read_landing", producer_still_writing)
        first = run_pipeline(project, stage="ingest", spark=spark, raise_errors=False)
    curate = run_pipeline(project, datasets=["rows"], stage="curate", spark=spark)
    cat = Catalogue(project, first, curate, first, landing, {})
    cat.before_rerun = {name: (_version(project.table_uri("raw", name)),
                               _version(project.quarantine_uri(name, "landing_to_raw")),
                               _bookmark(cat, name)) for name in project.datasets}
    cat.rerun = run_pipeline(project, datasets=["changing"], stage="ingest", spark=spark)
    return cat


def _bookmark(cat: Catalogue, dataset: str) -> dict:
    path = local_path(cat.project.runs_uri) / "bookmarks" / f"{dataset}.json"
    return json.loads(path.read_text()) if path.exists() else {"ingested": {}, "pending": None}


def _version(uri: str) -> int | None:
    from deltalake import DeltaTable

    return DeltaTable(uri).version() if (local_path(uri) / "_delta_log").exists() else None


def _balanced_ingest(stage: StageResult) -> None:
    assert stage.rows_read == stage.rows_written + stage.rows_quarantined, stage


# --------------------------------------------------------------- refused files: clear errors
REFUSED = {
    "delim": ("delim/a.csv: the header lacks declared column(s) 'id', 'name', 'amount' "
              "(header: 'id;name;amount')", "the header looks ';'-separated"),
    "latin1": ("latin1/a.csv: line 2 has byte 0xe9, not valid UTF-8 (2 row(s) affected)",
               "set source.options.encoding"),
    "utf16": ("utf16/a.csv: the file is UTF-16LE, not UTF-8", "encoding: UTF-16"),
    "gz_truncated": ("gz_truncated/cut.csv.gz: truncated gzip file", "deliver the file again"),
    "gz_junk": ("gz_junk/junk.csv.gz: not a readable gzip file", "deliver the file again"),
    "pq_junk": ("pq_junk/junk.parquet: not a Parquet file (no PAR1 magic at its end",
                "deliver the file again"),
    "pq_truncated": ("pq_truncated/cut.parquet: not a Parquet file (no PAR1 magic at its end",
                     "deliver the file again"),
    # Spark's own words differ between 3.5 and 4.1: both name the column, [amount]
    "pq_types": ("pq_types/b.parquet: Spark could not read it (", "fix or re-deliver the file"),
    "json_dupes": ("json_dupes/a.jsonl: JSON keys differ only in case (`name`)",
                   "rename one of the keys at the producer"),
    "drift_missing": ("drift_missing/b.csv: the header lacks declared column(s) 'amount' "
                      "(header: 'id', 'name')", "schema_policy: permissive"),
    "drift_renamed": ("drift_renamed/b.csv: the header lacks declared column(s) 'amount' "
                      "(found 'amt': renamed?)", "map a renamed column with `source:`"),
    "changing": ("changing/a.csv (size 23 -> 31) changed while being read",
                 "run again once the upload is complete"),
}


@pytest.mark.parametrize("dataset", sorted(REFUSED))
def test_refused_file_names_itself_and_writes_nothing(catalogue: Catalogue, dataset: str) -> None:
    message, hint = REFUSED[dataset]
    stage = catalogue.stage(dataset)
    assert stage.status == "failed"
    assert message in stage.message, stage.message
    if dataset == "pq_types":
        assert "[amount]" in stage.message and "BINARY" in stage.message, stage.message
    error = catalogue.ingest.error.split(f"ingest {dataset} failed: ", 1)[1]
    assert error.startswith(message) and "Traceback" not in error and "Py4J" not in error
    summary_file = local_path(catalogue.project.runs_uri) / "runs" / \
        f"{catalogue.ingest.run_id}.json"
    assert message in summary_file.read_text(encoding="utf-8")
    assert "\n  hint: " in error and hint in error.split("\ningest ", 1)[0]
    # nothing written, nothing recorded: every line is still in landing for the next run
    assert (stage.rows_read, stage.rows_written, stage.rows_quarantined) == (0, 0, 0)
    raw_version, quarantine_version, bookmark = catalogue.before_rerun[dataset]
    assert (raw_version, quarantine_version) == (None, None)
    assert (bookmark["ingested"], bookmark["pending"]) == ({}, None)
    for rel in (r for r in catalogue.landing if r.startswith(f"{dataset}/")):
        assert (local_path(catalogue.project.zone_uri("landing")) / rel).exists()


def test_file_that_changed_while_read_is_ingested_once_when_stable(catalogue: Catalogue) -> None:
    stage = catalogue.stage("changing", run=catalogue.rerun)
    assert (stage.status, stage.rows_read, stage.rows_written) == ("succeeded", 2, 2)
    raw = read_delta(catalogue.project.table_uri("raw", "changing")).to_pandas()
    assert sorted(raw["id"]) == ["1", "2"] and _version(
        catalogue.project.table_uri("raw", "changing")) == 0


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
    assert stage.details["files"]["json/array.json"] == {"rows": 6, "malformed": 2}
    # a one-line array is read as rows; in a multi-line array only the bracket lines fail
    q = _json_quarantine(catalogue, "json/array.json")
    assert q[["_line", "_record"]].values.tolist() == [[1, "["], [4, "]"]]
    assert all(r.startswith("json/array.json, line ") for r in q["_reason"])
    ids = _raw(catalogue, "json").query("_source_file.str.endswith('array.json')")["id"]
    assert sorted(ids) == [1, 2, 3, 4]


def _json_quarantine(cat: Catalogue, rel: str):
    q = read_delta(cat.project.quarantine_uri("json", "landing_to_raw")).to_pandas()
    return q[q["_source_file"] == rel].sort_values("_line")


def test_deeply_nested_json_is_kept_or_quarantined_as_too_deep(catalogue: Catalogue) -> None:
    stage = catalogue.stage("json")
    assert stage.details["files"]["json/deep.jsonl"] == {"rows": 3, "malformed": 1}
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
        if stage.status == "succeeded":
            raw = catalogue.project.table_uri("raw", stage.dataset)
            assert len(read_delta(raw, columns=["_record_hash"])) == stage.rows_written
