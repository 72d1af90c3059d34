"""One contract for every idempotency store (SQLite here and DynamoDB on the moto server)."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from lakehouse.events.idempotency import SqliteIdempotencyStore, default_store_path
from lakehouse.events.model import ObjectArrival, sequencer_key


def arrival(key: str = "flights/a.csv", *, etag: str = "e1", size: int = 10,
            sequencer: str | None = None, version: str | None = None) -> ObjectArrival:
    return ObjectArrival(bucket="landing", key=key, size=size, etag=etag, version_id=version,
                         sequencer=sequencer)


@pytest.fixture(params=["sqlite", pytest.param("dynamodb", marks=pytest.mark.aws)])
def store_factory(request, tmp_path: Path):
    """Returns ``make(in_progress_seconds=...)`` building stores that share one backend."""
    if request.param == "sqlite":
        path = tmp_path / "state" / "events.sqlite"
        return lambda **kw: SqliteIdempotencyStore(path, **kw)
    endpoint = request.getfixturevalue("moto_endpoint")
    table = request.getfixturevalue("unique_name")
    from lakehouse.events.aws import client
    from lakehouse.events.dynamodb_store import DynamoDbIdempotencyStore

    ddb = client("dynamodb", endpoint_url=endpoint)
    DynamoDbIdempotencyStore.create_table(ddb, table)
    return lambda **kw: DynamoDbIdempotencyStore(ddb, table, **kw)


class TestIdempotencyStoreContract:
    def test_first_claim_wins_and_completion_makes_later_deliveries_duplicates(self, store_factory):
        store = store_factory()
        a = arrival()
        assert store.status(a) is None
        assert store.claim(a, owner="w1") == "claimed"
        assert store.status(a) == "in_progress"
        assert store.claim(a, owner="w2") == "in_progress"
        store.complete(a, owner="w1", run_id="r1")
        assert store.status(a) == "done"
        for owner in ("w1", "w2", "w3"):
            assert store.claim(a, owner=owner) == "done"

    def test_release_after_failure_lets_a_redelivery_claim_again(self, store_factory):
        store = store_factory()
        a = arrival()
        assert store.claim(a, owner="w1") == "claimed"
        store.release(a, owner="w1")
        assert store.status(a) is None
        assert store.claim(a, owner="w2") == "claimed"

    def test_release_by_another_owner_does_not_steal_the_claim(self, store_factory):
        store = store_factory()
        a = arrival()
        store.claim(a, owner="w1")
        store.release(a, owner="w2")
        assert store.claim(a, owner="w2") == "in_progress"

    def test_the_same_owner_may_reclaim(self, store_factory):
        store = store_factory()
        assert store.claim(arrival(), owner="w1") == "claimed"
        assert store.claim(arrival(), owner="w1") == "claimed"

    def test_an_expired_claim_of_a_dead_worker_can_be_taken_over(self, store_factory):
        store = store_factory(in_progress_seconds=1)
        a = arrival()
        assert store.claim(a, owner="dead") == "claimed"
        time.sleep(2.1)
        assert store.claim(a, owner="alive") == "claimed"

    def test_touch_keeps_a_live_claim_from_expiring(self, store_factory):
        store = store_factory(in_progress_seconds=2)
        a, done = arrival(), arrival("flights/done.csv")
        assert store.claim(a, owner="live") == "claimed"
        time.sleep(1.5)
        store.touch(a, owner="live")
        store.touch(a, owner="intruder")                     # not the owner: no effect
        store.claim(done, owner="live")
        store.complete(done, owner="live", run_id="r")
        store.touch(done, owner="live")                      # completed: stays done
        time.sleep(1.0)                                      # past the original expiry
        assert store.claim(a, owner="other") == "in_progress"
        assert store.status(done) == "done"

    def test_a_new_version_of_the_same_key_is_a_new_arrival(self, store_factory):
        store = store_factory()
        v1, v2 = arrival(etag="e1"), arrival(etag="e2")
        store.claim(v1, owner="w")
        store.complete(v1, owner="w", run_id="r1")
        assert store.claim(v2, owner="w") == "claimed"
        # same etag, different size: also a different version
        assert store.claim(arrival(etag="e1", size=11), owner="w") == "claimed"

    def test_older_sequencer_for_a_key_is_superseded(self, store_factory):
        store = store_factory()
        newer = arrival(etag="new", sequencer="0062E99A88DC4074A0")
        older = arrival(etag="old", sequencer="62E99A88DC407460")  # shorter hex, smaller value
        assert store.claim(newer, owner="w") == "claimed"
        assert store.claim(older, owner="w") == "superseded"
        # a redelivery of the newest event itself is not superseded
        store.complete(newer, owner="w", run_id="r")
        assert store.claim(newer, owner="w") == "done"
        # other keys are independent
        assert store.claim(arrival("flights/b.csv", sequencer="01"), owner="w") == "claimed"


def test_sequencer_key_orders_hex_of_different_lengths() -> None:
    assert sequencer_key("FF") > sequencer_key("0E")
    assert sequencer_key("100") > sequencer_key("FF")
    assert sequencer_key("0062e99a88dc407460") == sequencer_key("62E99A88DC407460")
    assert sequencer_key(None) < sequencer_key("1")


def _claim_all(path: str, owner: str, n: int, out) -> None:
    store = SqliteIdempotencyStore(path)
    won = [i for i in range(n) if store.claim(arrival(f"k/{i}.csv"), owner=owner) == "claimed"]
    out.put(won)


def test_sqlite_store_is_safe_for_two_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "events.sqlite")
    SqliteIdempotencyStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(path, f"p{i}", 150, out)) for i in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    won = results[0] + results[1]
    assert sorted(won) == list(range(150))  # every object claimed exactly once in total


def test_default_store_path_lives_under_a_local_lake(make_project, tmp_path: Path) -> None:
    project = make_project()
    assert default_store_path(project) == tmp_path / ".lake" / "_state" / "events.sqlite"
    s3_project = make_project(lake={"root": "s3://b/lake"})
    assert default_store_path(s3_project) == tmp_path / ".lakehouse" / "events.sqlite"
