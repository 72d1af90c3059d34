"""Table maintenance as a run: compaction and VACUUM of each selected dataset's tables.

:func:`run_maintenance` is what ``lakehouse maintain`` calls (and what a scheduler can call
after the daily runs): one ``maintain`` stage per dataset, under the dataset's run lock (no
pipeline stage of another run writes the tables meanwhile), recorded like a pipeline run
(``<lake>/_runs/runs/<run_id>.json``, ``stage: "maintain"``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lakehouse.config.project import Project
from lakehouse.records.history import write_run
from lakehouse.records.summary import RunSummary, StageResult, new_run_id
from lakehouse.stages.unit_lock import hold_unit

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


def run_maintenance(project: Project, *, datasets: Sequence[str] | None = None,
                    dry_run: bool = False, retention_hours: float | None = None,
                    spark: SparkSession | None = None, run_id: str | None = None) -> RunSummary:
    """Compact and vacuum the tables of ``datasets`` (default: all); returns the run record.

    ``dry_run`` compacts nothing and lists what VACUUM would delete. ``retention_hours``
    (default 168, Delta's) is how long removed files stay for time travel; under 168 is
    allowed for this call only. A failing dataset is recorded and the others still run.
    """
    from lakehouse.spark.session import local_session
    from lakehouse.stages.context import StageContext
    from lakehouse.stages.maintain import DEFAULT_RETENTION_HOURS, maintain

    selected = project.select_datasets(datasets)
    summary = RunSummary(run_id=run_id or new_run_id(), profile=project.lake.profile,
                         stage="maintain", datasets=[d.name for d in selected],
                         trigger={"type": "manual"})
    ctx = StageContext(spark or local_session(project.lake.spark), project, summary.run_id)
    hours = DEFAULT_RETENTION_HOURS if retention_hours is None else retention_hours
    try:
        for dataset in selected:
            start = time.monotonic()
            try:
                with hold_unit(project, dataset.name, []):
                    result = maintain(ctx, dataset, dry_run=dry_run, retention_hours=hours)
            except Exception as exc:
                log.error("maintain %s: %s", dataset.name, exc)
                result = StageResult.from_error(dataset.name, "maintain", exc)
            result.duration_s = round(time.monotonic() - start, 2)
            summary.add(result)
        failed = [r for r in summary.stages if r.status == "failed"]
        summary.finish("failed" if failed else "succeeded",
                       "\n".join(f"{r.dataset}: {r.message}" for r in failed) or None)
    except BaseException as exc:
        summary.finish("failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        write_run(project.runs_uri, summary)
    return summary
