"""The processor end to end without a transport: real parsing, routing, SQLite store, batching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakehouse.events.batching import MicroBatcher, PendingArrival
from lakehouse.events.idempotency import SqliteIdempotencyStore
from lakehouse.events.lambda_handler import handle_event
from lakehouse.events.model import InboundMessage, ObjectArrival
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Router
from lakehouse.events.testing import RecordingDispatcher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def body(*keys: str, bucket: str = "landing", etag: str = "e", seq: str | None = None) -> str:
    records = []
    for key in keys:
        obj = {"key": key, "size": 5, "eTag": etag}
        if seq:
            obj["sequencer"] = seq
        records.append({"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                        "s3": {"bucket": {"name": bucket}, "object": obj}})
    return json.dumps({"Records": records})


def msg(mid: str, text: str, count: int = 1) -> InboundMessage:
    return InboundMessage(mid, text, count)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def build(tmp_path: Path, clock: Clock):
    store = SqliteIdempotencyStore(tmp_path / "s.sqlite")

    def make(dispatcher=None, *, window: float = 10, unrouted="report", owner="w1", max_objects=1000):
        return ArrivalProcessor(
            router=Router({"flights": "flights/*.csv*", "weather": "weather/*.csv"}),
            store=store, dispatcher=dispatcher or RecordingDispatcher(),
            batcher=MicroBatcher(window, max_objects=max_objects, clock=clock),
            unrouted=unrouted, owner=owner)

    return make


def test_batcher_window_and_size_limits(clock: Clock) -> None:
    batcher = MicroBatcher(5, max_objects=3, clock=clock)
    item = lambda k: PendingArrival(ObjectArrival("b", k, 1, "e"), k)  # noqa: E731
    batcher.add("flights", item("flights/1.csv"))
    assert batcher.pop_due() == []
    assert batcher.seconds_until_due() == 5
    clock.now += 4.9
    batcher.add("flights", item("flights/2.csv"))       # joins the open batch: window not reset
    assert batcher.pop_due() == []
    clock.now += 0.1
    [due] = batcher.pop_due()
    assert (due.dataset, len(due)) == ("flights", 2)
    for k in ("a", "b", "c"):
        batcher.add("weather", item(f"weather/{k}.csv"))
    assert [len(b) for b in batcher.pop_due()] == [3]  # full before the window closed


def test_burst_within_the_window_is_one_run(build, clock: Clock) -> None:
    rec = RecordingDispatcher()
    proc = build(rec)
    for i in range(500):
        assert proc.accept(msg(f"m{i}", body(f"flights/part {i}.csv"))) is None
    assert proc.flush() == []          # window not over yet
    clock.now += 10
    decisions = proc.flush()
    assert rec.runs == 1
    assert len(rec.requests[0].objects) == 500
    assert sorted(d.message_id for d in decisions) == sorted(f"m{i}" for i in range(500))
    assert {d.action for d in decisions} == {"ack"}


def test_each_dataset_gets_its_own_run(build) -> None:
    rec = RecordingDispatcher()
    proc = build(rec)
    proc.accept(msg("m1", body("flights/a.csv", "weather/w.csv")))
    decisions = proc.flush(force=True)
    assert sorted(r.dataset for r in rec.requests) == ["flights", "weather"]
    assert [(d.message_id, d.action) for d in decisions] == [("m1", "ack")]   # after both runs
    trigger = rec.requests[0].trigger()
    assert trigger["type"] == "s3_arrival" and trigger["objects"][0]["relative_key"].endswith(".csv")


def test_redelivery_while_pending_and_after_completion_runs_once(build) -> None:
    rec = RecordingDispatcher()
    proc = build(rec)
    for mid in ("m1", "m2", "m3"):    # the same event delivered three times
        assert proc.accept(msg(mid, body("flights/a.csv"))) is None
    decisions = proc.flush(force=True)
    assert rec.runs == 1 and rec.keys() == ["flights/a.csv"]
    assert sorted((d.message_id, d.action) for d in decisions) == [
        ("m1", "ack"), ("m2", "ack"), ("m3", "ack")]
    later = proc.accept(msg("m4", body("flights/a.csv")))
    assert later is not None and later.action == "ack"
    assert rec.runs == 1 and proc.stats.duplicates == 3


def test_duplicates_across_workers_sharing_a_store(build) -> None:
    rec = RecordingDispatcher()
    w1, w2 = build(rec, owner="w1"), build(rec, owner="w2")
    assert w1.accept(msg("m1", body("flights/a.csv"))) is None
    waiting = w2.accept(msg("m2", body("flights/a.csv")))
    assert waiting is not None and waiting.action == "retry" and not waiting.counts_as_failure
    w1.flush(force=True)
    again = w2.accept(msg("m2", body("flights/a.csv")))
    assert again is not None and again.action == "ack"
    assert rec.runs == 1


def test_failed_dispatch_releases_claims_and_retries(build) -> None:
    rec = RecordingDispatcher(fail_times=1)
    proc = build(rec)
    proc.accept(msg("m1", body("flights/a.csv")))
    [decision] = proc.flush(force=True)
    assert decision.action == "retry" and decision.counts_as_failure
    assert "simulated runtime failure #1" in decision.reason and "'flights'" in decision.reason
    assert proc.accept(msg("m1", body("flights/a.csv"), count=2)) is None   # claimable again
    [ok] = proc.flush(force=True)
    assert ok.action == "ack" and rec.runs == 1 and proc.stats.run_failures == 1


def test_older_version_arriving_late_is_superseded(build) -> None:
    rec = RecordingDispatcher()
    proc = build(rec)
    proc.accept(msg("new", body("flights/a.csv", etag="v2", seq="00A1")))
    proc.flush(force=True)
    stale = proc.accept(msg("old", body("flights/a.csv", etag="v1", seq="9F")))
    assert stale is not None and stale.action == "ack"
    assert rec.runs == 1 and proc.stats.superseded == 1


def test_unrouted_keys_are_reported_not_dropped(build) -> None:
    import io
    import logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("lakehouse.events.processor")
    logger.addHandler(handler)
    proc = build()
    try:
        decision = proc.accept(msg("m1", body("planes/p.csv")))
    finally:
        logger.removeHandler(handler)
    assert decision is not None and decision.action == "ack"
    assert proc.stats.unrouted == 1 and proc.stats.unrouted_keys == ["s3://landing/planes/p.csv"]
    assert "unrouted arrival s3://landing/planes/p.csv" in stream.getvalue()
    assert "matches no dataset" in stream.getvalue()
    strict = build(unrouted="dead_letter")
    decision = strict.accept(msg("m2", body("planes/p.csv")))
    assert decision is not None and decision.action == "dead_letter"
    assert "unrouted" in decision.reason


def test_poison_and_test_events(build) -> None:
    proc = build()
    poison = proc.accept(msg("p", "{not json"))
    assert poison is not None and poison.action == "dead_letter" and "not JSON" in poison.reason
    test_event = proc.accept(msg("t", json.dumps({"Event": "s3:TestEvent", "Bucket": "landing"})))
    assert test_event is not None and test_event.action == "ack"
    assert (proc.stats.rejected, proc.stats.ignored) == (1, 1)


def test_lambda_handler_reports_partial_batch_failures(build) -> None:
    rec = RecordingDispatcher()
    proc = build(rec)

    def record(mid: str, text: str, count: int = 1) -> dict:
        return {"messageId": mid, "eventSource": "aws:sqs", "body": text,
                "attributes": {"ApproximateReceiveCount": str(count)}}

    event = {"Records": [record("ok1", body("flights/a.csv")), record("ok2", body("flights/b.csv")),
                         record("bad", "{oops"), record("dup", body("flights/a.csv"))]}
    result = handle_event(event, proc)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert rec.runs == 1 and sorted(rec.keys()) == ["flights/a.csv", "flights/b.csv"]


def test_lambda_handler_direct_s3_invocation_raises_on_failure(build) -> None:
    rec = RecordingDispatcher(fail_times=1)
    proc = build(rec)
    event = json.loads(body("flights/a.csv"))
    with pytest.raises(Exception, match="simulated runtime failure"):
        handle_event(event, proc)
    assert handle_event(event, proc) == {"batchItemFailures": []}
    assert rec.runs == 1


def test_full_batches_close_as_they_fill(clock: Clock) -> None:
    batcher = MicroBatcher(60, max_objects=3, clock=clock)
    for i in range(7):
        batcher.add("flights", PendingArrival(ObjectArrival("b", f"flights/{i}.csv", 1, "e"),
                                              f"flights/{i}.csv"))
    assert batcher.seconds_until_due() == 0.0
    assert [len(b) for b in batcher.pop_due()] == [3, 3]     # the 7th waits for its window
    assert batcher.find("b/flights/6.csv#etag:e#1") is not None
    assert [len(b) for b in batcher.pop_due(force=True)] == [1]


def test_live_claims_are_tracked_for_the_heartbeat(build) -> None:
    rec = RecordingDispatcher(fail_times=1)
    proc = build(rec)
    proc.accept(msg("m1", body("flights/a.csv", "flights/b.csv")))
    assert proc.refresh_claims() == 2
    proc.flush(force=True)                                  # fails: claims released
    assert proc.refresh_claims() == 0
    proc.accept(msg("m1", body("flights/a.csv"), count=2))
    proc.flush(force=True)                                  # succeeds: claims completed
    assert proc.refresh_claims() == 0 and rec.runs == 1
