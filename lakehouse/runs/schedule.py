"""Run independent units of a pipeline concurrently in one SparkSession.

A *unit* is one stage for one dataset or export (``ingest flights``). Units name the units
they wait for; the scheduler starts a unit once its dependencies succeeded, on a bounded
thread pool, each thread in its own Spark FAIR scheduler pool (the session must be created
with ``spark.scheduler.mode=FAIR`` for pools to share executors fairly; in FIFO mode the
threads still overlap their driver-side work). A failed unit does not stop the others:
units that depend on it are not started (reported as ``skipped_by``), independent ones run
on. Results come back in the given order.

How many units run at once: ``workers`` when given (``--workers``), else ``LAKEHOUSE_WORKERS``,
else :data:`DEFAULT_WORKERS` lowered to what the driver heap holds (:func:`choose_workers`:
one unit per :data:`HEAP_PER_WORKER` of heap, at least one). Each unit runs in its own Spark
session (``newSession``: the runner's ``_timed``), so units never see each other's temp views
or session settings (the native MERGE's idempotency key is one).

``concurrent.futures`` does the threading; only the dependency bookkeeping is ours (a few
lines: no library adds DAG scheduling to a thread pool without a heavier runtime).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Unit:
    """One piece of work: ``key`` is unique, ``after`` the keys it needs (it is skipped when
    one failed), ``follows`` keys it only must not overlap with (it runs whatever they did)."""

    key: str
    run: Callable[[], Any]
    after: set[str] = field(default_factory=set)
    follows: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    key: str
    value: Any = None
    error: BaseException | None = None
    skipped_by: str | None = None  # the failed dependency that kept this unit from running


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


def run_units(units: Sequence[Unit], *, workers: int = DEFAULT_WORKERS,
              on_thread_start: Callable[[str], None] | None = None) -> list[Outcome]:
    """Run ``units`` respecting ``after``; at most ``workers`` at a time.

    Args:
        units: in a valid order (every dependency listed before its dependents; unknown
            keys in ``after`` are ignored).
        workers: pool size; 1 runs the units one by one on the calling thread.
        on_thread_start: called in the worker thread with the unit key before it runs
            (the runner uses it to pick the Spark scheduler pool).

    Returns:
        One :class:`Outcome` per unit, in the order given.
    """
    keys = [u.key for u in units]
    if len(set(keys)) != len(keys):
        raise ValueError("unit keys must be unique")
    known = set(keys)
    outcomes: dict[str, Outcome] = {}
    pending = list(units)

    def blocked_by(unit: Unit) -> str | None:
        for dep in sorted(unit.after & known):
            done = outcomes.get(dep)
            if done is not None and (done.error is not None or done.skipped_by):
                return done.skipped_by or dep
        return None

    def ready(unit: Unit) -> bool:
        return all(dep in outcomes for dep in (unit.after | unit.follows) & known)

    def call(unit: Unit) -> Any:
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
        running: dict[Future, Unit] = {}
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


def run_plan(plan: Sequence[tuple[Callable, Any]], timed: Callable[[Callable, Any, dict | None], Any],
             *, ctx: Any, summary: Any, profile: bool | None = None,
             workers: int | None = None) -> list[Outcome]:
    """Run the runner's ``(stage function, dataset/export)`` plan with dependencies.

    ``curate d`` waits for ``ingest d`` and for the curates of datasets ``d`` references
    (earlier in the plan: :func:`lakehouse.runner.curate_order`); an export waits for the
    curates of its inputs. Exports run side by side: each registers its input views in its
    own session. Stage results in ``summary`` are put back in plan order. Returns one outcome per unit
    (failures and units skipped because a dependency failed); the runner decides what they mean.
    """
    from lakehouse.runs.profile import profiling_requested

    profiled = profiling_requested(profile)
    workers = workers_from_env() if workers is None else max(1, workers)
    keys: list[str] = []
    units: list[Unit] = []
    for func, item in plan:
        stage, name = func.__name__, getattr(item, "name", str(item))
        key = f"{stage}:{name}"
        after: set[str] = set()
        if stage == "curate":
            refs = {r.dataset for r in item.rules.all() if r.rule == "references"} - {name}
            after = {f"ingest:{name}"} | {f"curate:{r}" for r in refs if f"curate:{r}" in keys}
        elif stage == "export":
            after = {k for k in keys if k.startswith(("curate:", "ingest:"))
                     and k.split(":", 1)[1] in set(getattr(item, "inputs", []) or [])}
        keys.append(key)
        units.append(Unit(key, (lambda f=func, i=item: timed(f, i, {} if profiled else None)),
                          after))

    def pool(key: str) -> None:  # a FAIR pool per dataset (ignored in FIFO mode)
        ctx.spark.sparkContext.setLocalProperty("spark.scheduler.pool",
                                                key.split(":", 1)[1] if workers > 1 else None)

    outcomes = run_units(units, workers=workers, on_thread_start=pool)
    order = {k: i for i, k in enumerate(keys)}
    summary.stages.sort(key=lambda s: order.get(f"{s.stage}:{s.dataset}", len(order)))
    for outcome in outcomes:
        if outcome.skipped_by:
            log.warning("%s not run: %s failed", outcome.key, outcome.skipped_by)
    return outcomes
