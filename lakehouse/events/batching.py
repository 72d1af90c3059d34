"""Micro-batching: arrivals for one dataset within a window become one run.

Like Glue's EventBridge batching condition: a batch opens with its first arrival and is due
``window_seconds`` later, or as soon as it holds ``max_objects`` arrivals. A burst of 500
small files in one window is one run, not 500.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lakehouse.events.model import ObjectArrival


@dataclass
class PendingArrival:
    """A claimed arrival waiting for its run, and the messages that carried it."""

    arrival: ObjectArrival
    relative_key: str
    message_ids: set[str] = field(default_factory=set)


@dataclass
class Batch:
    """Arrivals for one dataset that will be dispatched as one run."""

    dataset: str
    opened_at: float
    items: dict[str, PendingArrival] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)


class MicroBatcher:
    """Groups pending arrivals per dataset; ``pop_due`` hands out the batches whose time came."""

    def __init__(self, window_seconds: float, *, max_objects: int = 1000,
                 clock: Callable[[], float] = time.monotonic):
        self.window_seconds = window_seconds
        self.max_objects = max_objects
        self.clock = clock
        self._open: dict[str, Batch] = {}
        self._full: list[Batch] = []

    def add(self, dataset: str, item: PendingArrival) -> None:
        """Add ``item`` to the open batch of ``dataset``; a full batch is closed at once."""
        batch = self._open.get(dataset)
        if batch is None:
            batch = self._open[dataset] = Batch(dataset, self.clock())
        batch.items[item.arrival.identity] = item
        if len(batch) >= self.max_objects:
            self._full.append(self._open.pop(dataset))

    def find(self, identity: str) -> PendingArrival | None:
        """The pending arrival with this identity, if a batch already holds it."""
        for batch in [*self._full, *self._open.values()]:
            if identity in batch.items:
                return batch.items[identity]
        return None

    def pop_due(self, *, force: bool = False) -> list[Batch]:
        """Remove and return batches that are due (all of them when ``force``)."""
        now = self.clock()
        due = [name for name, batch in self._open.items()
               if force or now - batch.opened_at >= self.window_seconds]
        ready, self._full = self._full, []
        return ready + [self._open.pop(name) for name in sorted(due)]

    def seconds_until_due(self) -> float | None:
        """Time until the next batch is due (``None`` when nothing is pending)."""
        if self._full:
            return 0.0
        if not self._open:
            return None
        now = self.clock()
        return max(0.0, min(b.opened_at + self.window_seconds - now for b in self._open.values()))

    def __len__(self) -> int:
        return sum(len(b) for b in [*self._full, *self._open.values()])
