"""Catalog tables queryable by name from the local SparkSession."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from lakehouse.catalog import catalog_for
from lakehouse.catalog.spark import read_table, register
from lakehouse.catalog.sync import sync_table
from lakehouse.testing.project import trips_project as make_project

pytestmark = pytest.mark.spark


def _rows(df, *cols):
    return sorted(tuple(r[c] for c in cols) for r in df.collect())


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path)


def test_delta_table_by_name_reads_current_snapshot_only(spark, project):
    uri = project.table_uri("curated", "trips")
    path = uri.removeprefix("file://")
    first = pa.Table.from_pylist([{"id": i, "city": "NYC", "day": dt.date(2013, 1, 1 + i % 2)}
                                  for i in range(6)])
    write_deltalake(path, first, partition_by=["day"])
    write_deltalake(path, pa.Table.from_pylist(
        [{"id": 100, "city": "LA", "day": dt.date(2013, 1, 5)}]), partition_by=["day"],
        mode="overwrite")                        # v1 removes every file of v0
    write_deltalake(path, pa.Table.from_pylist(
        [{"id": 101, "city": "SF", "day": dt.date(2013, 1, 6)}]), partition_by=["day"],
        mode="append")
    sync_table(project, zone="curated", name="trips", location=uri, table_format="delta",
               columns=[("id", "bigint"), ("city", "string"), ("day", "date")],
               partition_keys=[("day", "date")])
    with catalog_for(project) as cat:
        registered = register(spark, cat)
    assert "demo_curated.trips" in registered
    df = spark.table("demo_curated.trips")
    assert [f.name for f in df.schema.fields] == ["id", "city", "day"]
    assert _rows(df, "id", "city", "day") == [(100, "LA", dt.date(2013, 1, 5)),
                                              (101, "SF", dt.date(2013, 1, 6))]
    assert spark.sql("SELECT count(*) AS n FROM demo_curated.trips WHERE day = DATE'2013-01-06'"
                     ).first()["n"] == 1
    with catalog_for(project) as cat:
        old = read_table(spark, cat, "demo_curated.trips", version=0)
        assert old.count() == 6
        # registering again after a write picks up the new snapshot
        write_deltalake(path, pa.Table.from_pylist(
            [{"id": 102, "city": "SF", "day": dt.date(2013, 1, 6)}]), partition_by=["day"],
            mode="append")
        register(spark, cat, databases=["demo_curated"])
    assert spark.table("demo_curated.trips").count() == 3


def test_parquet_export_sees_registered_partitions(spark, project):
    uri = project.table_uri("exportable", "trips_export")
    df = spark.createDataFrame(
        [(i, f"c{i}", dt.date(2013, 1, 1 + i % 3)) for i in range(30)],
        "id int, city string, flight_date date")
    df.write.partitionBy("flight_date").parquet(uri)
    parts = [{"flight_date": "2013-01-01"}, {"flight_date": "2013-01-02"}]
    sync_table(project, zone="exportable", name="trips_export", location=uri,
               table_format="parquet", columns=[("id", "int"), ("city", "string"),
                                                ("flight_date", "date")],
               partition_keys=[("flight_date", "date")], partitions=parts)
    with catalog_for(project) as cat:
        register(spark, cat, databases=["demo_exportable"])
        got = spark.table("demo_exportable.trips_export")
        assert got.count() == 20                # the unregistered 2013-01-03 is not visible
        assert _rows(got.where("id < 3"), "id", "flight_date") == [
            (0, dt.date(2013, 1, 1)), (1, dt.date(2013, 1, 2))]
        sync_table(project, zone="exportable", name="trips_export", location=uri,
                   table_format="parquet", columns=[("id", "int"), ("city", "string"),
                                                    ("flight_date", "date")],
                   partition_keys=[("flight_date", "date")],
                   partitions=[*parts, {"flight_date": "2013-01-03"}])
        assert read_table(spark, cat, "demo_exportable.trips_export").count() == 30


def test_empty_delta_table_and_foreign_tables(spark, project):
    uri = project.table_uri("raw", "empty")
    write_deltalake(uri.removeprefix("file://"), pa.table({"a": pa.array([], pa.int64())}))
    sync_table(project, zone="raw", name="empty", location=uri, table_format="delta",
               columns=[("a", "bigint")])
    spark.sql("CREATE DATABASE IF NOT EXISTS demo_raw")
    spark.sql("CREATE TABLE IF NOT EXISTS demo_raw.mine (x INT) USING parquet")
    sync_table(project, zone="raw", name="mine", location=uri, table_format="delta",
               columns=[("a", "bigint")])
    with catalog_for(project) as cat:
        done = register(spark, cat, databases=["demo_raw"])
    assert done == ["demo_raw.empty"]            # the user's own table is left alone
    assert spark.table("demo_raw.empty").count() == 0
    assert spark.table("demo_raw.empty").schema.fieldNames() == ["a"]
    assert spark.table("demo_raw.mine").schema.fieldNames() == ["x"]
