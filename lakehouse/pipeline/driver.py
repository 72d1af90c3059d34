"""Run the pipeline: the one entry point the CLI, the jobs, the triggers and tests all call.

The driver turns the run's :class:`~lakehouse.pipeline.plan.Plan` into scheduler nodes (each
unit a timed, profiled, locked stage call in its own Spark session), hands them to
:func:`lakehouse.pipeline.schedule.run_units`, turns the outcomes into the run summary and
writes the run record (:mod:`lakehouse.records`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from lakehouse.config.project import Project
from lakehouse.errors import QualityGateError
from lakehouse.failpoints import fault_point, fault_scope
from lakehouse.pipeline.plan import STAGES, PlannedUnit, Stage, UnitKey, build_plan
from lakehouse.records.history import write_run
from lakehouse.records.observer import Observers, RunObserver
from lakehouse.records.summary import RunSummary, StageResult, new_run_id
from lakehouse.stages.unit_lock import hold_unit

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["STAGES", "Stage", "default_observers", "run_pipeline", "write_summary"]
log = logging.getLogger(__name__)


def run_pipeline(project: Project, *, datasets: Sequence[str] | None = None, stage: Stage = "all",
                 run_id: str | None = None, trigger: dict | None = None,
                 spark: SparkSession | None = None, raise_errors: bool = True,
                 observers: Sequence[RunObserver] = (), profile: bool | None = None,
                 workers: int | None = None) -> RunSummary:
    """Run ``stage`` (or all stages, in order) for the selected datasets and exports.

    Independent datasets run concurrently on ``workers`` threads (default
    ``LAKEHOUSE_WORKERS``, else 2 lowered to one per GiB of driver heap: see
    :mod:`lakehouse.pipeline.schedule`), each unit in its own Spark session
    (:func:`lakehouse.spark.isolation.isolated_session`); what waits for what is the plan's
    (:mod:`lakehouse.pipeline.plan`). Datasets are isolated:
    a blocked gate or a failing stage marks that dataset failed and skips its later stages
    and the exports reading it; every other dataset and export still runs. ``profile``
    (default ``LAKEHOUSE_PROFILE``) records each stage's Spark jobs in its
    ``details.spark_jobs``.

    Returns the run summary, also written as JSON to ``<lake>/_runs/runs/<run_id>.json``
    (``summary.exit_code``: 0 ok, 3 only blocked gates, 1 some stage failed). With
    ``raise_errors`` (the default) the first error of that kind is raised after the whole
    run is recorded, with the summary as its ``summary`` attribute; an interrupted run
    (``KeyboardInterrupt``, an observer failing) raises with its ``summary`` too. An invalid
    ``stage`` raises :class:`~lakehouse.errors.InvalidArgumentError` before anything runs.
    ``observers`` (progress, ...) are called around each stage; the project's lineage
    emitter and run report writer (``lineage:`` / ``reports:`` in lake.yaml) are always added.
    """
    plan = build_plan(project, datasets=datasets, stage=stage)
    run_id = run_id or new_run_id()
    summary = RunSummary(run_id=run_id, profile=project.lake.profile, stage=stage,
                         datasets=list(plan.datasets), trigger=trigger or {"type": "manual"})
    from lakehouse.pipeline.schedule import FAIR_CONF, Unit, choose_workers, run_units
    from lakehouse.quality.references import ReferenceCache
    from lakehouse.spark.heap import driver_heap_bytes
    from lakehouse.spark.job_profile import profiling_requested
    from lakehouse.spark.session import local_session
    from lakehouse.stages import StageContext, curate, export, ingest

    if spark is None:  # a cold process: import GX, plotly, openlineage while the JVM starts
        from lakehouse.pipeline.prefetch import prefetch_imports

        prefetch_imports()
    ctx = StageContext(spark or local_session(project.lake.spark, extra_conf=FAIR_CONF),
                       project, run_id, references=ReferenceCache(project))
    concurrency = choose_workers(workers, driver_heap_bytes(ctx.spark))
    summary.workers = concurrency.workers
    if concurrency.note:
        log.warning("%s", concurrency.note)
        summary.notes.append(concurrency.note)
    stage_funcs: dict[str, Callable] = {"ingest": ingest, "curate": curate, "export": export}
    profiled = profiling_requested(profile)
    watch = Observers([*default_observers(project), *observers])
    watch.run_started(summary, plan.steps())
    failed: dict[UnitKey, str] = {}      # unit -> "blocked" / "failed"
    errors: list[BaseException] = []
    messages: list[str] = []

    def node(unit: PlannedUnit) -> Unit[UnitKey]:
        func = stage_funcs[unit.key.stage]
        return Unit(unit.key, lambda: _timed(func, ctx, unit, summary, watch,
                                             {} if profiled else None), unit.after)

    def pool(key: UnitKey) -> None:  # a FAIR pool per dataset (ignored in FIFO mode)
        ctx.spark.sparkContext.setLocalProperty(
            "spark.scheduler.pool", key.name if concurrency.workers > 1 else None)

    try:
        # one Data Docs index and one quality-results commit per run, not per gate
        from lakehouse.quality.docs import index_once
        from lakehouse.quality.store import results_once

        with results_once(project), index_once(project), ctx.references:
            outcomes = run_units([node(u) for u in plan.units], workers=concurrency.workers,
                                 on_thread_start=pool)
        for outcome in outcomes:
            key = outcome.key
            if outcome.error is not None:
                exc = outcome.error
                status = "blocked" if isinstance(exc, QualityGateError) else "failed"
                failed[key] = status
                errors.append(exc)
                messages.append(f"{key} {status}: {exc}")
                log.error("%s: %s", key, str(exc).split("\n")[0])
            elif outcome.skipped_by is not None:
                cause = outcome.skipped_by
                log.warning("%s not run: %s failed", key, cause)
                why = f"{cause.name} ({cause.stage} {failed.get(cause, 'failed')})"
                summary.add(StageResult(key.name, key.stage, status="skipped",
                                        message=f"not run: {why}"))
        order = plan.position()
        summary.stages.sort(key=lambda r: order.get(UnitKey(r.stage, r.dataset), len(order)))
        if errors:
            only_gates = all(isinstance(e, QualityGateError) for e in errors)
            summary.finish("blocked" if only_gates else "failed", "\n".join(messages))
        else:
            summary.finish("succeeded")
    except BaseException as exc:  # interrupted: record what is known, hand it on with the error
        summary.finish("failed", f"{type(exc).__name__}: {exc}")
        _attach(exc, summary)
        raise
    finally:
        write_summary(project, summary)
        watch.run_finished(summary)
    if errors and raise_errors:
        first = errors[0] if summary.status == "blocked" else next(
            e for e in errors if not isinstance(e, QualityGateError))
        _attach(first, summary)
        raise first
    return summary


def _attach(exc: BaseException, summary: RunSummary) -> None:
    """Every error leaving :func:`run_pipeline` carries the run's summary as ``.summary``."""
    try:
        exc.summary = summary  # type: ignore[attr-defined]
    except AttributeError:  # an exception type with __slots__: nothing to attach to
        pass


def default_observers(project: Project) -> list[RunObserver]:
    """Lineage events and the HTML run report, as ``conf/lake.yaml`` configures them."""
    out: list[RunObserver] = []
    if project.lake.lineage.transport != "none":
        from lakehouse.lineage.emitter import LineageObserver

        out.append(LineageObserver(project))
    if project.lake.reports.enabled:
        from lakehouse.reports.observer import ReportObserver

        out.append(ReportObserver(project))
    return out


def _timed(func: Callable, ctx, unit: PlannedUnit, summary: RunSummary,
           watch: RunObserver | None = None, profile: dict | None = None) -> StageResult:
    """Run one stage for one dataset/export, recording its result (also when it fails).

    With a ``profile`` dict, the stage's Spark jobs are collected into its details. The
    stage runs in a session of its own (temp views and session settings are not shared with
    the units running beside it; everything else is: docs/runs.md, "Concurrency").
    """
    from lakehouse.records.details import StageDetails
    from lakehouse.spark.job_profile import job_group, stage_jobs

    ctx = ctx.isolated()
    watch = watch or RunObserver()
    stage, name = unit.key.stage, unit.key.name
    log.info("%s: starting", unit.key)
    watch.stage_started(summary, stage, name)
    start = time.monotonic()
    group = job_group(ctx.run_id, stage, name)
    waited: list[str] = []
    try:
        with hold_unit(ctx.project, name, waited), fault_scope(stage), \
                stage_jobs(ctx.spark, group, str(unit.key), profile):
            fault_point("start", name)
            result = func(ctx, unit.spec)
            fault_point("end", name)
    except Exception as exc:
        details = StageDetails()
        _profiled(details, profile)
        failed = StageResult.from_error(name, stage, exc,
                                        duration_s=round(time.monotonic() - start, 2),
                                        details=details)
        summary.add(failed)
        watch.stage_finished(summary, failed)
        raise
    if waited:
        result.warnings.append(f"waited for another run processing {name} (held by {waited[0]})")
    _profiled(result.details, profile)
    result.duration_s = round(time.monotonic() - start, 2)
    summary.add(result)
    watch.stage_finished(summary, result)
    log.info("%s: %s in %.1fs%s", unit.key, result.status, result.duration_s,
             f" ({result.message})" if result.message else "")
    return result


def _profiled(details, profile: dict | None) -> None:
    """Copy what the job profiler collected (``stage_jobs``' sink) into the stage's details."""
    if profile is not None:
        details.spark_jobs = profile.get("spark_jobs")
        details.spark_job_count = profile.get("spark_job_count")


def write_summary(project: Project, summary: RunSummary) -> str:
    """Persist the summary under the lake as its run record; returns its URI."""
    return write_run(project.runs_uri, summary)
