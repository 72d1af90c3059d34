"""Write the run's HTML report when a run ends (only run records are read: cheap)."""

from __future__ import annotations

import logging

from lakehouse.config.project import Project
from lakehouse.records.observer import RunObserver
from lakehouse.records.summary import RunSummary

log = logging.getLogger(__name__)


class ReportObserver(RunObserver):
    """Writes ``{reports}/runs/<run_id>.html`` and refreshes the index at the end of a run."""

    def __init__(self, project: Project):
        self.project = project
        self.page: str | None = None

    def run_finished(self, summary: RunSummary) -> None:
        from lakehouse.reports.html import write_report

        self.page = write_report(self.project, summary)
        log.info("run report: %s", self.page)
