"""lakehouse.pipeline.schedule: dependencies, bounded concurrency, failures isolated per unit."""

from __future__ import annotations

import threading
import time

import pytest

from lakehouse.pipeline.schedule import Unit, run_units, workers_from_env


def _recorder():
    log: list[tuple[str, str]] = []
    lock = threading.Lock()
    state = {"active": 0, "peak": 0}

    def unit(key: str, after: set[str] | None = None, fail: bool = False, sleep: float = 0.05):
        def run():
            with lock:
                state["active"] += 1
                state["peak"] = max(state["peak"], state["active"])
                log.append(("start", key))
            time.sleep(sleep)
            with lock:
                state["active"] -= 1
                log.append(("end", key))
            if fail:
                raise RuntimeError(f"{key} broke")
            return key.upper()
        return Unit(key, run, after or set())
    return unit, log, state


@pytest.mark.parametrize("workers", [1, 3])
def test_dependencies_run_first_and_failures_are_isolated(workers):
    unit, log, state = _recorder()
    units = [unit("ingest:a"), unit("ingest:b", fail=True), unit("ingest:c"),
             unit("curate:a", {"ingest:a"}), unit("curate:b", {"ingest:b"}),
             unit("curate:c", {"ingest:c", "curate:a"}),
             unit("export:x", {"curate:a", "curate:b"})]
    out = run_units(units, workers=workers)
    assert [o.key for o in out] == [u.key for u in units]
    by = {o.key: o for o in out}
    assert by["curate:c"].value == "CURATE:C" and by["curate:a"].error is None
    assert isinstance(by["ingest:b"].error, RuntimeError)
    assert by["curate:b"].skipped_by == "ingest:b"
    assert by["export:x"].skipped_by == "ingest:b"           # transitively not run
    assert ("start", "curate:b") not in log and ("start", "export:x") not in log
    ends = [k for e, k in log if e == "end"]
    starts = [k for e, k in log if e == "start"]
    assert ends.index("curate:a") < starts.index("curate:c")
    assert ends.index("ingest:c") < starts.index("curate:c")
    assert state["peak"] <= workers


def test_independent_units_overlap_up_to_the_bound():
    unit, _, state = _recorder()
    run_units([unit(f"ingest:{i}", sleep=0.2) for i in range(6)], workers=3)
    assert state["peak"] == 3


def test_workers_from_env(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_WORKERS", "4")
    assert workers_from_env() == 4
    monkeypatch.setenv("LAKEHOUSE_WORKERS", "zero")
    with pytest.raises(ValueError, match="LAKEHOUSE_WORKERS"):
        workers_from_env()


def test_following_a_failed_unit_still_runs_but_needing_it_does_not():
    from lakehouse.pipeline.schedule import Unit, run_units

    ran: list[str] = []

    def boom():
        ran.append("a")
        raise RuntimeError("a failed")

    units = [Unit("a", boom), Unit("b", lambda: ran.append("b"), follows={"a"}),
             Unit("c", lambda: ran.append("c"), after={"a"})]
    for workers in (1, 2):
        ran.clear()
        outcomes = {o.key: o for o in run_units(units, workers=workers)}
        assert ran == ["a", "b"]
        assert outcomes["a"].error is not None and outcomes["b"].error is None
        assert outcomes["c"].skipped_by == "a"


def test_default_workers_follow_the_driver_heap(monkeypatch):
    from lakehouse.pipeline.schedule import GIB, choose_workers, workers_for_heap

    monkeypatch.delenv("LAKEHOUSE_WORKERS", raising=False)
    # one unit per GiB, at least one, never above what was wanted; a JVM reporting a bit
    # less than -Xmx2g still counts as 2 GiB
    assert [workers_for_heap(int(g * GIB)) for g in (0.5, 1, 1.5, 1.95, 2, 8)] == [1, 1, 1, 2, 2, 2]
    assert workers_for_heap(16 * GIB, wanted=4) == 4 and workers_for_heap(None) == 2
    small = choose_workers(None, GIB)
    assert (small.workers, small.source) == (1, "driver heap")
    assert "instead of 2" in small.note and "1.0 GiB" in small.note and "--workers" in small.note
    assert choose_workers(None, 2 * GIB) == choose_workers(None, 2 * GIB)
    assert (choose_workers(None, 2 * GIB).workers, choose_workers(None, 2 * GIB).note) == (2, "")
    assert choose_workers(None, None).workers == 2                       # heap unknown
    assert (choose_workers(3, GIB).workers, choose_workers(3, GIB).note) == (3, "")  # explicit wins
    monkeypatch.setenv("LAKEHOUSE_WORKERS", "4")
    assert choose_workers(None, GIB).workers == 4


def test_memory_strings_read_as_spark_reads_them():
    from lakehouse.spark.heap import parse_memory

    assert parse_memory("2g") == 2 * 1024 ** 3 and parse_memory("512m") == 512 * 1024 ** 2
    assert parse_memory("1536") == 1536 * 1024 ** 2                 # no unit: MiB
    assert parse_memory("4GB") == 4 * 1024 ** 3
    assert parse_memory("") is None and parse_memory("lots") is None and parse_memory(None) is None
