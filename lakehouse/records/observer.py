"""Hooks into a run: progress bars, lineage events and reports observe it; stages never print.

A :class:`RunObserver` gets one call when the run starts (with the plan), before and after
each stage of each dataset, and when the run ends (also when it fails). Observers must not
break a run: :class:`Observers` logs and swallows their exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from lakehouse.records.summary import RunSummary, StageResult

log = logging.getLogger(__name__)


class RunObserver:
    """Base class: override what you need. ``plan`` is the list of (stage, dataset) steps."""

    def run_started(self, summary: RunSummary, plan: list[tuple[str, str]]) -> None:
        """Called once before the first stage."""

    def stage_started(self, summary: RunSummary, stage: str, name: str) -> None:
        """Called before ``stage`` runs for dataset/export ``name``."""

    def stage_finished(self, summary: RunSummary, result: StageResult) -> None:
        """Called after a stage, with its result (status ``failed``/``blocked`` on errors)."""

    def run_finished(self, summary: RunSummary) -> None:
        """Called once at the end; ``summary.status`` says how it ended."""


class Observers(RunObserver):
    """Fan a call out to several observers; one failing observer never stops the run."""

    def __init__(self, observers: Iterable[RunObserver] = ()):
        self.observers = list(observers)

    def _each(self, method: str, *args) -> None:
        for observer in self.observers:
            try:
                getattr(observer, method)(*args)
            except Exception as exc:  # an observer is never worth a failed run
                log.warning("run observer %s.%s failed: %s", type(observer).__name__, method, exc)

    def run_started(self, summary: RunSummary, plan: list[tuple[str, str]]) -> None:
        self._each("run_started", summary, plan)

    def stage_started(self, summary: RunSummary, stage: str, name: str) -> None:
        self._each("stage_started", summary, stage, name)

    def stage_finished(self, summary: RunSummary, result: StageResult) -> None:
        self._each("stage_finished", summary, result)

    def run_finished(self, summary: RunSummary) -> None:
        self._each("run_finished", summary)
