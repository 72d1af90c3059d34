"""Issue 27: AWS DMS output (header-less CSV full load + CDC files) applied as SCD1 / SCD2.

Through the real runner, on both Delta write paths; tables checked with deltalake.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import SMALL_SPARK, write_project

pytestmark = [pytest.mark.spark, pytest.mark.integration]

FULL_LOAD = ("2026-12-07 10:00:00.000000,1,alpha,10\n"
             "2026-12-07 10:00:00.000000,2,beta,20\n"
             "2026-12-07 10:00:00.000000,3,gamma,30\n")
CDC_1 = ("U,2026-12-07 10:15:00.000000,1,alpha,11\n"
         "D,2026-12-07 10:15:01.000000,2,beta,20\n"
         "I,2026-12-07 10:15:02.000000,4,delta,40\n"
         "U,2026-12-07 10:15:03.000000,4,delta,41\n")
LATE = ("U,2026-12-07 10:10:00.000000,2,beta,99\n"      # older than the delete of 2: stale
        "U,2026-12-07 10:10:00.000000,1,alpha,5\n"      # older than the update of 1: stale
        "D,2026-12-07 10:20:00.000000,9,nobody,0\n"     # a delete of a key never seen
        "X,2026-12-07 10:20:01.000000,3,gamma,31\n")    # not an operation: quarantined


def _dataset(mode: str) -> dict:
    return {
        "name": "items",
        "source": {"format": "csv", "path": "dms/shop/items", "pattern": "*.csv"},
        "schema": [{"name": "id", "type": "int", "nullable": False},
                   {"name": "name", "type": "string"},
                   {"name": "qty", "type": "int"},
                   {"name": "changed_at", "type": "timestamp"}],
        "primary_key": ["id"],
        "changes": {"mode": mode, "timestamp_column": "changed_at"},
    }


def _project(root: Path, mode: str, backend: str):
    from lakehouse.config import load_project

    conf = write_project(root, lake={"spark": SMALL_SPARK, "tables": {"backend": backend}},
                         datasets={"items": _dataset(mode)},
                         landing={"dms/shop/items/LOAD00000001.csv": FULL_LOAD,
                                  "dms/shop/items/20261207-101500123.csv": CDC_1})
    return load_project(conf)


def _curate(summary):
    return next(s for s in summary.stages if s.stage == "curate")


def _land(project, name: str, text: str) -> None:
    path = local_path(project.zone_uri("landing")) / "dms/shop/items" / name
    path.write_text(text)


def _rows(project, **kw) -> list[dict]:
    return read_delta(project.table_uri("curated", "items"), **kw).to_pylist()


# each mode through the runner on one write path (the other is covered too: the apply
# functions run on both in tests/spark/tables/test_changes_property.py)
@pytest.mark.parametrize("backend", ["portable"])
def test_scd1_applies_dms_full_load_and_changes(tmp_path: Path, spark, backend: str) -> None:
    project = _project(tmp_path, "scd1", backend)
    first = run_pipeline(project, spark=spark)
    assert first.status == "succeeded", first.render()
    current = {r["id"]: (r["name"], r["qty"]) for r in _rows(project)}
    assert current == {1: ("alpha", 11), 3: ("gamma", 30), 4: ("delta", 41)}
    curate = _curate(first)
    assert curate.balanced and curate.rows_read == 7
    # counted per key, its latest change against the table before the run: key 2 was
    # loaded and deleted within the run, so its delete finds no row (the table was empty)
    assert asdict(curate.details.changes) == {"inserted": 3, "updated": 0, "deleted": 0,
                                      "deletes_unknown": 1, "ignored": 0, "superseded": 3}

    _land(project, "20261207-101000000.csv", LATE)   # delivered late, older changes inside
    second = run_pipeline(project, spark=spark)
    assert {r["id"]: (r["name"], r["qty"]) for r in _rows(project)} == current
    curate = _curate(second)
    assert (curate.rows_read, curate.rows_quarantined) == (4, 1) and curate.balanced
    assert curate.details.changes.ignored == 2
    assert curate.details.changes.deletes_unknown == 1
    tombs = read_delta(project.table_uri("curated", "items") + "__tombstones").to_pylist()
    assert sorted(t["id"] for t in tombs) == [2, 9]

    # the same CDC file delivered again: ingested again, applied never (no curated commit)
    from deltalake import DeltaTable

    version = DeltaTable(project.table_uri("curated", "items")).version()
    _land(project, "20261207-101500123.csv", CDC_1 + "")
    third = run_pipeline(project, spark=spark)
    assert third.status == "succeeded", third.render()
    assert DeltaTable(project.table_uri("curated", "items")).version() == version
    assert {r["id"]: (r["name"], r["qty"]) for r in _rows(project)} == current


@pytest.mark.parametrize("backend", ["native"])
def test_scd2_keeps_history_of_dms_changes(tmp_path: Path, spark, backend: str) -> None:
    project = _project(tmp_path, "scd2", backend)
    first = run_pipeline(project, spark=spark)
    assert first.status == "succeeded", first.render()
    rows = sorted(_rows(project), key=lambda r: (r["id"], r["valid_from"]))
    got = [(r["id"], r["qty"], r["valid_from"].strftime("%H:%M:%S"),
            r["valid_to"] and r["valid_to"].strftime("%H:%M:%S"), r["is_current"]) for r in rows]
    assert got == [(1, 10, "10:00:00", "10:15:00", False), (1, 11, "10:15:00", None, True),
                   (2, 20, "10:00:00", "10:15:01", False),
                   (3, 30, "10:00:00", None, True),
                   (4, 40, "10:15:02", "10:15:03", False), (4, 41, "10:15:03", None, True)]
    curate = _curate(first)
    assert curate.balanced
    assert asdict(curate.details.changes) == {"inserted": 6, "updated": 0, "deleted": 1,
                                      "deletes_unknown": 0, "ignored": 0, "superseded": 0}

    _land(project, "20261207-101000000.csv", LATE)
    second = run_pipeline(project, spark=spark)
    assert second.status == "succeeded", second.render()
    assert sorted(_rows(project), key=lambda r: (r["id"], r["valid_from"])) == rows
    curate = _curate(second)
    assert curate.balanced and curate.details.changes.ignored == 2


def test_dms_parquet_output_is_read_by_column_name(tmp_path: Path, spark) -> None:
    import pandas as pd

    from lakehouse.config import load_project

    doc = _dataset("scd1")
    doc["source"] = {"format": "parquet", "path": "dms/shop/items", "pattern": "*.parquet"}
    conf = write_project(tmp_path, lake={"spark": SMALL_SPARK, "tables": {"backend": "portable"}},
                         datasets={"items": doc})
    project = load_project(conf)
    folder = local_path(project.zone_uri("landing")) / "dms/shop/items"
    folder.mkdir(parents=True)
    at = "2026-12-07 10:00:00.000000"
    pd.DataFrame({"changed_at": [at, at], "id": [1, 2], "name": ["a", "b"], "qty": [1, 2]}
                 ).to_parquet(folder / "LOAD00000001.parquet", index=False)
    pd.DataFrame({"Op": ["D", "U"], "changed_at": ["2026-12-07 10:05:00.000000"] * 2,
                  "id": [1, 2], "name": ["a", "b"], "qty": [1, 3]}
                 ).to_parquet(folder / "20261207-100500000.parquet", index=False)
    summary = run_pipeline(project, spark=spark)
    assert summary.status == "succeeded", summary.render()
    assert {r["id"]: r["qty"] for r in _rows(project)} == {2: 3}
    assert _curate(summary).balanced
