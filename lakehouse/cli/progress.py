"""Terminal progress for ``lakehouse run``: a rich progress bar on a terminal, one line per
finished stage otherwise (logs, CI). Output goes to stderr so ``--json`` stdout stays clean."""

from __future__ import annotations

import sys

import click

from lakehouse.records.observer import RunObserver
from lakehouse.records.summary import RunSummary, StageResult


def describe(result: StageResult) -> str:
    """``ingest flights: succeeded, 3 files, 336,776 rows (9.1s)``."""
    parts = [f"{result.stage} {result.dataset}: {result.status}"]
    if result.stage == "ingest" and result.inputs:
        parts.append(f"{len(result.inputs)} file(s)")
    if result.status == "succeeded":
        rows = f"{result.rows_written:,} rows"
        if result.rows_quarantined:
            rows += f", {result.rows_quarantined:,} quarantined"
        if result.rows_deduplicated:
            rows += f", {result.rows_deduplicated:,} deduplicated"
        parts.append(rows)
        if result.refused:
            parts.append(f"{len(result.refused)} file(s) REFUSED: {', '.join(sorted(result.refused))}")
    elif result.message:
        parts.append(result.message)
    return ", ".join(parts) + f" ({result.duration_s:.1f}s)"


class LineProgress(RunObserver):
    """One line per finished stage (for non-terminals)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.total = 0
        self.done = 0

    def run_started(self, summary: RunSummary, plan: list[tuple[str, str]]) -> None:
        self.total = len(plan)

    def stage_finished(self, summary: RunSummary, result: StageResult) -> None:
        self.done += 1
        click.echo(f"[{self.done}/{self.total}] {describe(result)}", file=self.stream)


class RichProgress(RunObserver):
    """A progress bar over the run's steps with the current step and rows so far."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(),
                                 console=self.console, transient=False)
        self.task = None
        self.rows = 0

    def run_started(self, summary: RunSummary, plan: list[tuple[str, str]]) -> None:
        self.progress.start()
        self.task = self.progress.add_task(f"run {summary.run_id}", total=len(plan), rows=0)

    def stage_started(self, summary: RunSummary, stage: str, name: str) -> None:
        self.progress.update(self.task, description=f"{stage} {name}")

    def stage_finished(self, summary: RunSummary, result: StageResult) -> None:
        self.rows += result.rows_written
        self.progress.console.print(describe(result))
        self.progress.update(self.task, advance=1, rows=self.rows)

    def run_finished(self, summary: RunSummary) -> None:
        self.progress.update(self.task, description=f"run {summary.status}")
        self.progress.stop()


def progress_observer(*, quiet: bool) -> RunObserver | None:
    """The right progress display for stderr, or None when quiet."""
    if quiet:
        return None
    return RichProgress() if sys.stderr.isatty() else LineProgress()
