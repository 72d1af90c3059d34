"""Known races, each made to happen at the exact moment that used to lose or double rows.

The concurrent writer is real (an ingest, a curate through the runner) and is started from
inside the racing stage at the instant between its read and its commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.stages import StageContext, curate, ingest
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import write_file, write_project

pytestmark = [pytest.mark.spark, pytest.mark.integration]

TRIPS = {"name": "trips", "source": {"format": "csv", "path": "trips", "options": {"header": True}},
         "schema": [{"name": "id", "type": "int"}, {"name": "city", "type": "string"}],
         "primary_key": ["id"],
         "rules": {"raw_to_curated": [{"name": "city_known", "rule": "in_set", "column": "city",
                                       "values": ["a", "b"], "severity": "quarantine"}]}}


def _project(root: Path, rules_severity: str = "quarantine"):
    doc = {**TRIPS, "rules": {"raw_to_curated": [
        {**TRIPS["rules"]["raw_to_curated"][0], "severity": rules_severity}]}}
    return load_project(write_project(root, datasets={"trips": doc}, lake={
        "reports": {"enabled": False}, "lineage": {"transport": "none"}}))


def _land(project, name: str, rows: list[tuple[int, str]]) -> None:
    body = "id,city\n" + "".join(f"{i},{c}\n" for i, c in rows)
    write_file(local_path(project.zone_uri("landing")) / "trips" / name, body)


class _AppendDuringCurate(StageContext):
    """Curate's context whose raw table gets a real ingest commit right after curate fixed
    the raw version it will read (the moment a concurrent ingest can land)."""

    def table(self, uri):
        store = super().table(uri)
        if uri == self.project.table_uri("raw", "trips") and not getattr(self, "fired", False):
            read_version = store.version

            def version():
                fixed = read_version()
                if not getattr(self, "fired", False):
                    self.fired = True
                    _land(self.project, "late.csv", [(3, "a"), (4, "zz")])
                    ingest(StageContext(self.spark, self.project, "concurrent-ingest"),
                           self.project.datasets["trips"])
                return fixed

            store.version = version
        return store


def test_rows_appended_during_curate_are_curated_once_by_the_next_run(tmp_path, spark) -> None:
    project = _project(tmp_path)
    dataset = project.datasets["trips"]
    _land(project, "first.csv", [(1, "a"), (2, "xx")])
    run_pipeline(project, stage="ingest", spark=spark, workers=1)

    first = curate(_AppendDuringCurate(spark, project, "curate-1"), dataset)
    assert first.rows_read == 2                            # the range fixed at stage start
    assert first.table_versions["raw"] == 0
    second = curate(StageContext(spark, project, "curate-2"), dataset)
    assert second.rows_read == 2                           # the late rows, exactly once
    assert first.balanced and second.balanced
    raw_rows = read_delta(project.table_uri("raw", "trips")).num_rows
    assert first.rows_read + second.rows_read == raw_rows == 4
    curated = read_delta(project.table_uri("curated", "trips")).to_pandas()
    quarantined = read_delta(project.quarantine_uri("trips", "raw_to_curated")).to_pandas()
    assert sorted(curated["id"]) == [1, 3]
    assert sorted(quarantined["id"].astype(int)) == [2, 4]  # no quarantine row twice


def test_replay_never_drops_rows_a_concurrent_curate_quarantines(tmp_path, spark,
                                                                monkeypatch) -> None:
    from lakehouse.errors import QualityGateError
    from lakehouse.quality import replay as replay_module

    strict = _project(tmp_path)
    _land(strict, "first.csv", [(1, "a"), (2, "xx")])
    run_pipeline(strict, stage="all", spark=spark, workers=1)
    relaxed = _project(tmp_path, rules_severity="warn")    # the rule fix a replay follows

    opened = replay_module.table

    def table_with_a_racing_curate(spark_, project_, uri):
        store = opened(spark_, project_, uri)
        if uri == strict.quarantine_uri("trips", "raw_to_curated"):
            overwrite = store.overwrite

            def racing_overwrite(*args, **kwargs):       # a scheduled run, still on old rules
                _land(strict, "late.csv", [(5, "yy")])
                run_pipeline(strict, stage="all", spark=spark, workers=1)
                return overwrite(*args, **kwargs)

            store.overwrite = racing_overwrite
        return store

    monkeypatch.setattr(replay_module, "table", table_with_a_racing_curate)
    with pytest.raises(QualityGateError, match="changed during the replay"):
        replay_module.replay(spark, relaxed, "trips")
    monkeypatch.setattr(replay_module, "table", opened)
    quarantined = read_delta(strict.quarantine_uri("trips", "raw_to_curated")).to_pandas()
    assert sorted(quarantined["id"].astype(int)) == [2, 5]  # the late row is still there

    again = replay_module.replay(spark, relaxed, "trips")  # the user runs it again
    assert (again.rows_replayed, again.rows_fixed, again.rows_still_quarantined) == (2, 2, 0)
    curated = read_delta(strict.table_uri("curated", "trips")).to_pandas()
    assert sorted(curated["id"]) == [1, 2, 5]              # every row, each key once
    assert read_delta(strict.quarantine_uri("trips", "raw_to_curated")).num_rows == 0
