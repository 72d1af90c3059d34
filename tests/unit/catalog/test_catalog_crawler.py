"""The crawler on real files: Parquet footers, CSV/JSON samples, Delta logs (deltalake)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehouse.catalog.crawler import crawl, discover
from lakehouse.catalog.local import LocalCatalog
from lakehouse.errors import CatalogError, SchemaError


def write_parquet(folder: Path, rows: list[dict], name: str = "part-0.parquet") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / name)


@pytest.fixture
def zone(tmp_path: Path) -> Path:
    root = tmp_path / "exportable"
    for day, origin in [("2013-01-01", "JFK"), ("2013-01-02", "LGA"), ("2013-01-02", "a:b")]:
        esc = origin.replace(":", "%3A")
        write_parquet(root / "trips" / f"dt={day}" / f"origin={esc}",
                      [{"id": 1, "distance": 1.5, "tags": ["x"]}])
    (root / "trips" / "_SUCCESS").write_text("")
    csv_dir = root / "cities"
    csv_dir.mkdir(parents=True)
    with gzip.open(csv_dir / "cities.csv.gz", "wt") as fh:
        fh.write("name,population,founded\nNYC,8000000,1624-01-01\nLA,3900000,1781-09-04\n")
    (root / "events").mkdir()
    (root / "events" / "e.jsonl").write_text(
        json.dumps({"kind": "a", "n": 1, "at": "x"}) + "\n" + json.dumps({"kind": "b", "n": 2}) + "\n")
    from deltalake import write_deltalake

    write_deltalake(str(root / "curated_trips"), pa.Table.from_pylist(
        [{"id": 1, "city": "NYC", "day": "2013-01-01"}]), partition_by=["day"])
    write_deltalake(str(root / "quarantine" / "trips" / "raw_to_curated"),
                    pa.Table.from_pylist([{"id": 1, "_rule": "r"}]))
    (root / ".hidden").mkdir()
    return root


def test_discover_infers_formats_schemas_partitions(zone):
    found = {t.name: t for t in discover(zone)}
    assert set(found) == {"trips", "cities", "events", "curated_trips",
                          "quarantine_trips_raw_to_curated"}
    trips = found["trips"]
    assert trips.table_format == "parquet"
    assert [(c.name, c.type) for c in trips.columns] == [
        ("id", "bigint"), ("distance", "double"), ("tags", "array<string>")]
    assert [(k.name, k.type) for k in trips.partition_keys] == [("dt", "date"),
                                                                ("origin", "string")]
    assert ("2013-01-02", "a:b") in trips.partitions and len(trips.partitions) == 3
    cities = found["cities"]
    assert cities.table_format == "csv"
    assert [(c.name, c.type) for c in cities.columns] == [
        ("name", "string"), ("population", "bigint"), ("founded", "date")]
    assert found["events"].table_format == "json"
    assert {c.name for c in found["events"].columns} == {"kind", "n", "at"}
    delta = found["curated_trips"]
    assert delta.table_format == "delta"
    assert [(c.name, c.type) for c in delta.columns] == [("id", "bigint"), ("city", "string")]
    assert [k.name for k in delta.partition_keys] == ["day"]


def test_crawl_registers_and_recrawl_is_unchanged(zone, tmp_path):
    cat = LocalCatalog(tmp_path / "cat.db")
    report = crawl(cat, zone, database="lake_exportable")
    assert {r.action for r in report.results} == {"created"}
    trips = cat.get_table("lake_exportable", "trips")
    assert trips.location == zone.joinpath("trips").as_uri()
    parts = {p.values: p.location for p in cat.iter_partitions("lake_exportable", "trips")}
    assert parts[("2013-01-02", "a:b")].endswith("/trips/dt=2013-01-02/origin=a%3Ab")
    delta = cat.get_table("lake_exportable", "curated_trips")
    assert delta.parameters["table_type"] == "DELTA"
    assert [c.name for c in delta.all_columns] == ["id", "city", "day"]
    again = crawl(cat, zone, database="lake_exportable")
    assert {r.action for r in again.results} == {"unchanged"}


def test_additive_change_makes_new_version(zone, tmp_path):
    cat = LocalCatalog(tmp_path / "cat.db")
    crawl(cat, zone, database="lake")
    write_parquet(zone / "trips" / "dt=2013-01-03" / "origin=EWR",
                  [{"id": 2, "distance": 2.0, "tags": [], "carrier": "UA"}])
    report = {r.table: r for r in crawl(cat, zone, database="lake").results}
    assert report["trips"].action == "versioned"
    assert report["trips"].version_id == "2"
    assert "+ carrier string   (added)" in report["trips"].diff
    assert len(list(cat.iter_partitions("lake", "trips"))) == 4
    assert [c.name for c in cat.get_table_version("lake", "trips", "1").columns] == [
        "id", "distance", "tags"]


def test_breaking_change_fails_with_diff_and_registers_nothing(zone, tmp_path):
    cat = LocalCatalog(tmp_path / "cat.db")
    crawl(cat, zone, database="lake")
    # cities: population becomes text (type change); trips gets an additive column
    with gzip.open(zone / "cities" / "cities.csv.gz", "wt") as fh:
        fh.write("name,population,founded\nNYC,lots,1624-01-01\n")
    write_parquet(zone / "trips" / "dt=2013-01-03" / "origin=EWR",
                  [{"id": 2, "distance": 2.0, "tags": [], "carrier": "UA"}])
    with pytest.raises(SchemaError) as err:
        crawl(cat, zone, database="lake")
    text = str(err.value)
    assert "population: bigint  ->  string   (type changed)" in text
    assert "nothing was registered" in text
    assert cat.get_table("lake", "trips").version_id == "1"
    assert len(list(cat.iter_partitions("lake", "trips"))) == 3
    report = crawl(cat, zone, database="lake", policies={"cities": "permissive"})
    assert {r.table: r.action for r in report.results}["cities"] == "versioned"


def test_strict_policy_rejects_added_column(zone, tmp_path):
    cat = LocalCatalog(tmp_path / "cat.db")
    crawl(cat, zone, database="lake")
    write_parquet(zone / "trips" / "dt=2013-01-03" / "origin=EWR",
                  [{"id": 2, "distance": 2.0, "tags": [], "carrier": "UA"}])
    with pytest.raises(SchemaError, match="carrier"):
        crawl(cat, zone, database="lake", policy="strict")


def test_mixed_layouts_and_missing_folder_are_clear_errors(tmp_path):
    write_parquet(tmp_path / "z" / "t" / "dt=1", [{"a": 1}])
    write_parquet(tmp_path / "z" / "t", [{"a": 1}], name="loose.parquet")
    with pytest.raises(CatalogError, match="different folder layouts"):
        discover(tmp_path / "z")
    with pytest.raises(CatalogError, match="not a folder"):
        discover(tmp_path / "missing")


def test_versioned_export_is_crawled_at_its_manifest_version(tmp_path):
    root = tmp_path / "exportable" / "scores"
    write_parquet(root / "v00001" / "day=2013-01-01", [{"id": 1}])
    write_parquet(root / "v00002" / "day=2013-01-02", [{"id": 1, "score": 0.5}])
    (root / "_manifest.json").write_text(json.dumps({"location": (root / "v00002").as_uri()}))
    (table,) = discover(tmp_path / "exportable")
    assert table.path == root / "v00002"
    assert [c.name for c in table.columns] == ["id", "score"]
    assert table.partitions == [("2013-01-02",)]
