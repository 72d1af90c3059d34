"""Everything wired from ``conf/lake.yaml``: DynamoDB idempotency via build_worker, and the
Lambda ``handler`` entry point reading ``$LAKEHOUSE_CONF``."""

from __future__ import annotations

import json

import pytest

from lakehouse.events import lambda_handler
from lakehouse.events.aws import client
from lakehouse.events.dynamodb_store import DynamoDbIdempotencyStore
from lakehouse.events.service import build_worker
from lakehouse.events.testing import RecordingDispatcher, drain, wire_landing_bucket

pytestmark = [pytest.mark.aws, pytest.mark.integration]


def test_worker_with_dynamodb_idempotency_from_conf(aws, unique_name, make_project) -> None:
    ddb = client("dynamodb", endpoint_url=aws.endpoint)
    DynamoDbIdempotencyStore.create_table(ddb, unique_name)
    wiring = wire_landing_bucket(aws.s3, aws.sqs, unique_name)
    project = make_project(triggers={
        "window_seconds": 0, "wait_seconds": 1, "retry_backoff_seconds": 0,
        "queue_url": wiring.queue_url,
        "idempotency": {"backend": "dynamodb", "table": unique_name}})
    aws.s3.put_object(Bucket=wiring.bucket, Key="flights/ddb.csv", Body=b"id\n1\n")
    [notification] = [m["Body"] for m in drain(aws.sqs, wiring.queue_url) if "Records" in m["Body"]]
    for _ in range(3):
        aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=notification)
    rec = RecordingDispatcher()
    for _ in range(2):   # two workers one after the other share the DynamoDB store
        build_worker(project, endpoint_url=aws.endpoint, dispatcher=rec).run(once=True)
        aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=notification)
    assert rec.keys() == ["flights/ddb.csv"]
    item = ddb.get_item(TableName=unique_name,
                        Key={"pk": {"S": f"v#{wiring.bucket}/flights/ddb.csv#etag:"
                                          f"{rec.requests[0].objects[0]['etag']}#5"}})["Item"]
    assert item["status"]["S"] == "done" and item["run_id"]["S"] == "run-1"


def test_lambda_entry_point_reads_the_project_from_env(aws, make_project, tmp_path,
                                                       monkeypatch) -> None:
    make_project()
    monkeypatch.setenv("LAKEHOUSE_CONF", str(tmp_path / "conf"))
    monkeypatch.setattr(lambda_handler, "_cached", {})
    event = {"Records": [
        {"messageId": "t", "eventSource": "aws:sqs", "attributes": {},
         "body": json.dumps({"Event": "s3:TestEvent", "Bucket": "b"})},
        {"messageId": "p", "eventSource": "aws:sqs", "attributes": {}, "body": "{}"},
    ]}
    assert lambda_handler.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "p"}]}
