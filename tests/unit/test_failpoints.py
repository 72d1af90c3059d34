"""Failpoints: silent unless named; stage, table and n-th call selection; SIGKILL or raise."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.failpoints import FAULT_ENV, MODE_ENV, SimulatedCrash, fault_point, fault_scope, reset_hits

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _raise_mode(monkeypatch):
    monkeypatch.setenv(MODE_ENV, "raise")
    reset_hits()


def test_a_point_is_silent_unless_named(monkeypatch) -> None:
    monkeypatch.delenv(FAULT_ENV, raising=False)
    fault_point("table.after_commit", "file:///lake/curated/flights")
    monkeypatch.setenv(FAULT_ENV, "table.before_data_files")
    fault_point("table.after_commit", "file:///lake/curated/flights")


def test_stage_and_table_narrow_the_point(monkeypatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "curate.table.after_commit@/curated/")
    fault_point("table.after_commit", "file:///lake/curated/flights")      # no stage yet
    with fault_scope("ingest"):
        fault_point("table.after_commit", "file:///lake/curated/flights")  # other stage
    with fault_scope("curate"):
        fault_point("table.after_commit", "file:///lake/quarantine/flights/raw_to_curated")
        with pytest.raises(SimulatedCrash, match="curated/flights"):
            fault_point("table.after_commit", "file:///lake/curated/flights")


def test_nth_call(monkeypatch) -> None:
    monkeypatch.setenv(FAULT_ENV, "bookmark.save#2")
    fault_point("bookmark.save", "flights")
    with pytest.raises(SimulatedCrash):
        fault_point("bookmark.save", "flights")
    fault_point("bookmark.save", "flights")                              # fires once


def test_kill_mode_sends_sigkill() -> None:
    code = ("from lakehouse.failpoints import fault_point; fault_point('x.y'); "
            "print('survived')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, env={"PYTHONPATH": str(REPO), FAULT_ENV: "x.y"}, check=False)
    assert done.returncode == -signal.SIGKILL and "survived" not in done.stdout


def test_meet_mode_holds_each_thread_until_all_arrived(monkeypatch) -> None:
    import threading

    import lakehouse.failpoints as failpoints

    monkeypatch.setenv(FAULT_ENV, "views.registered")
    monkeypatch.setenv(MODE_ENV, "meet:2")
    arrived: list[str] = []
    passed: list[tuple[str, int]] = []

    def unit(name: str) -> None:
        arrived.append(name)
        fault_point("views.registered", name)
        passed.append((name, len(arrived)))          # how many had arrived when it went on

    first = threading.Thread(target=unit, args=("a",))
    first.start()
    first.join(timeout=0.5)
    assert first.is_alive() and passed == []         # alone at the point: it waits
    unit("b")
    first.join()
    assert sorted(passed) == [("a", 2), ("b", 2)]
    monkeypatch.setattr(failpoints, "MEET_TIMEOUT", 0.2)
    reset_hits()
    with pytest.raises(TimeoutError, match="fewer than 2 threads"):
        fault_point("views.registered", "alone")
