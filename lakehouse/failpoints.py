"""Failpoints: named places where a test kills the run, to prove a re-run recovers exactly.

``fault_point(name, where)`` does nothing unless ``LAKEHOUSE_FAULT`` names it. The value is
``<point>[@<text>][#<n>]``: ``<point>`` is ``name`` itself or ``<stage>.<name>`` (the stage
the runner is in: ``ingest``, ``curate``, ``export``), ``@<text>`` narrows it to calls whose
``where`` (a table URI, a catalog table, a dataset) contains ``text``, and ``#<n>`` fires on
the n-th matching call in this process (default the first). Examples::

    LAKEHOUSE_FAULT=curate.table.after_commit@/curated/   # the curated merge has committed
    LAKEHOUSE_FAULT=ingest.bookmark.save#2                # the second ingest bookmark save

``LAKEHOUSE_FAULT_MODE`` says how the run dies: ``kill`` (default) sends SIGKILL to this
process (no ``finally``, no cleanup: locks, leases and half-written files stay behind);
``raise`` raises :class:`SimulatedCrash`, a ``BaseException`` no stage catches, for cheaper
in-process tests; ``meet:<n>`` kills nothing: each matching call waits there until ``n``
threads have reached the point, then all go on (``#<n>`` is ignored). It makes a race
deterministic: two units that meet after setting session state both act on whatever the
other one set. A thread left waiting alone for :data:`MEET_TIMEOUT` seconds raises
``TimeoutError``. The points are listed in docs/reliability.md. No Spark, no imports.
"""

from __future__ import annotations

import contextvars
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FAULT_ENV = "LAKEHOUSE_FAULT"
MODE_ENV = "LAKEHOUSE_FAULT_MODE"

_stage: contextvars.ContextVar[str] = contextvars.ContextVar("lakehouse_fault_stage", default="")
_hits: dict[str, int] = {}
_meets: dict[str, threading.Barrier] = {}
_hits_lock = threading.Lock()
MEET_TIMEOUT = 120.0


class SimulatedCrash(BaseException):
    """Raised at a failpoint in ``raise`` mode: behaves like the process dying there."""


@contextmanager
def fault_scope(stage: str) -> Iterator[None]:
    """Name the stage running on this thread, so ``<stage>.<point>`` specs match."""
    token = _stage.set(stage)
    try:
        yield
    finally:
        _stage.reset(token)


def reset_hits() -> None:
    """Forget the calls counted for ``#<n>`` (tests running several faults in one process)."""
    with _hits_lock:
        _hits.clear()
        _meets.clear()


def fault_point(name: str, where: str = "") -> None:
    """Crash here when ``LAKEHOUSE_FAULT`` names this point (see the module docstring)."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    spec_only, _, nth = spec.partition("#")
    point, _, needle = spec_only.partition("@")
    stage = _stage.get()
    if point != name and point != f"{stage}.{name}":
        return
    if needle and needle not in where:
        return
    mode = os.environ.get(MODE_ENV, "kill")
    if mode.startswith("meet:"):
        _meet(spec, int(mode.split(":", 1)[1]), where)
        return
    with _hits_lock:
        _hits[spec] = _hits.get(spec, 0) + 1
        if _hits[spec] != int(nth or 1):
            return
    if mode == "raise":
        raise SimulatedCrash(f"simulated crash at {spec} ({where})")
    os.kill(os.getpid(), signal.SIGKILL)


def _meet(spec: str, parties: int, where: str) -> None:
    with _hits_lock:
        barrier = _meets.setdefault(spec, threading.Barrier(parties, timeout=MEET_TIMEOUT))
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        raise TimeoutError(f"failpoint {spec} ({where}): fewer than {parties} threads met "
                           f"there within {MEET_TIMEOUT:.0f} s") from None
