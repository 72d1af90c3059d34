"""Per-stage, per-Spark-job timings for ``lakehouse run --profile`` (or ``LAKEHOUSE_PROFILE=1``).

Every stage runs under its own Spark job group (``lakehouse:<run>:<stage>:<dataset>``, set
always: it also labels the jobs in the Spark UI). With profiling on, the jobs of each group
are read back from the driver's status store after the stage, giving job id, description,
submit/complete time, duration, stage and task counts, and the JVM's ``callSite`` (the
PySpark line that started the job). The driver copies them into the stage's ``details.spark_jobs``.

The status store is what the Spark UI and its REST API read; it is kept when the UI is
disabled (our local sessions disable it). It is reached through py4j, as no Python API
exposes job times (``StatusTracker`` gives ids and states only): when that fails (a
Spark Connect session, a JVM change) the profile still records the job ids from
``StatusTracker`` and the stage's wall time. No custom JVM code; works on 3.5 and 4.x.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SparkSession = Any  # pyspark.sql.SparkSession: importable without Spark
log = logging.getLogger(__name__)
ENV = "LAKEHOUSE_PROFILE"


def profiling_requested(flag: bool | None = None) -> bool:
    """``flag`` if given, else ``LAKEHOUSE_PROFILE`` set to a true value (1/true/yes/on)."""
    if flag is not None:
        return flag
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def job_group(run_id: str, stage: str, dataset: str) -> str:
    return f"lakehouse:{run_id}:{stage}:{dataset}"


@contextmanager
def stage_jobs(spark: SparkSession, group: str, description: str,
               sink: dict | None = None) -> Iterator[None]:
    """Run the block under job group ``group``; with a ``sink``, put its jobs in ``sink``.

    The group is a thread-local property (PySpark pins Python threads to JVM threads), so
    concurrent stages on other threads keep their own groups.
    """
    sc = spark.sparkContext
    sc.setJobGroup(group, description, interruptOnCancel=False)
    try:
        yield
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
        sc.setLocalProperty("spark.job.description", None)  # type: ignore[arg-type]
        if sink is not None:
            try:
                sink["spark_jobs"] = jobs_of_group(spark, group)
            except Exception as exc:
                log.warning("profile: could not read the Spark jobs of %s: %s", group, exc)
                sink["spark_jobs"] = []
            sink["spark_job_count"] = len(sink["spark_jobs"])


def jobs_of_group(spark: SparkSession, group: str, *, settle_s: float = 2.0) -> list[dict]:
    """The finished jobs of ``group``, oldest first (waits up to ``settle_s`` for job ends
    still on the listener bus)."""
    tracker = spark.sparkContext.statusTracker()
    deadline = time.monotonic() + settle_s
    while True:
        ids = sorted(tracker.getJobIdsForGroup(group))
        running = [i for i in ids if (info := tracker.getJobInfo(i)) is not None
                   and info.status in ("RUNNING", "UNKNOWN")]
        if not running or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    try:
        detailed = _status_store_jobs(spark, set(ids))
    except Exception as exc:
        log.debug("profile: status store not readable (%s); job ids only", exc)
        detailed = {}
    return [detailed.get(i, {"job_id": i}) for i in ids]


def _status_store_jobs(spark: SparkSession, ids: set[int]) -> dict[int, dict]:
    """Job details from the driver's ``AppStatusStore`` (what the UI's REST API serves)."""
    if not ids:
        return {}
    store = spark.sparkContext._jsc.sc().statusStore()  # type: ignore[union-attr]
    out: dict[int, dict] = {}
    for job_id in ids:
        data = store.job(job_id)
        submitted = _millis(data.submissionTime())
        completed = _millis(data.completionTime())
        out[job_id] = {
            "job_id": job_id,
            "description": _opt(data.description()) or "",
            "call_site": str(data.name()),
            "status": str(data.status().toString()),
            "submitted_ms": submitted,
            "duration_s": (round((completed - submitted) / 1000, 3)
                           if submitted is not None and completed is not None else None),
            "stages": int(data.stageIds().size()),
            "tasks": int(data.numTasks()),
            "skipped_stages": int(data.numSkippedStages()),
        }
    return out


def _opt(option: Any) -> Any:
    return option.get() if option.isDefined() else None


def _millis(option: Any) -> int | None:
    value = _opt(option)
    return int(value.getTime()) if value is not None else None
