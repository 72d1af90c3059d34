"""`lakehouse catalog ls/show/history/crawl` through click's runner."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lakehouse.catalog.sync import sync_table
from lakehouse.cli.catalog import command

COLS = [("id", "int"), ("city", "string"), ("flight_date", "date")]


@pytest.fixture
def filled(project):
    sync_table(project, zone="curated", name="trips", location=project.table_uri("curated", "trips"),
               table_format="delta", columns=COLS)
    sync_table(project, zone="curated", name="trips", location=project.table_uri("curated", "trips"),
               table_format="delta", columns=[*COLS, ("distance", "double")])
    sync_table(project, zone="exportable", name="trips_export",
               location=project.table_uri("exportable", "trips_export"), table_format="parquet",
               columns=COLS, partition_keys=[("flight_date", "date")],
               partitions=[{"flight_date": f"2013-01-0{d}"} for d in range(1, 4)])
    return project


def run(project, *args):
    result = CliRunner().invoke(command, [*args, "--conf", str(project.conf_dir)])
    return result


def test_ls_all_and_json(filled):
    result = run(filled, "ls")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["TABLE", "FORMAT", "COLUMNS", "PARTITIONS", "VERSION", "LOCATION"]
    assert any(line.startswith("demo_curated.trips ") and " delta " in line for line in lines)
    export = next(line for line in lines if line.startswith("demo_exportable.trips_export"))
    assert export.split()[1:5] == ["parquet", "3", "3", "1"]
    data = json.loads(run(filled, "ls", "demo_curated", "--json").output)
    assert data == [{"table": "demo_curated.trips", "format": "delta", "columns": 4,
                     "partitions": None, "version": "2",
                     "location": filled.table_uri("curated", "trips")}]


def test_show_and_history(filled):
    result = run(filled, "show", "demo_exportable.trips_export", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert "partition keys: flight_date date" in result.output
    assert "partitions: 3 registered (first 2)" in result.output
    assert "2013-01-01  " + filled.table_uri("exportable", "trips_export") in result.output
    info = json.loads(run(filled, "show", "demo_curated.trips", "--json").output)
    assert info["versions"] == ["1", "2"] and info["columns"][-1]["name"] == "distance"
    old = json.loads(run(filled, "show", "demo_curated.trips", "--version", "1", "--json").output)
    assert [c["name"] for c in old["columns"]] == ["id", "city", "flight_date"]
    hist = run(filled, "history", "demo_curated.trips")
    assert hist.exit_code == 0
    assert "+distance double" in hist.output and "created" in hist.output


def test_crawl_zone_uses_zone_database(project, tmp_path):
    zone = project.zone_uri("exportable").removeprefix("file://")
    folder = tmp_path / "lake" / "exportable" / "scores" / "day=2013-01-01"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"id": [1], "score": [0.5]}), folder / "p.parquet")
    result = run(project, "crawl", zone)
    assert result.exit_code == 0, result.output
    assert "demo_exportable.scores" in result.output and "created" in result.output
    assert json.loads(run(project, "ls", "demo_exportable", "--json").output)[0]["partitions"] == 1


def test_errors_are_short_and_non_zero(project, tmp_path):
    result = run(project, "show", "demo_curated.nope")
    assert result.exit_code != 0
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output
    result = run(project, "show", "NotQualified")
    assert result.exit_code != 0 and "DATABASE.TABLE" in result.output
    result = run(project, "crawl", str(tmp_path))
    assert result.exit_code != 0 and "--database" in result.output


@pytest.mark.parametrize("sub", ["ls", "show", "history", "crawl"])
def test_help_has_example(sub):
    result = CliRunner().invoke(command, [sub, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "lakehouse catalog" in result.output
