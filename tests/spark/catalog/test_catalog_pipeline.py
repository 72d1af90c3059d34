"""Through the runner: stages register what they write; a breaking landing file changes nothing."""

from __future__ import annotations

import pytest

from lakehouse.catalog import catalog_for
from lakehouse.errors import SourceError
from lakehouse.testing.project import trips_project as make_project

pytestmark = [pytest.mark.spark, pytest.mark.integration]


def _land(project, name: str, text: str) -> None:
    folder = project.zone_uri("landing").removeprefix("file://") + "/trips"
    import os

    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/{name}", "w", encoding="utf-8") as fh:
        fh.write(text)


def test_breaking_landing_file_fails_with_diff_and_changes_nothing(spark, tmp_path):
    from deltalake import DeltaTable

    from lakehouse.pipeline.driver import run_pipeline

    project = make_project(tmp_path)
    _land(project, "a.csv", "id,city\n1,NYC\n2,LA\n")
    run_pipeline(project, datasets=["trips"], stage="ingest", spark=spark)
    raw_uri = project.table_uri("raw", "trips")
    with catalog_for(project) as cat:
        before = cat.get_table("demo_raw", "trips")
    assert {"id", "city"} <= {c.name for c in before.all_columns}
    assert before.parameters["table_type"] == "DELTA"
    delta_version = DeltaTable(raw_uri.removeprefix("file://")).version()

    _land(project, "b.csv", "id,town\n3,SF\n")          # `city` renamed to `town`
    # refused at intake, before the catalog's schema check: the header lacks a declared column
    with pytest.raises(SourceError) as err:
        run_pipeline(project, datasets=["trips"], stage="ingest", spark=spark)
    text = str(err.value)
    assert "trips/b.csv" in text and "'city'" in text and "nothing of this file was ingested" in text, text

    with catalog_for(project) as cat:
        after = cat.get_table("demo_raw", "trips")
        assert [v.version_id for v in cat.iter_table_versions("demo_raw", "trips")] == ["1"]
    assert after.all_columns == before.all_columns
    assert DeltaTable(raw_uri.removeprefix("file://")).version() == delta_version


@pytest.mark.aws
def test_pipeline_against_glue_backend(spark, tmp_path, moto_endpoint, unique_name):
    import boto3

    from lakehouse.pipeline.driver import run_pipeline

    domain = "p" + unique_name.replace("-", "_")[-8:]
    project = make_project(tmp_path, backend="glue", endpoint=moto_endpoint, domain=domain)
    _land(project, "a.csv", "id,city\n1,NYC\n2,LA\n")
    run_pipeline(project, datasets=["trips"], stage="all", spark=spark)
    glue = boto3.client("glue", region_name="us-east-1", endpoint_url=moto_endpoint)
    names = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert {f"{domain}_raw", f"{domain}_curated"} <= names
    for zone in ("raw", "curated"):
        table = glue.get_table(DatabaseName=f"{domain}_{zone}", Name="trips")["Table"]
        assert table["Parameters"]["table_type"] == "DELTA"
        assert table["StorageDescriptor"]["Location"] == project.table_uri(zone, "trips")
    curated = glue.get_table(DatabaseName=f"{domain}_curated", Name="trips")["Table"]
    cols = {c["Name"]: c["Type"] for c in curated["StorageDescriptor"]["Columns"]}
    assert cols["id"] == "int" and cols["city"] == "string"


@pytest.mark.slow
def test_registered_schemas_match_the_files_on_disk(spark, tmp_path):
    """After a run, an independent crawl of every zone finds nothing to change."""
    from lakehouse.catalog.crawler import crawl
    from lakehouse.catalog.spark import register
    from lakehouse.pipeline.driver import run_pipeline

    project = make_project(tmp_path, export=True)
    _land(project, "a.csv", "id,city\n1,NYC\n2,LA\n3,NYC\n")
    run_pipeline(project, stage="all", spark=spark)
    with catalog_for(project) as cat:
        export = cat.get_table("demo_exportable", "trips_by_city")
        assert [k.name for k in export.partition_keys] == ["city"]
        assert sorted(p.values for p in cat.iter_partitions("demo_exportable", "trips_by_city")) \
            == [("LA",), ("NYC",)]
        for zone in ("raw", "curated", "exportable"):
            report = crawl(cat, project.zone_uri(zone), database=project.database(zone))
            assert report.results, zone
            assert {r.action for r in report.results} == {"unchanged"}, report.to_dict()
        register(spark, cat)
    assert spark.table("demo_curated.trips").count() == 3
    assert spark.table("demo_exportable.trips_by_city").where("city = 'NYC'").count() == 2
