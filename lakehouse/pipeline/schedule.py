"""Execute a DAG of callables concurrently: the pipeline's scheduler, knowing nothing of stages.

A node (:class:`Unit`) has a hashable ``key``, a callable and the keys it waits for
(``after``). The scheduler starts a node once its dependencies succeeded, on a bounded thread
pool; a failed node does not stop the others: nodes that depend on it (directly or through
another) are not started (reported as ``skipped_by``, the failed key), independent ones run on.
Results come back in the given order. What the keys mean, which node waits for which and what
a node runs are the caller's: :mod:`lakehouse.pipeline.plan` builds the graph of a run,
:mod:`lakehouse.pipeline.driver` runs it here, pinning each thread to a Spark FAIR scheduler
pool (``on_thread_start``; the session is created with :data:`FAIR_CONF` so pools share
executors fairly) and giving each unit its own Spark session (``newSession``).

How many nodes run at once: ``workers`` when given (``--workers``), else ``LAKEHOUSE_WORKERS``,
else :data:`DEFAULT_WORKERS` lowered to what the driver heap holds (:func:`choose_workers`:
one unit per :data:`HEAP_PER_WORKER` of heap, at least one).

``concurrent.futures`` does the threading; only the dependency bookkeeping is ours (a few
lines: no library adds DAG scheduling to a thread pool without a heavier runtime).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
ENV_WORKERS = "LAKEHOUSE_WORKERS"
DEFAULT_WORKERS = 2
GIB = 1024 ** 3
# One concurrent unit per GiB of driver heap. In local mode the driver JVM also runs every
# task, and a unit holds its persisted batch, its broadcasts and collected samples there
# while it runs: docs/runs.md has the measurements behind this figure.
HEAP_PER_WORKER = 1 * GIB
# A JVM reports a little less than -Xmx as its max heap (one survivor space, with some
# collectors): a "2g" driver must still count as 2 GiB.
_HEAP_SLACK = 0.1


K = TypeVar("K", bound=Hashable)


@dataclass
class Unit(Generic[K]):
    """One node: ``key`` is unique, ``after`` the keys it needs (it is skipped when one
    failed), ``follows`` keys it only must not overlap with (it runs whatever they did)."""

    key: K
    run: Callable[[], Any]
    after: set[K] | frozenset[K] = field(default_factory=set)
    follows: set[K] | frozenset[K] = field(default_factory=set)


@dataclass
class Outcome(Generic[K]):
    """What became of one node: its ``value``, its ``error``, or the failed key it waited for."""

    key: K
    value: Any = None
    error: BaseException | None = None
    skipped_by: K | None = None  # the failed dependency that kept this unit from running


def workers_from_env(default: int = DEFAULT_WORKERS) -> int:
    """``LAKEHOUSE_WORKERS`` (>= 1), else ``default``."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{ENV_WORKERS} must be a whole number >= 1, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class WorkerChoice:
    """How many units a run executes at once, and why (``note`` is set when lowered)."""

    workers: int
    source: str                  # "argument" | "LAKEHOUSE_WORKERS" | "default" | "driver heap"
    heap_bytes: int | None = None
    note: str = ""


def workers_for_heap(heap_bytes: int | None, wanted: int = DEFAULT_WORKERS) -> int:
    """At most ``wanted``, one per :data:`HEAP_PER_WORKER` of ``heap_bytes``, at least 1.

    An unknown heap (None) keeps ``wanted``.
    """
    if not heap_bytes or heap_bytes <= 0:
        return wanted
    fits = int(heap_bytes * (1 + _HEAP_SLACK) // HEAP_PER_WORKER)
    return max(1, min(wanted, fits))


def choose_workers(requested: int | None, heap_bytes: int | None) -> WorkerChoice:
    """The run's concurrency: an explicit ``requested`` or ``LAKEHOUSE_WORKERS`` is used as
    given; the default (:data:`DEFAULT_WORKERS`) is lowered to what ``heap_bytes`` holds."""
    if requested is not None:
        return WorkerChoice(max(1, requested), "argument", heap_bytes)
    if os.environ.get(ENV_WORKERS, "").strip():
        return WorkerChoice(workers_from_env(), ENV_WORKERS, heap_bytes)
    fits = workers_for_heap(heap_bytes, DEFAULT_WORKERS)
    if fits >= DEFAULT_WORKERS:
        return WorkerChoice(DEFAULT_WORKERS, "default", heap_bytes)
    heap = f"{heap_bytes / GIB:.1f} GiB" if heap_bytes else "unknown"
    return WorkerChoice(fits, "driver heap", heap_bytes, note=(
        f"running {fits} unit(s) at a time instead of {DEFAULT_WORKERS}: the driver heap is "
        f"{heap} (one concurrent unit per {HEAP_PER_WORKER / GIB:g} GiB); raise "
        f"spark.driver.memory, or set --workers / {ENV_WORKERS} to choose"))


def run_units(units: Sequence[Unit[K]], *, workers: int = DEFAULT_WORKERS,
              on_thread_start: Callable[[K], None] | None = None) -> list[Outcome[K]]:
    """Run ``units`` respecting ``after``; at most ``workers`` at a time.

    Args:
        units: in a valid order (every dependency listed before its dependents; unknown
            keys in ``after`` are ignored).
        workers: pool size; 1 runs the units one by one on the calling thread.
        on_thread_start: called in the worker thread with the unit key before it runs
            (the driver uses it to pick the Spark scheduler pool).

    Returns:
        One :class:`Outcome` per unit, in the order given.
    """
    keys = [u.key for u in units]
    if len(set(keys)) != len(keys):
        raise ValueError("unit keys must be unique")
    position = {k: i for i, k in enumerate(keys)}  # keys need not sort: use the given order
    outcomes: dict[K, Outcome[K]] = {}
    pending = list(units)

    def blocked_by(unit: Unit[K]) -> K | None:
        for dep in sorted((d for d in unit.after if d in position), key=position.__getitem__):
            done = outcomes.get(dep)
            if done is not None and done.skipped_by is not None:
                return done.skipped_by            # the root cause, not the link in between
            if done is not None and done.error is not None:
                return dep
        return None

    def ready(unit: Unit[K]) -> bool:
        return all(dep in outcomes for dep in (*unit.after, *unit.follows) if dep in position)

    def call(unit: Unit[K]) -> Any:
        if on_thread_start is not None:
            on_thread_start(unit.key)
        return unit.run()

    if workers <= 1:
        for unit in units:
            if (dep := blocked_by(unit)) is not None:
                outcomes[unit.key] = Outcome(unit.key, skipped_by=dep)
                continue
            try:
                outcomes[unit.key] = Outcome(unit.key, value=call(unit))
            except Exception as exc:
                outcomes[unit.key] = Outcome(unit.key, error=exc)
        return [outcomes[k] for k in keys]

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lakehouse") as pool:
        running: dict[Future, Unit[K]] = {}
        while pending or running:
            for unit in list(pending):
                if len(running) >= workers:
                    break
                if not ready(unit):
                    continue
                pending.remove(unit)
                if (dep := blocked_by(unit)) is not None:
                    outcomes[unit.key] = Outcome(unit.key, skipped_by=dep)
                    continue
                running[pool.submit(call, unit)] = unit
            if not running:
                if pending and not any(ready(u) for u in pending):  # a cycle: run in order
                    unit = pending.pop(0)
                    running[pool.submit(call, unit)] = unit
                continue
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                unit = running.pop(future)
                exc = future.exception()
                outcomes[unit.key] = (Outcome(unit.key, error=exc) if exc is not None
                                      else Outcome(unit.key, value=future.result()))
    return [outcomes[k] for k in keys]


# Session settings for concurrent units: FAIR shares executors between the worker threads.
FAIR_CONF = {"spark.scheduler.mode": "FAIR"}
