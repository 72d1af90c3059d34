"""S3 put -> SQS -> the listener -> the REAL local pipeline -> curated Delta, each object once.

Real parts throughout: moto server over HTTP, the bucket notification, the worker, the SQLite
idempotency store, the local dispatcher copying objects into the local landing zone, the
lead's runner on the session Spark, and an independent ``deltalake`` read of curated.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from deltalake import DeltaTable

from lakehouse.config import load_project
from lakehouse.events.service import build_worker
from lakehouse.events.testing import drain, wire_landing_bucket
from lakehouse.sample import write_nycflights13
from lakehouse.storage.uri import local_path

pytestmark = [pytest.mark.spark, pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
ROWS = 200
FILES = ["flights/flights_2013_01.csv", "flights/flights_2013_02.csv"]


@pytest.fixture
def project(tmp_path: Path):
    conf = tmp_path / "conf"
    (conf / "datasets").mkdir(parents=True)
    shutil.copy(REPO / "conf" / "lake.yaml", conf / "lake.yaml")
    doc = yaml.safe_load((REPO / "conf" / "datasets" / "flights.yaml").read_text())
    # this project holds only flights: drop the rules that reference other datasets' tables
    doc["rules"] = {gate: [r for r in rules if r["rule"] != "references"]
                    for gate, rules in doc["rules"].items()}
    (conf / "datasets" / "flights.yaml").write_text(yaml.safe_dump(doc))
    return load_project(conf)


@pytest.fixture
def sample_files(tmp_path: Path) -> Path:
    producer = tmp_path / "producer"
    write_nycflights13(producer.as_uri(), months=[1, 2], max_rows_per_file=ROWS)
    return producer


def test_arrivals_run_the_local_pipeline_to_curated_once(project, sample_files, aws, spark,
                                                         unique_name) -> None:
    wiring = wire_landing_bucket(aws.s3, aws.sqs, unique_name)
    for rel in FILES:
        aws.s3.upload_file(str(sample_files / rel), wiring.bucket, rel)
    bodies = [m["Body"] for m in drain(aws.sqs, wiring.queue_url)]   # keep them to redeliver
    assert len(bodies) == 3                                            # test event + 2 puts
    for body in bodies + bodies:                                       # every event twice
        aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=body)

    worker = build_worker(project, queue_url=wiring.queue_url, endpoint_url=aws.endpoint,
                          wait_seconds=1, window_seconds=0, spark=spark)
    stats = worker.run(once=True)
    assert (stats.runs, stats.run_failures, stats.rejected) == (1, 0, 0), stats
    assert stats.duplicates == 2 and stats.ignored == 2

    landing = local_path(project.zone_uri("landing"))
    for rel in FILES:                     # copied byte for byte into the local landing zone
        assert (landing / rel).read_bytes() == (sample_files / rel).read_bytes()
    curated = DeltaTable(project.table_uri("curated", "flights"))
    frame = curated.to_pyarrow_dataset().to_table().to_pandas()
    expected = pd.concat([pd.read_csv(sample_files / rel) for rel in FILES])
    key = project.datasets["flights"].primary_key
    assert len(frame) == len(expected.drop_duplicates(key)) == 2 * ROWS
    assert sorted(frame["month"].unique().tolist()) == [1, 2]
    assert frame.duplicated(key).sum() == 0
    version = curated.version()
    [record] = list(local_path(f"{project.runs_uri}/runs").glob("*.json"))   # the run record
    trigger = json.loads(record.read_text())["trigger"]
    assert trigger["type"] == "s3_arrival" and trigger["dataset"] == "flights"
    assert sorted(o["key"] for o in trigger["objects"]) == FILES

    for body in bodies:                  # much later: the same events again -> no new run
        aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=body)
    again = build_worker(project, queue_url=wiring.queue_url, endpoint_url=aws.endpoint,
                         wait_seconds=1, window_seconds=0, spark=spark).run(once=True)
    assert again.runs == 0 and again.duplicates == 2
    assert DeltaTable(project.table_uri("curated", "flights")).version() == version
    assert drain(aws.sqs, wiring.queue_url) == [] and drain(aws.sqs, wiring.dlq_url) == []
