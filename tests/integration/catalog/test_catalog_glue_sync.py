"""Pointing a project at Glue (a moto server over HTTP): sync, then read back with plain boto3."""

from __future__ import annotations

import boto3
import pytest

from lakehouse.catalog import catalog_for
from lakehouse.catalog.glue import GlueCatalog
from lakehouse.catalog.sync import check_schema_change, sync_table
from lakehouse.errors import SchemaError
from lakehouse.testing.project import trips_project as make_project

pytestmark = [pytest.mark.integration, pytest.mark.aws]

COLS = [("year", "int"), ("carrier", "string"), ("distance", "double"),
        ("flight_date", "date")]


def test_sync_to_glue_reads_back_with_boto3(tmp_path, moto_endpoint, unique_name):
    domain = "g" + unique_name.replace("-", "_")[-8:]      # databases unique to this test
    project = make_project(tmp_path, backend="glue", endpoint=moto_endpoint, domain=domain)
    catalog = catalog_for(project)
    assert isinstance(catalog, GlueCatalog) and catalog.endpoint_url == moto_endpoint

    for zone in ("raw", "curated"):
        sync_table(project, zone=zone, name="flights", location=project.table_uri(zone, "flights"),
                   table_format="delta", columns=COLS, partition_keys=[("flight_date", "date")])
    sync_table(project, zone="quarantine", name="flights_raw_to_curated",
               location=project.quarantine_uri("flights"), table_format="delta",
               columns=[*COLS, ("_rule", "string")])
    export = project.table_uri("exportable", "flights_enriched")
    days = [{"flight_date": f"2013-01-{d:02d}"} for d in range(1, 6)]
    sync_table(project, zone="exportable", name="flights_enriched", location=export,
               table_format="parquet", columns=COLS, partition_keys=[("flight_date", "date")],
               partitions=days)
    sync_table(project, zone="exportable", name="flights_enriched", location=export,
               table_format="parquet", columns=COLS, partition_keys=[("flight_date", "date")],
               partitions=days)                                   # unchanged: no new version

    glue = boto3.client("glue", region_name="us-east-1", endpoint_url=moto_endpoint)
    names = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert {f"{domain}_{z}" for z in ("raw", "curated", "quarantine", "exportable")} <= names
    curated = glue.get_table(DatabaseName=f"{domain}_curated", Name="flights")["Table"]
    assert curated["Parameters"]["table_type"] == "DELTA"
    assert curated["Parameters"]["spark.sql.sources.provider"] == "delta"
    assert curated["TableType"] == "EXTERNAL_TABLE"
    assert [c["Name"] for c in curated["StorageDescriptor"]["Columns"]] == [c for c, _ in COLS]
    assert curated["StorageDescriptor"]["Location"] == project.table_uri("curated", "flights")
    table = glue.get_table(DatabaseName=f"{domain}_exportable", Name="flights_enriched")["Table"]
    assert table["PartitionKeys"] == [{"Name": "flight_date", "Type": "date"}]
    assert table["Parameters"]["classification"] == "parquet"
    assert table["VersionId"] == "1"
    parts = glue.get_partitions(DatabaseName=f"{domain}_exportable",
                                TableName="flights_enriched")["Partitions"]
    assert sorted(p["Values"][0] for p in parts) == [d["flight_date"] for d in days]
    assert {p["StorageDescriptor"]["Location"] for p in parts} == {
        f"{export}/flight_date={d['flight_date']}" for d in days}
    versions = glue.get_table_versions(DatabaseName=f"{domain}_exportable",
                                       TableName="flights_enriched")["TableVersions"]
    assert len(versions) == 1

    with pytest.raises(SchemaError, match="distance: double  ->  string"):
        check_schema_change(project, zone="curated", name="flights",
                            columns=[("year", "int"), ("carrier", "string"),
                                     ("distance", "string"), ("flight_date", "date")])
    sync_table(project, zone="curated", name="flights", location=project.table_uri("curated", "flights"),
               table_format="delta", columns=[*COLS, ("dest", "string")])
    versions = glue.get_table_versions(DatabaseName=f"{domain}_curated",
                                       TableName="flights")["TableVersions"]
    assert sorted(v["VersionId"] for v in versions) == ["1", "2"]
