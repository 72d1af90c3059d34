"""Per-table commit locks: a file lock on local lakes, a DynamoDB lease on S3. No Spark.

delta-rs ships no DynamoDB lock any more and shares none with delta-spark, so the framework
serializes its own commits to a table. A lock is held around "read snapshot -> decide ->
commit" (for merges, around the whole rewrite), never around plain Spark file writes.
Failure to acquire within the timeout raises :class:`ConcurrentCommitError` naming the
table and the current holder. A holder calls :meth:`TableLock.check` right before it commits:
a DynamoDB lease whose heartbeat failed (lease taken over, table gone, no network) raises
there, so a commit never goes ahead unleased.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from lakehouse.errors import ConcurrentCommitError
from lakehouse.storage.uri import is_local, local_path

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_LOCK_TABLE = "lakehouse-locks"
log = logging.getLogger(__name__)


def _holder() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time(),
            "owner": uuid.uuid4().hex}


class TableLock(Protocol):
    """Something that serializes commits to one table URI."""

    def hold(self, table_uri: str) -> Iterator[None]: ...

    def check(self, table_uri: str) -> None:
        """Raise :class:`ConcurrentCommitError` unless this process still holds the lock."""


class FileTableLock:
    """``filelock`` on ``<table>/_lakehouse/commit.lock`` (outside ``_delta_log``)."""

    def __init__(self, timeout: float = DEFAULT_TIMEOUT_SECONDS):
        self.timeout = timeout

    @contextmanager
    def hold(self, table_uri: str) -> Iterator[None]:
        from filelock import FileLock, Timeout

        sidecar = local_path(table_uri) / "_lakehouse"
        sidecar.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(sidecar / "commit.lock"), timeout=self.timeout)
        holder_file = sidecar / "commit.lock.holder"
        try:
            lock.acquire()
        except Timeout as exc:
            holder = holder_file.read_text() if holder_file.exists() else "unknown"
            raise ConcurrentCommitError(
                f"could not acquire the commit lock within {self.timeout:.0f}s; held by {holder}",
                hint="another run is writing this table; retry later, or remove the stale lock "
                     "file if its holder process is gone",
                table=table_uri, lock=str(sidecar / "commit.lock"),
            ) from exc
        try:
            holder_file.write_text(json.dumps(_holder()))
            yield
        finally:
            lock.release()

    def check(self, table_uri: str) -> None:
        """A file lock cannot be lost while its process lives: nothing to check."""


class DynamoDbTableLock:
    """A lease item per table in a DynamoDB table (partition key ``lock_key``, string).

    Acquire = conditional put (no item, or the item's lease expired); a background thread
    renews the lease while held; release = conditional delete by owner. When a renewal fails
    the heartbeat logs it and stops; :meth:`check` then raises, so the holder's commit fails
    instead of going ahead unleased (another writer may hold the table by then).
    """

    def __init__(self, table_name: str = DEFAULT_LOCK_TABLE, *, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                 lease_seconds: float = 60.0, endpoint_url: str | None = None,
                 region: str | None = None, poll_seconds: float = 0.5, create_table: bool = False):
        from lakehouse.storage.aws import client

        self.table_name = table_name
        self.timeout = timeout
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.client = client("dynamodb", region=region, endpoint_url=endpoint_url)
        self._lost: dict[str, threading.Event] = {}   # table URI -> set when renewal failed
        self._failure: dict[str, str] = {}
        if create_table:
            self.ensure_table()

    def ensure_table(self) -> None:
        """Create the lock table (on-demand billing) if it does not exist."""
        try:
            self.client.create_table(
                TableName=self.table_name,
                KeySchema=[{"AttributeName": "lock_key", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "lock_key", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
            self.client.get_waiter("table_exists").wait(TableName=self.table_name)
        except self.client.exceptions.ResourceInUseException:
            pass

    def _try_acquire(self, key: str, holder: dict) -> bool:
        now = time.time()
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item={"lock_key": {"S": key}, "owner": {"S": holder["owner"]},
                      "holder": {"S": json.dumps(holder)},
                      "expires_at": {"N": str(now + self.lease_seconds)}},
                ConditionExpression="attribute_not_exists(lock_key) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def _current_holder(self, key: str) -> str:
        item = self.client.get_item(TableName=self.table_name, Key={"lock_key": {"S": key}})
        return item.get("Item", {}).get("holder", {}).get("S", "unknown")

    def _renew(self, key: str, owner: str, stop: threading.Event, lost: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            try:
                self.client.update_item(
                    TableName=self.table_name, Key={"lock_key": {"S": key}},
                    UpdateExpression="SET expires_at = :exp",
                    ConditionExpression="#o = :owner",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":exp": {"N": str(time.time() + self.lease_seconds)},
                                               ":owner": {"S": owner}},
                )
            except Exception as exc:  # any failure: the lease can no longer be trusted
                if isinstance(exc, self.client.exceptions.ConditionalCheckFailedException):
                    why = "the lease was taken over by another holder"
                else:
                    why = f"{type(exc).__name__}: {exc}"
                self._failure[key] = why
                log.error("commit lease on %s (lock table %s) could not be renewed: %s",
                          key, self.table_name, why)
                lost.set()
                return

    def lost(self, table_uri: str) -> threading.Event | None:
        """The event set when the heartbeat of the current lease on ``table_uri`` failed."""
        return self._lost.get(table_uri)

    def check(self, table_uri: str) -> None:
        """Raise :class:`ConcurrentCommitError` if the lease on ``table_uri`` was lost."""
        lost = self._lost.get(table_uri)
        if lost is not None and lost.is_set():
            why = self._failure.get(table_uri, "renewal failed")
            raise ConcurrentCommitError(
                f"the commit lease was lost ({why}); nothing was committed",
                hint="another writer may hold the table now; re-run (writes are idempotent)",
                table=table_uri, lock=self.table_name)

    @contextmanager
    def hold(self, table_uri: str) -> Iterator[None]:
        holder = _holder()
        deadline = time.monotonic() + self.timeout
        while not self._try_acquire(table_uri, holder):
            if time.monotonic() >= deadline:
                raise ConcurrentCommitError(
                    f"could not acquire the commit lease within {self.timeout:.0f}s; "
                    f"held by {self._current_holder(table_uri)}",
                    hint="another run is writing this table; the lease expires on its own "
                         f"{self.lease_seconds:.0f}s after its holder stops renewing it",
                    table=table_uri, lock=self.table_name,
                )
            time.sleep(self.poll_seconds)
        stop, lost = threading.Event(), threading.Event()
        self._lost[table_uri] = lost
        self._failure.pop(table_uri, None)
        renewer = threading.Thread(target=self._renew,
                                   args=(table_uri, holder["owner"], stop, lost), daemon=True)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join(timeout=5)
            if self._lost.get(table_uri) is lost:
                del self._lost[table_uri]
            try:
                self.client.delete_item(
                    TableName=self.table_name, Key={"lock_key": {"S": table_uri}},
                    ConditionExpression="#o = :owner",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":owner": {"S": holder["owner"]}},
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                pass


def default_lock(uri: str, *, kind: str = "auto", lock_table: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS) -> TableLock:
    """The lock for a table URI: file lock locally, DynamoDB lease on S3 (``kind="auto"``)."""
    if kind == "file" or (kind == "auto" and is_local(uri)):
        return FileTableLock(timeout=timeout)
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    return DynamoDbTableLock(lock_table or os.environ.get("LAKEHOUSE_LOCK_TABLE", DEFAULT_LOCK_TABLE),
                             timeout=timeout, endpoint_url=endpoint)
