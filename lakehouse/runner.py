"""Run the pipeline: the one entry point the CLI, the jobs, the triggers and tests all call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from lakehouse.config.project import Project
from lakehouse.errors import InvalidArgumentError, QualityGateError
from lakehouse.failpoints import fault_point, fault_scope
from lakehouse.runs.observer import Observers, RunObserver
from lakehouse.runs.summary import RunSummary, StageResult, new_run_id
from lakehouse.stages.unit_lock import hold_unit
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Stage = Literal["ingest", "curate", "export", "all"]
STAGES: tuple[str, ...] = ("ingest", "curate", "export", "all")
log = logging.getLogger(__name__)


def run_pipeline(project: Project, *, datasets: Sequence[str] | None = None, stage: Stage = "all",
                 run_id: str | None = None, trigger: dict | None = None,
                 spark: SparkSession | None = None, raise_errors: bool = True,
                 observers: Sequence[RunObserver] = (), profile: bool | None = None,
                 workers: int | None = None) -> RunSummary:
    """Run ``stage`` (or all stages, in order) for the selected datasets and exports.

    Independent datasets run concurrently on ``workers`` threads (default
    ``LAKEHOUSE_WORKERS``, else 2 lowered to one per GiB of driver heap: see
    :mod:`lakehouse.runs.schedule`), each unit in its own Spark session
    (:func:`lakehouse.spark.isolation.isolated_session`). Datasets are isolated:
    a blocked gate or a failing stage marks that dataset failed and skips its later stages
    and the exports reading it; every other dataset and export still runs. ``profile``
    (default ``LAKEHOUSE_PROFILE``) records each stage's Spark jobs in its
    ``details["spark_jobs"]``.

    Returns the run summary, also written as JSON to ``<lake>/_runs/runs/<run_id>.json``
    (``summary.exit_code``: 0 ok, 3 only blocked gates, 1 some stage failed). With
    ``raise_errors`` (the default) the first error of that kind is raised after the whole
    run is recorded, with the summary as its ``summary`` attribute; an interrupted run
    (``KeyboardInterrupt``, an observer failing) raises with its ``summary`` too. An invalid
    ``stage`` raises :class:`~lakehouse.errors.InvalidArgumentError` before anything runs.
    ``observers`` (progress, ...) are called around each stage; the project's lineage
    emitter and run report writer (``lineage:`` / ``reports:`` in lake.yaml) are always added.
    """
    if stage not in STAGES:
        raise InvalidArgumentError("stage", stage, STAGES)
    selected = project.select_datasets(datasets)
    exports = project.select_exports(datasets) if stage in ("export", "all") else []
    run_id = run_id or new_run_id()
    summary = RunSummary(run_id=run_id, profile=project.lake.profile, stage=stage,
                         datasets=[d.name for d in selected], trigger=trigger or {"type": "manual"})
    from lakehouse.quality.references import ReferenceCache
    from lakehouse.runs.schedule import FAIR_CONF, choose_workers
    from lakehouse.spark.heap import driver_heap_bytes
    from lakehouse.spark.session import local_session
    from lakehouse.stages import StageContext, curate, export, ingest

    ctx = StageContext(spark or local_session(project.lake.spark, extra_conf=FAIR_CONF),
                       project, run_id, references=ReferenceCache(project))
    concurrency = choose_workers(workers, driver_heap_bytes(ctx.spark))
    summary.workers = concurrency.workers
    if concurrency.note:
        log.warning("%s", concurrency.note)
        summary.notes.append(concurrency.note)
    plan: list[tuple[Callable, object]] = []
    if stage in ("ingest", "all"):
        plan += [(ingest, d) for d in selected]
    if stage in ("curate", "all"):
        plan += [(curate, d) for d in curate_order(selected)]
    plan += [(export, e) for e in exports]
    watch = Observers([*default_observers(project), *observers])
    watch.run_started(summary, [(func.__name__, getattr(item, "name", str(item))) for func, item in plan])
    failed: dict[str, str] = {}          # unit key ("curate:beta") -> "blocked" / "failed"
    errors: list[BaseException] = []
    messages: list[str] = []
    try:
        # scheduling: concurrent, failure-isolated units (runs/schedule.py); one Data Docs
        # index and one quality-results commit per run, not per gate
        from lakehouse.quality.docs import index_once
        from lakehouse.quality.store import results_once
        from lakehouse.runs.schedule import run_plan

        with results_once(project), index_once(project), ctx.references:
            outcomes = run_plan(plan, lambda func, item, sink: _timed(func, ctx, item, summary,
                                                                      watch, sink),
                                ctx=ctx, summary=summary, profile=profile,
                                workers=concurrency.workers)
        for outcome in outcomes:
            stage_name, name = outcome.key.split(":", 1)
            if outcome.error is not None:
                exc = outcome.error
                status = "blocked" if isinstance(exc, QualityGateError) else "failed"
                failed[outcome.key] = status
                errors.append(exc)
                messages.append(f"{stage_name} {name} {status}: {exc}")
                log.error("%s %s: %s", stage_name, name, str(exc).split("\n")[0])
            elif outcome.skipped_by:
                cause, dataset = outcome.skipped_by, outcome.skipped_by.split(":", 1)[1]
                why = f"{dataset} ({cause.split(':', 1)[0]} {failed.get(cause, 'failed')})"
                summary.add(StageResult(name, stage_name, status="skipped", message=f"not run: {why}"))
        order = {f"{func.__name__}:{getattr(item, 'name', str(item))}": i
                 for i, (func, item) in enumerate(plan)}
        summary.stages.sort(key=lambda r: order.get(f"{r.stage}:{r.dataset}", len(order)))
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
           watch: RunObserver | None = None, profile: dict | None = None) -> StageResult:
    """Run one stage for one dataset/export, recording its result (also when it fails).

    With a ``profile`` dict, the stage's Spark jobs are collected into its details. The
    stage runs in a session of its own (temp views and session settings are not shared with
    the units running beside it; everything else is: docs/runs.md, "Concurrency").
    """
    from lakehouse.runs.profile import job_group, stage_jobs

    ctx = ctx.isolated()
    watch = watch or RunObserver()
    name = getattr(item, "name", str(item))
    log.info("%s %s: starting", func.__name__, name)
    watch.stage_started(summary, func.__name__, name)
    start = time.monotonic()
    group = job_group(ctx.run_id, func.__name__, name)
    waited: list[str] = []
    try:
        with hold_unit(ctx.project, name, waited), fault_scope(func.__name__), \
                stage_jobs(ctx.spark, group, f"{func.__name__} {name}", profile):
            fault_point("start", name)
            result = func(ctx, item)
            fault_point("end", name)
    except Exception as exc:
        failed = StageResult.from_error(name, func.__name__, exc,
                                        duration_s=round(time.monotonic() - start, 2),
                                        details=profile)
        summary.add(failed)
        watch.stage_finished(summary, failed)
        raise
    if waited:
        result.warnings.append(f"waited for another run processing {name} (held by {waited[0]})")
    if profile is not None:
        result.details.update(profile)
    result.duration_s = round(time.monotonic() - start, 2)
    summary.add(result)
    watch.stage_finished(summary, result)
    log.info("%s %s: %s in %.1fs%s", func.__name__, name, result.status, result.duration_s,
             f" ({result.message})" if result.message else "")
    return result


def write_summary(project: Project, summary: RunSummary) -> str:
    """Persist the summary under the lake; returns its URI."""
    uri = join_uri(project.runs_uri, "runs", f"{summary.run_id}.json")
    files.write_text(uri, summary.to_json())
    return uri
