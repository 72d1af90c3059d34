"""The idempotency-store contract: what a claim answers and what the processor calls.

Backends implement :class:`IdempotencyStore` (``idempotency.SqliteIdempotencyStore``,
``dynamodb_store.DynamoDbIdempotencyStore``); both import this module, never each other.
See ``idempotency.py`` for the protocol in prose.
"""

from __future__ import annotations

from typing import Literal, Protocol

from lakehouse.events.model import ObjectArrival

ClaimResult = Literal["claimed", "done", "in_progress", "superseded"]


class IdempotencyStore(Protocol):
    """What the processor needs from a store (see ``idempotency.py``)."""

    def claim(self, arrival: ObjectArrival, *, owner: str) -> ClaimResult: ...

    def complete(self, arrival: ObjectArrival, *, owner: str, run_id: str) -> None: ...

    def release(self, arrival: ObjectArrival, *, owner: str) -> None: ...

    def touch(self, arrival: ObjectArrival, *, owner: str) -> None: ...

    def status(self, arrival: ObjectArrival) -> str | None: ...
