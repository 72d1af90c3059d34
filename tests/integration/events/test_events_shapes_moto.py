"""Real envelopes from the moto server: S3 -> SNS -> SQS and S3 -> EventBridge -> SQS,
and the Lambda handler dead-lettering with a real DLQ."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakehouse.events.batching import MicroBatcher
from lakehouse.events.idempotency import SqliteIdempotencyStore
from lakehouse.events.lambda_handler import handle_event
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Router
from lakehouse.events.sqs_worker import SqsWorker, WorkerSettings
from lakehouse.events.testing import RecordingDispatcher, drain

pytestmark = [pytest.mark.aws, pytest.mark.integration]


def processor(tmp_path: Path, rec: RecordingDispatcher) -> ArrivalProcessor:
    return ArrivalProcessor(router=Router({"flights": "flights/*.csv"}),
                            store=SqliteIdempotencyStore(tmp_path / "s.sqlite"),
                            dispatcher=rec, batcher=MicroBatcher(0))


def queue(aws, name: str) -> tuple[str, str]:
    url = aws.sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def test_s3_to_sns_to_sqs(aws, unique_name, tmp_path: Path) -> None:
    from lakehouse.events.aws import client

    sns = client("sns", endpoint_url=aws.endpoint)
    url, arn = queue(aws, unique_name)
    topic = sns.create_topic(Name=unique_name)["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    aws.s3.create_bucket(Bucket=unique_name)
    aws.s3.put_bucket_notification_configuration(Bucket=unique_name, NotificationConfiguration={
        "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
    aws.s3.put_object(Bucket=unique_name, Key="flights/via sns+1.csv", Body=b"id\n1\n")
    rec = RecordingDispatcher()
    stats = SqsWorker(aws.sqs, url, processor(tmp_path, rec),
                      WorkerSettings(wait_seconds=1, max_receives=3)).run(once=True)
    assert rec.keys() == ["flights/via sns+1.csv"]
    assert rec.requests[0].objects[0]["shape"] == "sns"
    assert stats.rejected == 0


def test_s3_to_eventbridge_to_sqs(aws, unique_name, tmp_path: Path) -> None:
    from lakehouse.events.aws import client

    events = client("events", endpoint_url=aws.endpoint)
    url, arn = queue(aws, unique_name)
    events.put_rule(Name=unique_name, EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [unique_name]}}}))
    events.put_targets(Rule=unique_name, Targets=[{"Id": "q", "Arn": arn}])
    aws.s3.create_bucket(Bucket=unique_name)
    aws.s3.put_bucket_notification_configuration(
        Bucket=unique_name, NotificationConfiguration={"EventBridgeConfiguration": {}})
    aws.s3.put_object(Bucket=unique_name, Key="flights/via_eventbridge.csv", Body=b"id\n1\n")
    rec = RecordingDispatcher()
    SqsWorker(aws.sqs, url, processor(tmp_path, rec),
              WorkerSettings(wait_seconds=1, max_receives=3)).run(once=True)
    assert rec.keys() == ["flights/via_eventbridge.csv"]
    assert rec.requests[0].objects[0]["shape"] == "eventbridge"


def test_lambda_handler_sends_poison_to_the_dlq(aws, unique_name, tmp_path: Path) -> None:
    dlq_url, _ = queue(aws, f"{unique_name}-dlq")
    rec = RecordingDispatcher(fail_times=100)
    good = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                    "s3": {"bucket": {"name": "b"},
                                           "object": {"key": "flights/x.csv", "eTag": "e",
                                                      "size": 1}}}]})
    event = {"Records": [
        {"messageId": "poison", "eventSource": "aws:sqs", "body": "nope",
         "attributes": {"ApproximateReceiveCount": "1"}},
        {"messageId": "failing", "eventSource": "aws:sqs", "body": good,
         "attributes": {"ApproximateReceiveCount": "1"}},
    ]}
    result = handle_event(event, processor(tmp_path, rec), dlq_url=dlq_url, max_receives=3,
                          sqs=aws.sqs)
    assert result == {"batchItemFailures": [{"itemIdentifier": "failing"}]}
    event["Records"] = [dict(event["Records"][1], attributes={"ApproximateReceiveCount": "3"})]
    assert handle_event(event, processor(tmp_path, rec), dlq_url=dlq_url, max_receives=3,
                        sqs=aws.sqs) == {"batchItemFailures": []}
    dead = drain(aws.sqs, dlq_url)
    assert sorted(m["Body"] for m in dead) == sorted(["nope", good])
