"""``run_maintenance``: compaction of daily appends and VACUUM, counted in the run record and
checked with delta-rs."""

from __future__ import annotations

import json

import pytest
from deltalake import DeltaTable

from lakehouse.config import load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.pipeline.maintenance import run_maintenance
from lakehouse.records.details import MaintainDetails
from lakehouse.storage.uri import local_path
from lakehouse.testing.project import write_file, write_project

pytestmark = [pytest.mark.spark, pytest.mark.integration]

EVENTS = {"name": "events", "source": {"format": "csv", "path": "events",
                                       "options": {"header": True}},
          "schema": [{"name": "id", "type": "int"}, {"name": "day", "type": "date"}],
          "primary_key": ["id"], "partition_by": ["day"]}


def test_maintain_compacts_daily_appends_and_records_file_counts(spark, tmp_path) -> None:
    conf = write_project(tmp_path, lake={"reports": {"enabled": False}},
                         datasets={"events": EVENTS})
    project = load_project(conf)
    landing = local_path(project.zone_uri("landing"))
    for n in range(3):  # three daily deliveries: three small files in one raw partition
        write_file(landing / "events" / f"e{n}.csv", f"id,day\n{n},2024-01-01\n{n + 10},2024-01-02\n")
        run_pipeline(project, spark=spark)
    raw_uri = project.table_uri("raw", "events")
    assert len(DeltaTable(raw_uri).file_uris()) == 3
    version = DeltaTable(raw_uri).version()

    dry = run_maintenance(project, dry_run=True, spark=spark)
    details = dry.stages[0].details
    assert isinstance(details, MaintainDetails) and details.dry_run
    assert details.tables["raw.events"].files_before == details.tables["raw.events"].files_after == 3
    assert DeltaTable(raw_uri).version() == version            # a dry run commits nothing

    done = run_maintenance(project, datasets=["events"], spark=spark)
    assert done.status == "succeeded" and done.stage == "maintain"
    raw = done.stages[0].details.tables["raw.events"]
    assert (raw.files_before, raw.files_after, raw.files_compacted) == (3, 1, 3)
    assert len(DeltaTable(raw_uri).file_uris()) == 1
    assert DeltaTable(raw_uri).to_pyarrow_table().num_rows == 6   # no row lost or added
    record = json.loads((local_path(project.runs_uri) / "runs" / f"{done.run_id}.json").read_text())
    assert record["stages"][0]["details"]["tables"]["raw.events"]["files_after"] == 1
    # the compaction commit adds no rows for curate's incremental read: only the new file's
    write_file(landing / "events" / "e3.csv", "id,day\n3,2024-01-01\n")
    after = run_pipeline(project, spark=spark)
    assert next(s for s in after.stages if s.stage == "curate").rows_read == 1
