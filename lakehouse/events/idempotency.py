"""Idempotency stores: each object version is processed once, however often it is delivered.

Protocol: ``claim`` an arrival before dispatching it, then ``complete`` it after the run
succeeded or ``release`` it after a failure (so a redelivery retries it). A claim answers:

* ``claimed``      - this worker owns the arrival now;
* ``done``         - a run already processed this object version (a duplicate delivery);
* ``in_progress``  - another worker holds a live claim (retry later). A live worker ``touch``es
  its claims from its heartbeat; a dead worker's claims expire after ``in_progress_seconds``;
* ``superseded``   - a newer version of the same key (a higher S3 ``sequencer``) was already
  claimed, so this older event is stale.

Two backends pass one contract suite: :class:`SqliteIdempotencyStore` (embedded, safe for
several processes on one machine) and ``DynamoDbIdempotencyStore`` (conditional writes).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lakehouse.events.claims import ClaimResult, IdempotencyStore
from lakehouse.events.model import ObjectArrival, sequencer_key
from lakehouse.storage.uri import is_local, join_uri, local_path

if TYPE_CHECKING:
    from lakehouse.config.project import Project

__all__ = ["ClaimResult", "IdempotencyStore", "SqliteIdempotencyStore", "default_store_path",
           "open_store"]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, owner TEXT, run_id TEXT,
    updated_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS key_sequencers (
    object TEXT PRIMARY KEY, sequencer TEXT NOT NULL);
"""


class SqliteIdempotencyStore:
    """Embedded store in one SQLite file; ``BEGIN IMMEDIATE`` serializes writers across processes."""

    def __init__(self, path: str | Path, *, in_progress_seconds: float = 600.0,
                 ttl_days: float = 90.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.in_progress_seconds = in_progress_seconds
        self.ttl_seconds = ttl_days * 86400
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def claim(self, arrival: ObjectArrival, *, owner: str) -> ClaimResult:
        now = time.time()
        with self._tx() as cur:
            if arrival.sequencer:
                obj = f"{arrival.bucket}/{arrival.key}"
                seq = sequencer_key(arrival.sequencer)
                row = cur.execute("SELECT sequencer FROM key_sequencers WHERE object = ?",
                                  (obj,)).fetchone()
                if row and row[0] > seq:
                    return "superseded"
                cur.execute("INSERT INTO key_sequencers VALUES (?, ?) ON CONFLICT(object) "
                            "DO UPDATE SET sequencer = excluded.sequencer", (obj, seq))
            row = cur.execute("SELECT status, owner, expires_at FROM versions WHERE id = ?",
                              (arrival.identity,)).fetchone()
            if row:
                status, holder, expires_at = row
                if status == "done":
                    return "done"
                if holder != owner and expires_at > now:
                    return "in_progress"
            cur.execute(
                "INSERT OR REPLACE INTO versions VALUES (?, 'in_progress', ?, NULL, ?, ?)",
                (arrival.identity, owner, now, now + self.in_progress_seconds))
            return "claimed"

    def complete(self, arrival: ObjectArrival, *, owner: str, run_id: str) -> None:
        now = time.time()
        with self._tx() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO versions VALUES (?, 'done', ?, ?, ?, ?)",
                (arrival.identity, owner, run_id, now, now + self.ttl_seconds))

    def release(self, arrival: ObjectArrival, *, owner: str) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM versions WHERE id = ? AND status = 'in_progress' "
                        "AND owner = ?", (arrival.identity, owner))

    def touch(self, arrival: ObjectArrival, *, owner: str) -> None:
        """Extend a live claim (the worker's heartbeat calls this while the arrival waits)."""
        with self._tx() as cur:
            cur.execute("UPDATE versions SET expires_at = ? WHERE id = ? AND status = "
                        "'in_progress' AND owner = ?",
                        (time.time() + self.in_progress_seconds, arrival.identity, owner))

    def status(self, arrival: ObjectArrival) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT status FROM versions WHERE id = ?",
                                     (arrival.identity,)).fetchone()
        return row[0] if row else None

    def _tx(self) -> _Transaction:
        return _Transaction(self._conn, self._lock)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock):
        self.conn, self.lock = conn, lock

    def __enter__(self) -> sqlite3.Cursor:
        self.lock.acquire()
        self.cur = self.conn.cursor()
        self.cur.execute("BEGIN IMMEDIATE")
        return self.cur

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            self.cur.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.lock.release()


def default_store_path(project: Project) -> Path:
    """``{lake}/_state/events.sqlite`` for a local lake, else ``{project}/.lakehouse/…``."""
    configured = project.lake.triggers.idempotency.path
    if configured:
        path = Path(configured).expanduser()
        return path if path.is_absolute() else project.project_dir / path
    if is_local(project.lake_root):
        return local_path(join_uri(project.lake_root, "_state", "events.sqlite"))
    return project.project_dir / ".lakehouse" / "events.sqlite"


def open_store(project: Project, *, endpoint_url: str | None = None,
               lease_seconds: float | None = None) -> IdempotencyStore:
    """The store ``triggers.idempotency`` configures (``local`` or ``dynamodb``).

    ``lease_seconds`` (a worker with a heartbeat) replaces ``in_progress_seconds`` as the
    lifetime of a claim nobody renews.
    """
    settings = project.lake.triggers.idempotency
    claim_seconds = lease_seconds or settings.in_progress_seconds
    if settings.backend == "dynamodb":
        from lakehouse.events.aws import client
        from lakehouse.events.dynamodb_store import DynamoDbIdempotencyStore

        ddb = client("dynamodb", region=settings.region or project.lake.triggers.region,
                     endpoint_url=settings.endpoint_url or endpoint_url)
        return DynamoDbIdempotencyStore(ddb, settings.table or "",
                                        in_progress_seconds=claim_seconds,
                                        ttl_days=settings.ttl_days)
    return SqliteIdempotencyStore(default_store_path(project),
                                  in_progress_seconds=claim_seconds,
                                  ttl_days=settings.ttl_days)
