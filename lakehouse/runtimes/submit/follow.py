"""Follow a submitted run until it ends, with one progress line.

Each submitter maps its service's states to :class:`RunState`; this loop only polls, prints
state changes (or rewrites one line on a terminal) and stops at a terminal state or timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lakehouse.errors import RuntimeSubmissionError


@dataclass(frozen=True)
class RunState:
    """One observation of a run: the service's own state name and what it means."""

    state: str
    terminal: bool
    succeeded: bool
    reason: str | None = None


def classify(state: str, *, succeeded: set[str], failed: set[str],
             reason: str | None = None) -> RunState:
    """Map a service state to :class:`RunState` given its success and failure state names."""
    return RunState(state=state, terminal=state in succeeded | failed,
                    succeeded=state in succeeded, reason=reason if state in failed else None)


@dataclass
class SubmitResult:
    """What ``lakehouse submit`` did: where the run is, how it ended, where its logs are."""

    target: str
    run_id: str
    state: str
    succeeded: bool | None  # None: not followed (--no-wait)
    reason: str | None = None
    logs: str = ""
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    request: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "request"}


def follow(poll: Callable[[], RunState], *, label: str, interval: float,
           timeout: float | None = None, progress: Callable[[str, bool], None] | None = None,
           sleep: Callable[[float], None] = time.sleep,
           clock: Callable[[], float] = time.monotonic) -> RunState:
    """Poll until a terminal state; ``progress(line, changed)`` is told every observation.

    Raises:
        RuntimeSubmissionError: when ``timeout`` seconds pass first (the run keeps going).
    """
    start = clock()
    last: str | None = None
    while True:
        state = poll()
        elapsed = clock() - start
        if progress is not None:
            progress(f"{label} {state.state} {_clock(elapsed)}", state.state != last)
        last = state.state
        if state.terminal:
            return state
        if timeout is not None and elapsed >= timeout:
            raise RuntimeSubmissionError(
                f"{label} still {state.state} after {_clock(elapsed)}; stopped following it",
                hint="the run goes on; follow it in the console or raise --timeout")
        sleep(interval)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"
