"""A run SIGKILLed in ingest with the lake on S3 (a moto server over HTTP), then the producer
puts the same objects again (same bytes, so the same ETag, a later LastModified): the next
run resumes the pending batch instead of refusing every file as "changed while being read"
(issue 31). On S3 a file's content identity is its size and ETag; on a local disk its
size and SHA-256 (tests/integration/test_fault_recovery.py covers that path)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import yaml
from deltalake import DeltaTable

from lakehouse.failpoints import FAULT_ENV, MODE_ENV
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.records.bookmarks import BookmarkStore
from lakehouse.sample import write_nycflights13
from lakehouse.tables.fs import storage_options
from lakehouse.tables.locks import DynamoDbTableLock
from lakehouse.testing.project import SMALL_SPARK, make_project

pytestmark = [pytest.mark.spark, pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
ROWS = 120


def test_sigkilled_ingest_on_s3_then_the_same_objects_again(s3a_spark, moto_process_endpoint,
                                                            unique_name, tmp_path,
                                                            monkeypatch) -> None:
    endpoint = moto_process_endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", unique_name)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=unique_name)
    DynamoDbTableLock(f"{unique_name}-locks", endpoint_url=endpoint).ensure_table()
    conf = tmp_path / "conf-src"
    shutil.copytree(REPO / "conf", conf)
    lake = yaml.safe_load((conf / "lake.yaml").read_text())
    lake["spark"] = SMALL_SPARK
    lake["reports"], lake["lineage"] = {"enabled": False}, {"transport": "none"}
    dev = lake["profiles"]["dev"]
    dev["catalog"]["endpoint_url"] = endpoint
    dev["tables"] = {"backend": "portable", "lock": "dynamodb",
                     "lock_table": f"{unique_name}-locks"}
    (conf / "lake.yaml").write_text(yaml.safe_dump(lake))
    project = make_project(tmp_path / "project", conf, env="dev")
    landing = project.zone_uri("landing")
    write_nycflights13(landing, months=[1], max_rows_per_file=ROWS)

    env = {**os.environ, "PYTHONPATH": str(REPO), FAULT_ENV: "ingest.table.after_commit@/raw/"}
    env.pop(MODE_ENV, None)
    killed = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "run", "--conf", str(project.conf_dir),
         "--env", "dev", "--dataset", "flights", "--stage", "ingest"],
        env=env, capture_output=True, text=True, timeout=600, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert BookmarkStore(project.runs_uri).load("flights").pending is not None

    key = "lake/landing/flights/flights_2013_01.csv"
    first = s3.head_object(Bucket=unique_name, Key=key)
    time.sleep(1.1)   # S3 times have a one-second resolution: make the new one later
    write_nycflights13(landing, months=[1], max_rows_per_file=ROWS)   # the same bytes again
    again = s3.head_object(Bucket=unique_name, Key=key)
    assert again["ETag"] == first["ETag"] and again["LastModified"] > first["LastModified"]

    rerun = run_pipeline(project, datasets=["flights"], stage="ingest", spark=s3a_spark)
    assert rerun.status == "succeeded", rerun.render()
    stage = rerun.stages[0]
    assert stage.message == "batch was already committed by an earlier run; bookmark repaired"
    assert (stage.rows_read, stage.rows_written) == (ROWS, ROWS)
    raw = project.table_uri("raw", "flights")
    table = DeltaTable(raw, storage_options=storage_options(raw))
    assert table.version() == 0 and table.to_pyarrow_dataset().count_rows() == ROWS
    bookmark = BookmarkStore(project.runs_uri).load("flights")
    assert bookmark.pending is None and sorted(bookmark.ingested) == [
        "flights/flights_2013_01.csv"]
    assert bookmark.ingested["flights/flights_2013_01.csv"]["etag"] == first["ETag"].strip('"')
