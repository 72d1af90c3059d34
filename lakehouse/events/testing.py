"""Helpers for testing trigger wiring: a recording dispatcher and S3 -> SQS setup with boto3.

These are real parts, not mocks: the recording dispatcher replaces only the *runtime* (so a
test can count runs), while parsing, routing, idempotency and batching stay the real code.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from lakehouse.events.dispatch import DispatchResult, RunRequest


@dataclass
class RecordingDispatcher:
    """Records every run request; ``fail_times`` makes the first N dispatches raise."""

    fail_times: int = 0
    requests: list[RunRequest] = field(default_factory=list)
    failures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def dispatch(self, request: RunRequest) -> DispatchResult:
        with self._lock:
            if self.failures < self.fail_times:
                self.failures += 1
                raise RuntimeError(f"simulated runtime failure #{self.failures}")
            self.requests.append(request)
            return DispatchResult(run_id=f"run-{len(self.requests)}", status="succeeded")

    @property
    def runs(self) -> int:
        return len(self.requests)

    def keys(self) -> list[str]:
        """Every dispatched object's key, in dispatch order (duplicates would show twice)."""
        return [o["key"] for r in self.requests for o in r.objects]


@dataclass(frozen=True)
class LandingWiring:
    bucket: str
    queue_url: str
    queue_arn: str
    dlq_url: str
    dlq_arn: str


def wire_landing_bucket(s3: Any, sqs: Any, name: str, *, max_receive_count: int = 3,
                        prefix: str | None = None) -> LandingWiring:
    """Create bucket ``name``, queue ``name`` with DLQ ``name-dlq`` (redrive policy), and an
    ``s3:ObjectCreated:*`` notification from the bucket to the queue."""
    s3.create_bucket(Bucket=name)
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = _arn(sqs, dlq_url)
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    queue_url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    queue_arn = _arn(sqs, queue_url)
    config: dict[str, Any] = {"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}
    if prefix:
        config["Filter"] = {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}}
    s3.put_bucket_notification_configuration(
        Bucket=name, NotificationConfiguration={"QueueConfigurations": [config]})
    return LandingWiring(name, queue_url, queue_arn, dlq_url, dlq_arn)


def drain(sqs: Any, queue_url: str, *, wait_seconds: int = 1) -> list[dict[str, Any]]:
    """Receive and delete everything in a queue (with message attributes)."""
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                  WaitTimeSeconds=wait_seconds, MessageAttributeNames=["All"],
                                  MessageSystemAttributeNames=["ApproximateReceiveCount"])
        messages = got.get("Messages", [])
        if not messages:
            return out
        for message in messages:
            out.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def _arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attrs["Attributes"]["QueueArn"]
