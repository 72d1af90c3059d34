"""The transport-free heart of the trigger: parse -> route -> deduplicate -> batch -> dispatch.

The SQS worker and the Lambda handler feed :class:`InboundMessage` values in with
:meth:`ArrivalProcessor.accept` and apply the :class:`Decision` values that come back (delete,
leave for redelivery, dead-letter). A message is decided once every arrival it carries is
resolved: dispatched, a duplicate, stale, or unrouted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from lakehouse.events.batching import Batch, MicroBatcher, PendingArrival
from lakehouse.events.dispatch import Dispatcher, RunRequest
from lakehouse.events.idempotency import IdempotencyStore
from lakehouse.events.model import Decision, InboundMessage, ObjectArrival, ProcessorStats
from lakehouse.events.parsing import EventRejected, parse_message
from lakehouse.events.routing import Router

log = logging.getLogger(__name__)


@dataclass
class _Open:
    """A message whose arrivals are not all resolved yet."""

    outstanding: set[str] = field(default_factory=set)
    failure: str | None = None
    waiting_elsewhere: bool = False


class ArrivalProcessor:
    """Turns messages into runs; see the module docstring."""

    def __init__(self, *, router: Router, store: IdempotencyStore, dispatcher: Dispatcher,
                 batcher: MicroBatcher, unrouted: Literal["report", "dead_letter"] = "report",
                 owner: str | None = None, on_run: Callable[[RunRequest, str], None] | None = None):
        self.router = router
        self.store = store
        self.dispatcher = dispatcher
        self.batcher = batcher
        self.unrouted = unrouted
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.on_run = on_run
        self.stats = ProcessorStats()
        self._open: dict[str, _Open] = {}
        self._claims_lock = threading.Lock()
        self._claims: dict[str, ObjectArrival] = {}  # claimed, not yet completed/released

    @property
    def pending_messages(self) -> int:
        return len(self._open)

    def accept(self, message: InboundMessage) -> Decision | None:
        """Take one message; returns its decision now, or ``None`` while its arrivals wait."""
        self.stats.messages += 1
        try:
            parsed = parse_message(message.body)
        except EventRejected as exc:
            self.stats.rejected += 1
            log.error("rejected message %s: %s", message.message_id, exc.message)
            return Decision(message.message_id, "dead_letter", f"rejected: {exc.message}")
        for reason in parsed.ignored:
            self.stats.ignored += 1
            log.info("message %s: ignored %s", message.message_id, reason)
        state = _Open()
        for arrival in parsed.arrivals:
            self.stats.arrivals += 1
            route = self.router.route(arrival)
            if route.skipped:
                self.stats.ignored += 1
                log.info("skipped s3://%s/%s: %s", arrival.bucket, arrival.key, route.reason)
                continue
            if route.dataset is None:
                self.stats.unrouted += 1
                self.stats.unrouted_keys.append(f"s3://{arrival.bucket}/{arrival.key}")
                log.warning("unrouted arrival s3://%s/%s: %s", arrival.bucket, arrival.key,
                            route.reason)
                if self.unrouted == "dead_letter":
                    state.failure = f"unrouted: {route.reason}"
                continue
            pending = self.batcher.find(arrival.identity)
            if pending is not None:  # a redelivery of something already waiting here
                self.stats.duplicates += 1
                pending.message_ids.add(message.message_id)
                state.outstanding.add(arrival.identity)
                continue
            claim = self.store.claim(arrival, owner=self.owner)
            if claim == "claimed":
                with self._claims_lock:
                    self._claims[arrival.identity] = arrival
                self.batcher.add(route.dataset, PendingArrival(
                    arrival, route.relative_key, {message.message_id}))
                state.outstanding.add(arrival.identity)
            elif claim == "done":
                self.stats.duplicates += 1
                log.info("duplicate delivery of %s (already processed)", arrival.identity)
            elif claim == "superseded":
                self.stats.superseded += 1
                log.info("stale event for %s: a newer version of the key was seen",
                         arrival.identity)
            else:
                self.stats.in_progress_elsewhere += 1
                state.waiting_elsewhere = True
        if state.outstanding:
            self._open[message.message_id] = state
            return None
        return self._decide(message.message_id, state)

    def flush(self, *, force: bool = False) -> list[Decision]:
        """Dispatch the batches that are due (all when ``force``); decisions now final."""
        decisions: list[Decision] = []
        for batch in self.batcher.pop_due(force=force):
            decisions.extend(self._run(batch))
        return decisions

    def _run(self, batch: Batch) -> list[Decision]:
        request = RunRequest.from_batch(batch)
        items = list(batch.items.values())
        try:
            result = self.dispatcher.dispatch(request)
        except Exception as exc:
            self.stats.run_failures += 1
            error = f"dispatch of {len(items)} object(s) to {batch.dataset!r} failed: {exc}"
            log.error("%s (batch %s)", error, request.batch_id, exc_info=True)
            for item in items:
                self.store.release(item.arrival, owner=self.owner)
            self._forget(items)
            return self._resolve(items, failure=error)
        self.stats.runs += 1
        log.info("run %s for %s: %d object(s), %s", result.run_id, batch.dataset, len(items),
                 result.status)
        for item in items:
            try:
                self.store.complete(item.arrival, owner=self.owner, run_id=result.run_id)
            except Exception:  # the run happened; a later redelivery may run it again
                log.exception("could not record %s as done (run %s)", item.arrival.identity,
                              result.run_id)
        self._forget(items)
        if self.on_run:
            self.on_run(request, result.run_id)
        return self._resolve(items, failure=None)

    def refresh_claims(self) -> int:
        """Extend this worker's live claims (safe to call from the heartbeat thread)."""
        with self._claims_lock:
            arrivals = list(self._claims.values())
        for arrival in arrivals:
            self.store.touch(arrival, owner=self.owner)
        return len(arrivals)

    def _forget(self, items: list[PendingArrival]) -> None:
        with self._claims_lock:
            for item in items:
                self._claims.pop(item.arrival.identity, None)

    def _resolve(self, items: list[PendingArrival], *, failure: str | None) -> list[Decision]:
        decisions = []
        for item in items:
            for message_id in sorted(item.message_ids):
                state = self._open.get(message_id)
                if state is None:
                    continue
                state.outstanding.discard(item.arrival.identity)
                if failure:
                    state.failure = failure
                if not state.outstanding:
                    del self._open[message_id]
                    decisions.append(self._decide(message_id, state))
        return decisions

    def _decide(self, message_id: str, state: _Open) -> Decision:
        if state.failure and state.failure.startswith("unrouted"):
            return Decision(message_id, "dead_letter", state.failure)
        if state.failure:
            return Decision(message_id, "retry", state.failure)
        if state.waiting_elsewhere:
            return Decision(message_id, "retry", "another worker holds the claim",
                            counts_as_failure=False)
        return Decision(message_id, "ack")
