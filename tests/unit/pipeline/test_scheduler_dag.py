"""The scheduler executes any DAG of callables: keys of any hashable type, failures cancel
only their dependants, results come back keyed, the concurrency bound holds. Synchronised
with threading events and barriers, never with sleeps."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from lakehouse.pipeline.schedule import Unit, run_units

WAIT = 30  # seconds a blocked thread waits before the test fails instead of hanging


@dataclass(frozen=True)
class Key:  # not a string and not sortable: the scheduler must not care
    n: int


def test_a_failure_cancels_only_its_dependants_and_results_are_keyed() -> None:
    ran: list[Key] = []
    lock = threading.Lock()

    def work(key: Key, fail: bool = False):
        def run():
            with lock:
                ran.append(key)
            if fail:
                raise RuntimeError(f"{key} broke")
            return key.n * 10
        return run

    a, b, c, d, e, f = (Key(i) for i in range(6))
    # a fails; b needs a; c needs b (cancelled transitively); d, e independent; f needs d and e
    units = [Unit(a, work(a, fail=True)), Unit(d, work(d)), Unit(e, work(e)),
             Unit(b, work(b), {a}), Unit(c, work(c), {b}), Unit(f, work(f), {d, e})]
    for workers in (1, 3):
        ran.clear()
        out = run_units(units, workers=workers)
        assert [o.key for o in out] == [u.key for u in units]         # given order, keyed
        by = {o.key: o for o in out}
        assert isinstance(by[a].error, RuntimeError)
        assert (by[b].skipped_by, by[c].skipped_by) == (a, a)         # the root cause
        assert (by[d].value, by[e].value, by[f].value) == (30, 40, 50)
        assert all(by[k].error is None and by[k].skipped_by is None for k in (d, e, f))
        assert b not in ran and c not in ran and set(ran) == {a, d, e, f}


def test_falsy_keys_are_keys_too() -> None:
    """0 and "" are valid keys: a skipped unit's cause is reported even when it is falsy."""
    def boom():
        raise ValueError("no")

    out = run_units([Unit(0, boom), Unit("", lambda: 1, {0}), Unit(2, lambda: 2, {""})],
                    workers=2)
    assert [o.skipped_by for o in out] == [None, 0, 0]


def test_a_unit_waits_for_its_dependencies_to_finish() -> None:
    first_done = threading.Event()
    seen: list[bool] = []

    def first():
        first_done.set()

    def second():
        seen.append(first_done.is_set())

    run_units([Unit("first", first), Unit("second", second, {"first"})], workers=2)
    assert seen == [True]


@pytest.mark.parametrize("workers", [2, 3])
def test_at_most_workers_units_run_at_once(workers: int) -> None:
    """Units block until released; the test counts how many are inside at the same time."""
    lock = threading.Lock()
    inside, peak = [0], [0]
    arrived = threading.Semaphore(0)
    release = threading.Event()

    def unit():
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        arrived.release()
        assert release.wait(WAIT)
        with lock:
            inside[0] -= 1

    runner = threading.Thread(target=run_units, args=([Unit(i, unit) for i in range(6)],),
                              kwargs={"workers": workers})
    runner.start()
    for _ in range(workers):               # the first `workers` units all get in ...
        assert arrived.acquire(timeout=WAIT)
    assert not arrived.acquire(timeout=0.5)  # ... and no further one while they are inside
    with lock:
        assert inside[0] == workers
    release.set()
    runner.join(WAIT)
    assert not runner.is_alive() and peak[0] == workers


def test_independent_units_run_side_by_side() -> None:
    """Two units with no edge between them start together (the barrier needs both)."""
    both = threading.Barrier(2, timeout=WAIT)
    out = run_units([Unit("x", lambda: both.wait() >= 0), Unit("y", lambda: both.wait() >= 0)],
                    workers=2)
    assert [o.value for o in out] == [True, True]


def test_on_thread_start_gets_the_key_in_the_worker_thread() -> None:
    seen: dict[str, str] = {}

    def hook(key: str) -> None:
        seen[key] = threading.current_thread().name

    out = run_units([Unit("a", lambda: threading.current_thread().name)], workers=2,
                    on_thread_start=hook)
    assert seen == {"a": out[0].value} and out[0].value.startswith("lakehouse")


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        run_units([Unit("a", lambda: 1), Unit("a", lambda: 2)])
