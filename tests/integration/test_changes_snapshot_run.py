"""Issue 27: snapshot sources (``changes.format: snapshot``) through the real runner: CSV
files with a header, changes derived by key, an empty snapshot file refused. Tables checked
with deltalake; the SCD modes on both write paths are in tests/spark/tables/."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import SMALL_SPARK, write_project

pytestmark = [pytest.mark.spark, pytest.mark.integration]

DATASET = {
    "name": "items",
    "source": {"format": "csv", "path": "crm/items", "pattern": "*.csv"},
    "schema": [{"name": "id", "type": "int", "nullable": False},
               {"name": "name", "type": "string"}, {"name": "qty", "type": "int"}],
    "primary_key": ["id"],
    "changes": {"format": "snapshot", "mode": "scd1"},
}


def test_snapshots_derive_changes_and_an_empty_one_is_refused(tmp_path: Path, spark) -> None:
    from lakehouse.config import load_project

    conf = write_project(tmp_path, lake={"spark": SMALL_SPARK, "tables": {"backend": "portable"}},
                         datasets={"items": DATASET},
                         landing={"crm/items/items_20261201.csv":
                                  "id,name,qty\n1,alpha,10\n2,beta,20\n3,gamma,30\n"})
    project = load_project(conf)
    first = run_pipeline(project, spark=spark)
    assert first.status == "succeeded", first.render()
    landing = local_path(project.zone_uri("landing")) / "crm/items"
    (landing / "items_20261202.csv").write_text("id,name,qty\n1,alpha,11\n3,gamma,30\n4,delta,40\n")
    (landing / "items_20261203.csv").write_text("id,name,qty\n")     # empty: would delete all
    second = run_pipeline(project, spark=spark)
    ingest = next(s for s in second.stages if s.stage == "ingest")
    assert "crm/items/items_20261203.csv" in ingest.refused, second.render()
    assert "empty snapshot file" in ingest.refused["crm/items/items_20261203.csv"]
    curate = next(s for s in second.stages if s.stage == "curate")
    assert curate.balanced and curate.rows_read == 3, second.render()
    changes = curate.details.changes
    assert (changes.inserted, changes.updated, changes.deleted, changes.ignored) == (1, 1, 1, 1)
    rows = read_delta(project.table_uri("curated", "items")).to_pylist()
    assert {r["id"]: (r["name"], r["qty"]) for r in rows} == {
        1: ("alpha", 11), 3: ("gamma", 30), 4: ("delta", 40)}
