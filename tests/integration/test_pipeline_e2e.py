"""End to end through the same runner the CLI uses: a slice of the real sample, with known
corrections, duplicates and bad rows injected into landing, checked with independent readers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pads
import pytest
from deltalake import DeltaTable

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.sample import write_nycflights13
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import make_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
ROWS = 300


def _stage(summary, dataset: str, stage: str):
    return next(s for s in summary.stages if s.dataset == dataset and s.stage == stage)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    project = make_project(tmp_path_factory.mktemp("e2e"), REPO / "conf")
    landing = project.zone_uri("landing")
    write_nycflights13(landing, months=[1, 2], max_rows_per_file=ROWS)
    folder = local_path(landing) / "flights"
    jan = pd.read_csv(folder / "flights_2013_01.csv", dtype=str, keep_default_na=False)
    fixes = jan.head(5).copy()
    fixes["arr_delay"] = "999"                                  # corrections of 5 known keys
    negative = jan.iloc[[10]].copy()
    negative["flight"], negative["distance"] = "99001", "-5"    # breaks distance_positive
    bad_year = jan.iloc[[11]].copy()
    bad_year["flight"], bad_year["year"] = "99002", "20x3"      # does not cast to int
    twice = jan.iloc[[12]].copy()
    twice["flight"] = "99003"                                   # a new key delivered twice
    extra = pd.concat([fixes, negative, bad_year, twice, twice])
    extra.to_csv(folder / "flights_2013_01_late.csv", index=False)
    return project


@pytest.fixture(scope="module")
def first_run(project, spark):
    return run_pipeline(project, stage="all", spark=spark)


def test_first_run_accounts_for_every_row(project, first_run) -> None:
    assert first_run.status == "succeeded"
    assert first_run.balanced, first_run.render()
    ingest = _stage(first_run, "flights", "ingest")
    assert ingest.rows_read == ingest.rows_written == 2 * ROWS + 9
    curate = _stage(first_run, "flights", "curate")
    assert curate.rows_read == 2 * ROWS + 9
    assert curate.rows_quarantined == 2
    assert curate.rows_written == 2 * ROWS + 1          # 600 keys + the new key 99003
    assert curate.rows_deduplicated == 6                # 5 older versions + 1 repeated row
    written = json.loads(local_path(f"{project.runs_uri}/runs/{first_run.run_id}.json").read_text())
    assert written["balanced"] and written["status"] == "succeeded"


def test_curated_tables_match_summary_with_independent_reader(project, first_run) -> None:
    for dataset in ("flights", "weather", "planes", "airports"):
        table = DeltaTable(project.table_uri("curated", dataset))
        rows = table.to_pyarrow_dataset().to_table().num_rows
        stage = _stage(first_run, dataset, "curate")
        assert rows == stage.rows_written, dataset
        assert stage.table_versions["curated"] == table.version()
    flights = read_delta(project.table_uri("curated", "flights")).to_pandas()
    assert flights.duplicated(project.datasets["flights"].primary_key).sum() == 0
    corrected = flights[(flights["month"] == 1) & (flights["arr_delay"] == 999)]
    assert len(corrected) == 5                          # the latest delivery won
    assert str(flights["time_hour"].dtype).startswith("datetime64")
    assert DeltaTable(project.table_uri("curated", "flights")).metadata().partition_columns == [
        "flight_date"]


def test_quarantine_holds_exactly_the_bad_rows_with_reasons(project, first_run) -> None:
    table = read_delta(project.quarantine_uri("flights", "raw_to_curated")).to_pandas()
    assert sorted(table["flight"]) == ["99001", "99002"]
    rules = {r["flight"]: list(r["_failed_rules"]) for r in table.to_dict("records")}
    assert rules["99001"] == ["distance_positive"]
    assert rules["99002"] == ["type_castable:year"]
    assert table["year"].tolist().count("20x3") == 1     # the original value is kept


def test_export_reads_with_pyarrow(project, first_run) -> None:
    root = local_path(project.table_uri("exportable", "flights_enriched"))
    manifest = json.loads((root / "_manifest.json").read_text())
    data = pads.dataset(str(local_path(manifest["location"])), format="parquet",
                        partitioning="hive").to_table()
    export = _stage(first_run, "flights_enriched", "export")
    assert data.num_rows == manifest["rows"] == export.rows_written == 2 * ROWS + 1
    assert {"temp", "plane_model", "flight_date"} <= set(data.column_names)
    assert manifest["input_versions"]["flights"] == _stage(first_run, "flights", "curate") \
        .table_versions["curated"]


def test_lineage_events_validate_against_the_spec_with_export_column_lineage(project,
                                                                           first_run) -> None:
    from lakehouse.lineage.datasets import dataset_name
    from lakehouse.lineage.spec_schema import validate_event
    from lakehouse.lineage.validate import parse_event, read_events

    events = read_events(local_path(project.runs_uri) / "lineage" / f"{first_run.run_id}.jsonl")
    for event in events:
        validate_event(event)  # the OpenLineage JSON Schemas (core and every facet)
        parse_event(event)     # and the client's models
    done = next(e for e in events
                if e["job"]["name"] == "export.flights_enriched" and e["eventType"] == "COMPLETE")
    fields = done["outputs"][0]["facets"]["columnLineage"]["fields"]

    def sources(column):
        return {(i["name"], i["field"], i["transformations"][0]["subtype"])
                for i in fields[column]["inputFields"]}

    curated = {n: dataset_name(project.table_uri("curated", n))[1] for n in ("flights", "planes")}
    assert sources("plane_year") == {(curated["planes"], "year", "IDENTITY")}
    assert sources("cancelled") == {(curated["flights"], "dep_time", "TRANSFORMATION")}
    assert sources("carrier") == {(curated["flights"], "carrier", "IDENTITY")}
    assert set(fields) == {f["name"] for f in done["outputs"][0]["facets"]["schema"]["fields"]}


def test_second_run_finds_nothing_new(project, first_run, spark) -> None:
    before = {d: DeltaTable(project.table_uri("curated", d)).version() for d in project.datasets}
    again = run_pipeline(project, stage="all", spark=spark)
    assert {s.status for s in again.stages} == {"skipped"}
    assert _stage(again, "flights", "ingest").message == "nothing new to ingest"
    after = {d: DeltaTable(project.table_uri("curated", d)).version() for d in project.datasets}
    assert after == before


def test_late_correction_updates_in_place(project, first_run, spark) -> None:
    folder = local_path(project.zone_uri("landing")) / "flights"
    feb = pd.read_csv(folder / "flights_2013_02.csv", dtype=str, keep_default_na=False).head(3)
    feb["dep_delay"] = "-42"
    feb.to_csv(folder / "flights_2013_02_fix.csv", index=False)
    summary = run_pipeline(project, datasets=["flights"], stage="all", spark=spark)
    curate = _stage(summary, "flights", "curate")
    assert (curate.rows_read, curate.rows_written, curate.details.updated) == (3, 3, 3)
    assert summary.balanced
    flights = read_delta(project.table_uri("curated", "flights")).to_pandas()
    assert len(flights) == 2 * ROWS + 1
    assert (flights["dep_delay"] == -42).sum() == 3
