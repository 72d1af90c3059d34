"""S3 -> SQS -> worker against a moto server: exactly one run per object version.

The recording dispatcher stands in for the runtime only (to count runs); parsing, routing,
the SQLite idempotency store, batching, visibility handling and dead-lettering are real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lakehouse.events.batching import MicroBatcher
from lakehouse.events.idempotency import SqliteIdempotencyStore
from lakehouse.events.parsing import parse_message
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Router
from lakehouse.events.sqs_worker import SqsWorker, WorkerSettings
from lakehouse.events.testing import RecordingDispatcher, drain, wire_landing_bucket

pytestmark = [pytest.mark.aws, pytest.mark.integration]
GLOBS = {"flights": "flights/*.csv*", "weather": "weather/*.csv"}


@pytest.fixture
def wiring(aws, unique_name):
    return wire_landing_bucket(aws.s3, aws.sqs, unique_name, max_receive_count=3)


@pytest.fixture
def make_worker(aws, wiring, tmp_path: Path):
    store = SqliteIdempotencyStore(tmp_path / "state.sqlite")

    def make(dispatcher: RecordingDispatcher, *, window: float = 0, **settings) -> SqsWorker:
        processor = ArrivalProcessor(router=Router(GLOBS), store=store, dispatcher=dispatcher,
                                     batcher=MicroBatcher(window))
        options = {"wait_seconds": 1, "retry_backoff_seconds": 0, **settings}
        return SqsWorker(aws.sqs, wiring.queue_url, processor, WorkerSettings(**options))

    return make


def put(aws, bucket: str, key: str, data: bytes = b"id\n1\n") -> dict:
    return aws.s3.put_object(Bucket=bucket, Key=key, Body=data)


KEYS = ["flights/flights 2013 01.csv", "flights/café ✈ 02.csv", "flights/a+b.csv",
        "flights/x=1&y=2.csv.gz", "weather/weather 2013.csv"]


def test_each_object_version_triggers_exactly_one_run(aws, wiring, make_worker) -> None:
    for key in KEYS:
        put(aws, wiring.bucket, key)
    rec = RecordingDispatcher()
    stats = make_worker(rec).run(once=True)
    assert sorted(rec.keys()) == sorted(KEYS)          # decoded keys, each exactly once
    assert {r.dataset for r in rec.requests} == {"flights", "weather"}
    assert stats.ignored == 1                           # the s3:TestEvent from the notification
    # a new version of one key (different content -> different ETag) is a new arrival
    put(aws, wiring.bucket, KEYS[0], b"id\n1\n2\n")
    make_worker(rec).run(once=True)
    assert rec.keys().count(KEYS[0]) == 2 and len(rec.keys()) == len(KEYS) + 1
    assert drain(aws.sqs, wiring.queue_url) == [] and drain(aws.sqs, wiring.dlq_url) == []


def test_same_message_delivered_three_times_runs_once(aws, wiring, make_worker) -> None:
    drain(aws.sqs, wiring.queue_url)                    # the s3:TestEvent
    put(aws, wiring.bucket, "flights/dup me.csv")
    [original] = drain(aws.sqs, wiring.queue_url)
    for _ in range(3):
        aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=original["Body"])
    rec = RecordingDispatcher()
    stats = make_worker(rec).run(once=True)
    assert rec.keys() == ["flights/dup me.csv"] and rec.runs == 1
    assert stats.duplicates == 2
    aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody=original["Body"])   # much later
    make_worker(rec).run(once=True)
    assert rec.runs == 1
    assert drain(aws.sqs, wiring.queue_url) == []


def test_poison_message_goes_to_the_dlq_with_its_reason(aws, wiring, make_worker) -> None:
    aws.sqs.send_message(QueueUrl=wiring.queue_url, MessageBody="this is not an S3 event")
    rec = RecordingDispatcher()
    stats = make_worker(rec).run(once=True)            # DLQ found via the queue's RedrivePolicy
    assert stats.rejected == 1 and rec.runs == 0
    [dead] = drain(aws.sqs, wiring.dlq_url)
    assert dead["Body"] == "this is not an S3 event"
    assert "not JSON" in dead["MessageAttributes"]["lakehouse_error"]["StringValue"]
    assert drain(aws.sqs, wiring.queue_url) == []


def test_failed_dispatch_is_redelivered_then_dead_lettered(aws, wiring, make_worker) -> None:
    put(aws, wiring.bucket, "flights/fails.csv")
    always_failing = RecordingDispatcher(fail_times=100)
    make_worker(always_failing).run(once=True)
    assert always_failing.failures == 3                  # maxReceiveCount of the redrive policy
    [dead] = drain(aws.sqs, wiring.dlq_url)
    reason = dead["MessageAttributes"]["lakehouse_error"]["StringValue"]
    assert "simulated runtime failure #3" in reason and "'flights'" in reason
    assert dead["MessageAttributes"]["receive_count"]["StringValue"] == "3"
    assert parse_message(dead["Body"]).arrivals[0].key == "flights/fails.csv"   # body untouched


def test_failure_then_success_runs_once_and_acks(aws, wiring, make_worker) -> None:
    put(aws, wiring.bucket, "flights/flaky.csv")
    flaky = RecordingDispatcher(fail_times=1)
    make_worker(flaky).run(once=True)
    assert (flaky.failures, flaky.keys()) == (1, ["flights/flaky.csv"])
    assert drain(aws.sqs, wiring.queue_url) == [] and drain(aws.sqs, wiring.dlq_url) == []


def test_burst_within_the_window_is_one_run(aws, wiring, make_worker) -> None:
    keys = [f"flights/part-{i:03d}.csv" for i in range(40)]
    for key in keys:
        put(aws, wiring.bucket, key)
    rec = RecordingDispatcher()
    worker = make_worker(rec, window=3)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while rec.runs == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert rec.runs == 1                                 # dispatched by the window, not by stop
    assert sorted(rec.keys()) == sorted(keys)


def test_heartbeat_keeps_messages_in_hand_invisible(aws, wiring, make_worker) -> None:
    drain(aws.sqs, wiring.queue_url)
    put(aws, wiring.bucket, "flights/slow.csv")
    rec = RecordingDispatcher()
    worker = make_worker(rec, window=5, visibility_timeout=2)
    thread = threading.Thread(target=worker.run)
    thread.start()
    stolen = []
    try:
        time.sleep(1.0)
        end = time.monotonic() + 3.5                     # well past the 2 s visibility timeout
        while time.monotonic() < end:
            got = aws.sqs.receive_message(QueueUrl=wiring.queue_url, WaitTimeSeconds=1,
                                          VisibilityTimeout=0)
            stolen += got.get("Messages", [])
        deadline = time.monotonic() + 15
        while rec.runs == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert stolen == []
    assert rec.keys() == ["flights/slow.csv"]


def test_stop_finishes_the_batch_in_hand(aws, wiring, make_worker) -> None:
    put(aws, wiring.bucket, "flights/pending.csv")
    rec = RecordingDispatcher()
    worker = make_worker(rec, window=600)
    thread = threading.Thread(target=worker.run)
    thread.start()
    deadline = time.monotonic() + 15
    while len(worker.processor.batcher) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    worker.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert rec.keys() == ["flights/pending.csv"]
    assert drain(aws.sqs, wiring.queue_url) == []


def test_listen_cli_drains_and_exits_cleanly_on_sigterm(aws, wiring, tmp_path: Path) -> None:
    from lakehouse.testing.project import write_minimal_project as write_project

    conf = write_project(tmp_path, datasets={"flights": ("flights", "*.csv*")})
    put(aws, wiring.bucket, "planes/unrouted key.csv")  # no dataset: reported, no Spark needed
    env = {**os.environ, "LAKEHOUSE_AWS_ENDPOINT_URL": aws.endpoint}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lakehouse.cli.main", "listen", "--conf", str(conf),
         "--queue", wiring.queue_url, "--wait-seconds", "1", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parents[3])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            attrs = aws.sqs.get_queue_attributes(
                QueueUrl=wiring.queue_url, AttributeNames=["All"])["Attributes"]
            if attrs["ApproximateNumberOfMessages"] == "0" and \
                    attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    counters = json.loads(out.strip().splitlines()[-1])
    assert counters["unrouted"] == 1 and counters["ignored"] == 1 and counters["runs"] == 0
    assert counters["unrouted_keys"] == [f"s3://{wiring.bucket}/planes/unrouted key.csv"]
    assert "received SIGTERM" in err


def test_max_messages_stops_the_worker(aws, wiring, make_worker) -> None:
    drain(aws.sqs, wiring.queue_url)
    for i in range(5):
        put(aws, wiring.bucket, f"planes/p{i}.csv")     # unrouted: reported and acknowledged
    stats = make_worker(RecordingDispatcher()).run(max_messages=2)
    assert stats.messages == 2 and stats.unrouted == 2
    assert len(drain(aws.sqs, wiring.queue_url)) == 3


class _BrokenStore:
    def claim(self, arrival, *, owner):
        raise ConnectionError("idempotency store unreachable")


def test_a_store_outage_leaves_messages_for_redelivery(aws, wiring) -> None:
    drain(aws.sqs, wiring.queue_url)
    put(aws, wiring.bucket, "flights/outage.csv")
    rec = RecordingDispatcher()
    processor = ArrivalProcessor(router=Router(GLOBS), store=_BrokenStore(),  # type: ignore[arg-type]
                                 dispatcher=rec, batcher=MicroBatcher(0))
    worker = SqsWorker(aws.sqs, wiring.queue_url, processor,
                       WorkerSettings(wait_seconds=1, retry_backoff_seconds=0, max_receives=10))
    worker.run(max_messages=1)                          # returns normally
    assert rec.runs == 0
    [again] = drain(aws.sqs, wiring.queue_url)          # still there, visible again at once
    assert "flights%2Foutage.csv" in again["Body"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
