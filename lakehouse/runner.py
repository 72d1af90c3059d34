"""Run the pipeline: the one entry point the CLI, the jobs, the triggers and tests all call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from lakehouse.config.project import Project
from lakehouse.errors import LakehouseError, QualityGateError
from lakehouse.runs.summary import RunSummary, StageResult, new_run_id
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Stage = Literal["ingest", "curate", "export", "all"]
STAGES: tuple[str, ...] = ("ingest", "curate", "export", "all")
log = logging.getLogger(__name__)


def run_pipeline(project: Project, *, datasets: Sequence[str] | None = None, stage: Stage = "all",
                 run_id: str | None = None, trigger: dict | None = None,
                 spark: SparkSession | None = None, profile: bool | None = None,
                 workers: int | None = None) -> RunSummary:
    """Run ``stage`` (or all stages, in order) for the selected datasets and exports.

    Independent datasets run concurrently on ``workers`` threads (default
    ``LAKEHOUSE_WORKERS`` or 2; see :mod:`lakehouse.runs.schedule`); a failed dataset does not
    stop the others. ``profile`` (default ``LAKEHOUSE_PROFILE``) records each stage's Spark
    jobs in its ``details["spark_jobs"]``.

    Returns the run summary, also written as JSON to ``<lake>/_runs/runs/<run_id>.json``.
    Raises the first failed stage's :class:`LakehouseError` after recording the run.
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
    selected = project.select_datasets(datasets)
    exports = project.select_exports(datasets) if stage in ("export", "all") else []
    run_id = run_id or new_run_id()
    summary = RunSummary(run_id=run_id, profile=project.lake.profile, stage=stage,
                         datasets=[d.name for d in selected], trigger=trigger or {"type": "manual"})
    from lakehouse.runs.schedule import FAIR_CONF
    from lakehouse.spark.session import local_session
    from lakehouse.stages import StageContext, curate, export, ingest

    ctx = StageContext(spark or local_session(project.lake.spark, extra_conf=FAIR_CONF),
                       project, run_id)
    plan: list[tuple[Callable, object]] = []
    if stage in ("ingest", "all"):
        plan += [(ingest, d) for d in selected]
    if stage in ("curate", "all"):
        plan += [(curate, d) for d in curate_order(selected)]
    plan += [(export, e) for e in exports]
    try:
        # --- scheduling (issue 11): concurrent, failure-isolated units; see runs/schedule.py
        from lakehouse.runs.schedule import run_plan

        run_plan(plan, lambda func, item, sink: _timed(func, ctx, item, summary, sink),
                 ctx=ctx, summary=summary, profile=profile, workers=workers)
        # --- end scheduling
        summary.finish("succeeded")
    except QualityGateError as exc:
        summary.finish("blocked", str(exc))
        raise
    except LakehouseError as exc:
        summary.finish("failed", str(exc))
        raise
    except Exception as exc:
        summary.finish("failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        write_summary(project, summary)
    return summary


def curate_order(datasets: list) -> list:
    """Datasets referenced by another's ``references`` rules are curated first (stable order)."""
    names = {d.name for d in datasets}
    needs = {d.name: {r.dataset for r in d.rules.all() if r.rule == "references"}
             & names - {d.name} for d in datasets}
    ordered: list = []
    pending = list(datasets)
    while pending:
        ready = [d for d in pending if needs[d.name] <= {o.name for o in ordered}]
        if not ready:  # a reference cycle: keep the given order for the rest
            ready = pending[:1]
        ordered.extend(ready)
        pending = [d for d in pending if d not in ready]
    return ordered


def _timed(func: Callable, ctx, item, summary: RunSummary,
           profile: dict | None = None) -> StageResult:
    """Run one stage for one dataset/export, recording its result (also when it fails).

    With a ``profile`` dict, the stage's Spark jobs are collected into its details.
    """
    from lakehouse.runs.profile import job_group, stage_jobs

    name = getattr(item, "name", str(item))
    log.info("%s %s: starting", func.__name__, name)
    start = time.monotonic()
    group = job_group(ctx.run_id, func.__name__, name)
    try:
        with stage_jobs(ctx.spark, group, f"{func.__name__} {name}", profile):
            result = func(ctx, item)
    except Exception as exc:
        status = "blocked" if isinstance(exc, QualityGateError) else "failed"
        failed = StageResult(name, func.__name__, status=status, message=str(exc).split("\n")[0],
                             duration_s=round(time.monotonic() - start, 2),
                             details=dict(profile or {}))
        summary.add(failed)
        raise
    if profile is not None:
        result.details.update(profile)
    result.duration_s = round(time.monotonic() - start, 2)
    summary.add(result)
    log.info("%s %s: %s in %.1fs%s", func.__name__, name, result.status, result.duration_s,
             f" ({result.message})" if result.message else "")
    return result


def write_summary(project: Project, summary: RunSummary) -> str:
    """Persist the summary under the lake; returns its URI."""
    uri = join_uri(project.runs_uri, "runs", f"{summary.run_id}.json")
    files.write_text(uri, summary.to_json())
    return uri
