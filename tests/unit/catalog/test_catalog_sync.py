"""The stage hook: sync_table / check_schema_change against the local backend."""

from __future__ import annotations

import pytest

from lakehouse.catalog import catalog_for
from lakehouse.catalog.factory import local_catalog_path
from lakehouse.catalog.sync import check_schema_change, sync_table
from lakehouse.errors import CatalogError, InvalidInputError, SchemaError
from lakehouse.testing.project import trips_project as make_project

COLS = [("id", "int"), ("city", "string"), ("flight_date", "date")]


def _sync_delta(project, columns=COLS, location=None, **kw):
    sync_table(project, zone="curated", name="trips",
               location=location or project.table_uri("curated", "trips"),
               table_format="delta", columns=columns, partition_keys=[("flight_date", "date")],
               **kw)


def test_creates_database_and_delta_table(project):
    _sync_delta(project, description="trips, curated")
    with catalog_for(project) as cat:
        db = cat.get_database("demo_curated")
        table = cat.get_table("demo_curated", "trips")
    assert db.location_uri == project.zone_uri("curated")
    assert table.version_id == "1"
    assert [(c.name, c.type) for c in table.columns] == COLS
    assert table.partition_keys == ()
    assert table.parameters["table_type"] == "DELTA"
    assert table.parameters["lakehouse.partition_by"] == "flight_date"
    assert table.location == project.table_uri("curated", "trips")
    assert table.description == "trips, curated"
    assert local_catalog_path(project).endswith("/lake/_catalog/catalog.db")


def test_unchanged_sync_writes_nothing(project):
    _sync_delta(project)
    _sync_delta(project)
    with catalog_for(project) as cat:
        table = cat.get_table("demo_curated", "trips")
        versions = list(cat.iter_table_versions("demo_curated", "trips"))
    assert table.update_time is None, "an unchanged sync must not update the table"
    assert [v.version_id for v in versions] == ["1"]


def test_new_version_on_schema_or_location_change_only(project):
    _sync_delta(project)
    _sync_delta(project, parameters={"lakehouse.run_id": "r2"})
    _sync_delta(project, columns=[*COLS, ("distance", "double")])
    _sync_delta(project, columns=[*COLS, ("distance", "double")], location="file:///elsewhere")
    with catalog_for(project) as cat:
        versions = list(cat.iter_table_versions("demo_curated", "trips"))
        current = cat.get_table("demo_curated", "trips")
    assert [v.version_id for v in versions] == ["1", "2", "3"]
    assert current.parameters["lakehouse.run_id"] == "r2"
    assert current.location == "file:///elsewhere"
    assert [c.name for c in versions[0].table.columns] == ["id", "city", "flight_date"]


def test_parquet_export_partitions_follow_the_given_set(project):
    location = project.table_uri("exportable", "trips_export")

    def sync(parts):
        sync_table(project, zone="exportable", name="trips_export", location=location,
                   table_format="parquet", columns=COLS, partition_keys=[("flight_date", "date")],
                   partitions=parts)

    sync([{"flight_date": "2013-01-01"}, {"flight_date": "2013-01-02"}])
    with catalog_for(project) as cat:
        table = cat.get_table("demo_exportable", "trips_export")
        parts = list(cat.iter_partitions("demo_exportable", "trips_export"))
    assert [c.name for c in table.columns] == ["id", "city"]
    assert [(k.name, k.type) for k in table.partition_keys] == [("flight_date", "date")]
    assert table.parameters["classification"] == "parquet"
    assert [p.values for p in parts] == [("2013-01-01",), ("2013-01-02",)]
    assert parts[0].location == f"{location}/flight_date=2013-01-01"
    sync([{"flight_date": "2013-01-02"}, {"flight_date": "2013-01-03"}])
    with catalog_for(project) as cat:
        values = [p.values for p in cat.iter_partitions("demo_exportable", "trips_export")]
    assert values == [("2013-01-02",), ("2013-01-03",)]
    with pytest.raises(InvalidInputError, match="exactly the partition keys"):
        sync([{"day": "1"}])


def test_check_schema_change(project):
    check_schema_change(project, zone="curated", name="trips", columns=COLS)   # nothing yet
    _sync_delta(project)
    check_schema_change(project, zone="curated", name="trips", columns=[*COLS, ("x", "int")])
    check_schema_change(project, zone="curated", name="trips", columns=[("id", "integer"),
                                                                        *COLS[1:]])
    with pytest.raises(SchemaError) as err:
        check_schema_change(project, zone="curated", name="trips",
                            columns=[("id", "string"), *COLS[1:]])
    assert "id: int  ->  string   (type changed)" in str(err.value)
    assert "demo_curated.trips" in str(err.value)
    with pytest.raises(SchemaError, match="strict"):
        check_schema_change(project, zone="curated", name="trips", columns=[*COLS, ("x", "int")],
                            policy="strict")
    check_schema_change(project, zone="curated", name="trips", columns=COLS[:1],
                        policy="permissive")


def test_partition_keys_not_counted_as_dropped(project):
    sync_table(project, zone="exportable", name="e", location="file:///x/e",
               table_format="parquet", columns=COLS, partition_keys=[("flight_date", "date")])
    check_schema_change(project, zone="exportable", name="e", columns=COLS[:2])
    with pytest.raises(SchemaError, match="city string   \\(dropped\\)"):
        check_schema_change(project, zone="exportable", name="e", columns=COLS[:1])


def test_local_backend_on_s3_lake_is_a_clear_error(tmp_path):
    from lakehouse.testing.project import write_trips_conf as write_conf

    conf = write_conf(tmp_path)
    text = (conf / "lake.yaml").read_text().replace("./lake", "s3://bucket/lake")
    (conf / "lake.yaml").write_text(text)
    from lakehouse.config import load_project

    with pytest.raises(CatalogError, match="needs a local lake") as err:
        catalog_for(load_project(conf))
    assert "catalog.backend: glue" in str(err.value)


def test_project_fixture_builds_a_local_lake(tmp_path):
    project = make_project(tmp_path)
    assert project.database("raw") == "demo_raw"
    assert project.lake_root.startswith("file://")
