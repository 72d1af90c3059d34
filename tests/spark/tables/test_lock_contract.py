"""One contract, two commit locks: the file lock (local lakes) and the DynamoDB lease (S3).

Each test runs against both; the DynamoDB lease talks to a moto server over HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from lakehouse.errors import ConcurrentCommitError
from lakehouse.tables.locks import DynamoDbTableLock, FileTableLock, TableLock


@dataclass
class Locks:
    make: Callable[[float], TableLock]      # timeout -> a new lock object (another "writer")
    uri: Callable[[str], str]               # table name -> table URI


@pytest.fixture(params=["file", pytest.param("dynamodb", marks=pytest.mark.aws)])
def locks(request, tmp_path) -> Locks:
    if request.param == "file":
        return Locks(lambda timeout: FileTableLock(timeout=timeout),
                     lambda name: (tmp_path / name).as_uri())
    endpoint = request.getfixturevalue("moto_endpoint")
    table = request.getfixturevalue("unique_name")
    DynamoDbTableLock(table, endpoint_url=endpoint, create_table=True)
    return Locks(lambda timeout: DynamoDbTableLock(table, timeout=timeout, lease_seconds=5,
                                                   poll_seconds=0.05, endpoint_url=endpoint),
                 lambda name: f"s3://bucket/{name}")


def _held_elsewhere(locks: Locks, uri: str):
    """Hold ``uri`` on another thread until the returned ``release`` is called."""
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with locks.make(30).hold(uri):
            held.set()
            release.wait(60)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(30)

    def done() -> None:
        release.set()
        thread.join(30)

    return done


def test_a_second_writer_is_refused_with_the_table_named(locks: Locks) -> None:
    uri = locks.uri("flights")
    release = _held_elsewhere(locks, uri)
    try:
        with pytest.raises(ConcurrentCommitError) as err:
            with locks.make(0.3).hold(uri):
                pass
        assert uri in str(err.value)
    finally:
        release()
    with locks.make(5).hold(uri):                      # released: the next writer gets it
        pass


def test_tables_are_locked_independently(locks: Locks) -> None:
    release = _held_elsewhere(locks, locks.uri("flights"))
    try:
        with locks.make(0.3).hold(locks.uri("weather")):
            pass
    finally:
        release()


def test_released_when_the_body_fails_and_check_passes_while_held(locks: Locks) -> None:
    uri = locks.uri("flights")
    lock = locks.make(5)
    with pytest.raises(RuntimeError):
        with lock.hold(uri):
            lock.check(uri)
            raise RuntimeError("commit failed")
    with locks.make(0.5).hold(uri):
        pass
