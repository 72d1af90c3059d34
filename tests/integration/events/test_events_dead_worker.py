"""A `listen` worker that dies holding claims blocks a redelivery only for its short lease.

Workers are built from conf (``build_worker``) as ``lakehouse listen`` builds them; the queue,
bucket and notification are real on a moto server; only the runtime is recorded.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.events.model import InboundMessage
from lakehouse.events.service import build_worker
from lakehouse.events.testing import RecordingDispatcher, drain, wire_landing_bucket
from lakehouse.testing.project import write_minimal_project

pytestmark = [pytest.mark.aws, pytest.mark.integration]
LEASE = 3.0


def _project(tmp_path: Path, queue_url: str, **idempotency):
    conf = write_minimal_project(tmp_path, datasets={"flights": ("flights", "*.csv")}, lake={
        "triggers": {"queue_url": queue_url, "window_seconds": 0, "wait_seconds": 1,
                     "retry_backoff_seconds": 0, "idempotency": idempotency}})
    return load_project(conf)


def _arrival_message(aws, unique_name: str):
    wiring = wire_landing_bucket(aws.s3, aws.sqs, unique_name)
    drain(aws.sqs, wiring.queue_url)                      # the s3:TestEvent
    aws.s3.put_object(Bucket=wiring.bucket, Key="flights/a.csv", Body=b"id\n1\n")
    [message] = drain(aws.sqs, wiring.queue_url)
    return wiring, InboundMessage(message["MessageId"], message["Body"])


def test_default_claim_lease_of_a_listen_worker_is_short(aws, unique_name, tmp_path) -> None:
    wiring, _ = _arrival_message(aws, unique_name)
    worker = build_worker(_project(tmp_path, wiring.queue_url), endpoint_url=aws.endpoint,
                          dispatcher=RecordingDispatcher())
    assert worker.processor.store.in_progress_seconds <= 60   # not the 10 min of Lambda claims


def test_dead_workers_claim_expires_after_its_lease(aws, unique_name, tmp_path) -> None:
    wiring, message = _arrival_message(aws, unique_name)
    project = _project(tmp_path, wiring.queue_url, lease_seconds=LEASE)
    dead = build_worker(project, endpoint_url=aws.endpoint, dispatcher=RecordingDispatcher())
    assert dead.processor.accept(message) is None          # claimed, waiting for its run ...
    # ... and the process dies here: no run, no release, no heartbeat

    recorder = RecordingDispatcher()
    alive = build_worker(project, endpoint_url=aws.endpoint, dispatcher=recorder)
    early = alive.processor.accept(message)                # the redelivery, right away
    assert early is not None and early.action == "retry" and not early.counts_as_failure
    time.sleep(LEASE + 0.5)                                # the dead worker's lease runs out
    assert alive.processor.accept(message) is None         # claimed by the live worker
    [decision] = alive.processor.flush(force=True)
    assert decision.action == "ack"
    assert recorder.keys() == ["flights/a.csv"]            # exactly one run


def test_live_workers_heartbeat_keeps_its_claim(aws, unique_name, tmp_path) -> None:
    wiring, message = _arrival_message(aws, unique_name)
    project = _project(tmp_path, wiring.queue_url, lease_seconds=LEASE)
    live = build_worker(project, endpoint_url=aws.endpoint, dispatcher=RecordingDispatcher())
    assert live.processor.accept(message) is None
    other = build_worker(project, endpoint_url=aws.endpoint, dispatcher=RecordingDispatcher())
    for _ in range(3):                                     # ~1.5 leases, renewed meanwhile
        time.sleep(LEASE / 2)
        assert live.processor.refresh_claims() == 1        # what the heartbeat thread calls
        decision = other.processor.accept(message)
        assert decision is not None and decision.action == "retry"


def test_lease_must_leave_room_for_the_heartbeat(tmp_path) -> None:
    from lakehouse.errors import ConfigError

    with pytest.raises(ConfigError, match="lease_seconds"):
        _project(tmp_path, "https://sqs.example/q", lease_seconds=1)
