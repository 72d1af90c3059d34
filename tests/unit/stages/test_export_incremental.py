"""The Spark-free parts of incremental exports: changed partitions from a Delta log, the
partition of an output file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakehouse.errors import TableError
from lakehouse.stages.export_incremental import _partition_of, changed_partitions


def _commit(table: Path, version: int, *actions: dict) -> None:
    log = table / "_delta_log"
    log.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"commitInfo": {"operation": "WRITE"}}), *map(json.dumps, actions)]
    (log / f"{version:020d}.json").write_text("\n".join(lines) + "\n")


def _file(kind: str, day: str | None, name: str, *, data_change: bool = True) -> dict:
    return {kind: {"path": f"day={day}/{name}.parquet", "partitionValues": {"day": day},
                   "size": 10, "dataChange": data_change}}


def test_changed_partitions_are_those_of_added_and_removed_files(tmp_path: Path) -> None:
    table = tmp_path / "t"
    _commit(table, 0, {"metaData": {"id": "x"}}, _file("add", "2024-01-01", "a"))
    _commit(table, 1, _file("add", "2024-01-02", "b"), _file("add", None, "n"))
    _commit(table, 2, _file("remove", "2024-01-01", "a"), _file("add", "2024-01-03", "c"))
    _commit(table, 3, _file("remove", "2024-01-03", "c", data_change=False),  # compaction
            _file("add", "2024-01-03", "d", data_change=False))
    uri = table.as_uri()
    assert changed_partitions(uri, 0, 1, ["day"]) == {("2024-01-02",), (None,)}
    assert changed_partitions(uri, 1, 3, ["day"]) == {("2024-01-01",), ("2024-01-03",)}
    assert changed_partitions(uri, 2, 3, ["day"]) == set()         # a compaction changes no row
    assert changed_partitions(uri, -1, 1, ["day"]) is None          # version 0 set the schema
    (table / "_delta_log" / f"{1:020d}.json").unlink()
    with pytest.raises(TableError, match="no longer in the Delta log"):
        changed_partitions(uri, 0, 2, ["day"])


def test_partition_of_an_output_file() -> None:
    assert _partition_of("day=2024-01-01/part-0.parquet", ["day"]) == ("2024-01-01",)
    assert _partition_of("day=__HIVE_DEFAULT_PARTITION__/p.parquet", ["day"]) == (None,)
    assert _partition_of("city=New%20York/p.parquet", ["city"]) == ("New York",)
    assert _partition_of("a=1/b=x/p.parquet", ["a", "b"]) == ("1", "x")
    assert _partition_of("p.parquet", ["day"]) is None
    assert _partition_of("other=1/p.parquet", ["day"]) is None
