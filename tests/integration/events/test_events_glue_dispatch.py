"""Arrivals dispatched to AWS Glue through the runtimes' own ``submit`` (moto server):
one Glue job run per micro-batch, none for redeliveries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.events.service import build_worker
from lakehouse.events.testing import drain, wire_landing_bucket

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lakehouse.runtimes.submit.packaging import build_package

    out = tmp_path_factory.mktemp("pkg") / "dist"
    build_package(REPO, out, deps_archive=False)   # Glue needs no packed venv
    return out


def test_arrivals_start_one_glue_run_per_batch(aws, unique_name, tmp_path: Path,
                                               package_dir: Path) -> None:
    wiring = wire_landing_bucket(aws.s3, aws.sqs, unique_name)
    aws.s3.create_bucket(Bucket=f"{unique_name}-art")
    conf = tmp_path / "conf"
    (conf / "datasets").mkdir(parents=True)
    (conf / "datasets" / "airports.yaml").write_text(
        (REPO / "conf" / "datasets" / "airports.yaml").read_text())
    (conf / "lake.yaml").write_text(yaml.safe_dump({
        "project": "trig",
        "lake": {"root": str(tmp_path / ".lake")},
        "runtimes": {"region": "us-east-1", "endpoint_url": aws.endpoint,
                     "artifacts_uri": f"s3://{unique_name}-art/artifacts",
                     "glue": {"role_arn": "arn:aws:iam::123456789012:role/glue",
                              "job_name": unique_name}},
        "triggers": {"dispatch": "glue", "package_dir": str(package_dir), "window_seconds": 0,
                     "wait_seconds": 1, "queue_url": wiring.queue_url},
    }))
    project = load_project(conf)
    for name in ("airports/airports.csv", "airports/more airports.csv"):
        aws.s3.put_object(Bucket=wiring.bucket, Key=name, Body=b"faa,name\nJFK,Kennedy\n")
    bodies = [m["Body"] for m in drain(aws.sqs, wiring.queue_url)]
    for body in bodies * 2:                               # everything delivered twice
        aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=body)
    stats = build_worker(project, endpoint_url=aws.endpoint).run(once=True)
    assert (stats.runs, stats.run_failures, stats.duplicates) == (1, 0, 2)
    from lakehouse.events.aws import client

    glue = client("glue", endpoint_url=aws.endpoint)
    runs = glue.get_job_runs(JobName=unique_name)["JobRuns"]
    assert len(runs) == 1
    assert runs[0]["Arguments"]["--dataset"] == "airports"
    assert drain(aws.sqs, wiring.queue_url) == [] and drain(aws.sqs, wiring.dlq_url) == []
