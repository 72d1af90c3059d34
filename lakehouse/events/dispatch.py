"""Dispatch a micro-batch to the configured runtime: one :class:`RunRequest` -> one run.

* :class:`LocalDispatcher` copies the arrived objects from S3 into the project's local
  landing zone (same relative key; local Spark has no ``s3://`` filesystem) and calls
  :func:`lakehouse.pipeline.driver.run_pipeline` in-process.
* :class:`RuntimeDispatcher` hands the run to Glue / EMR Serverless through the submission
  code in :mod:`lakehouse.runtimes` (shared with ``lakehouse submit``, not duplicated).

A dispatcher raises on failure; the processor then releases the claims and leaves the
messages for redelivery.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lakehouse.errors import EventError, LakehouseError
from lakehouse.events.batching import Batch
from lakehouse.events.model import sequencer_key
from lakehouse.storage.uri import is_local, local_path

if TYPE_CHECKING:
    from lakehouse.config.project import Project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunRequest:
    """One run to start: a dataset and the object versions that arrived for it."""

    dataset: str
    objects: tuple[dict[str, Any], ...]
    batch_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @classmethod
    def from_batch(cls, batch: Batch) -> RunRequest:
        # Versions of one key are ordered by sequencer, so the newest is copied last and wins.
        items = sorted(batch.items.values(),
                       key=lambda p: (p.relative_key, sequencer_key(p.arrival.sequencer)))
        objects = tuple({**p.arrival.to_dict(), "relative_key": p.relative_key} for p in items)
        return cls(dataset=batch.dataset, objects=objects)

    def trigger(self) -> dict[str, Any]:
        """The ``trigger`` recorded with the run (what caused it)."""
        return {"type": "s3_arrival", "batch_id": self.batch_id, "dataset": self.dataset,
                "objects": [dict(o) for o in self.objects]}


@dataclass(frozen=True)
class DispatchResult:
    run_id: str
    status: str
    detail: dict[str, Any] = field(default_factory=dict)


class Dispatcher(Protocol):
    """Starts the run for a request; raises (any exception) when it could not."""

    def dispatch(self, request: RunRequest) -> DispatchResult: ...


class LocalDispatcher:
    """Copy arrivals from S3 to the local landing zone, then run the pipeline in-process."""

    def __init__(self, project: Project, *, s3: Any | None = None, spark: Any = None,
                 stage: str = "all", run: Callable[..., Any] | None = None):
        landing = project.zone_uri("landing")
        if not is_local(landing):
            raise EventError(f"local dispatch needs a local landing zone, got {landing}",
                             hint="use triggers.dispatch: glue or emr-serverless for an S3 lake")
        self.project = project
        self.landing = local_path(landing)
        self.s3 = s3
        self.spark = spark
        self.stage = stage
        self._run = run

    def dispatch(self, request: RunRequest) -> DispatchResult:
        if self.s3 is not None:
            for obj in request.objects:
                self._copy(obj)
        run = self._run or _runner()
        summary = run(self.project, datasets=[request.dataset], stage=self.stage,
                      trigger=request.trigger(), spark=self.spark)
        status = str(getattr(summary, "status", "succeeded"))
        run_id = str(getattr(summary, "run_id", request.batch_id))
        if status.lower() != "succeeded":
            raise EventError(f"run {run_id} for dataset {request.dataset!r} ended {status}",
                             dataset=request.dataset, batch=request.batch_id)
        return DispatchResult(run_id=run_id, status=status)

    def _copy(self, obj: dict[str, Any]) -> None:
        target = self.landing / obj["relative_key"]
        if not target.resolve().is_relative_to(self.landing.resolve()):
            raise EventError(f"refused s3://{obj['bucket']}/{obj['key']}: its key resolves "
                             f"outside the landing zone {self.landing}")
        target.parent.mkdir(parents=True, exist_ok=True)
        extra = {"VersionId": obj["version_id"]} if obj.get("version_id") else {}
        tmp: str | None = None
        try:
            body = self.s3.get_object(Bucket=obj["bucket"], Key=obj["key"], **extra)["Body"]
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".arriving-")
            with os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: body.read(1 << 20), b""):
                    out.write(chunk)
            Path(tmp).replace(target)  # atomic: a reader never sees half a file
        except Exception as exc:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
            raise EventError(f"could not copy s3://{obj['bucket']}/{obj['key']} to {target}: {exc}",
                             hint="check that the object exists and the worker may "
                                  "s3:GetObject / s3:GetObjectVersion on the landing bucket",
                             version=obj.get("version_id")) from exc


def _runner() -> Callable[..., Any]:
    try:
        from lakehouse.pipeline.driver import run_pipeline
    except ImportError as exc:
        raise EventError("lakehouse.pipeline.driver.run_pipeline is not available") from exc
    return run_pipeline


class RuntimeDispatcher:
    """Adapter to :func:`lakehouse.runtimes.submit.orchestrate.submit` (Glue / EMR Serverless).

    The run is started with ``wait=False`` (the worker does not block on a cluster run; the
    submission succeeding is what acknowledges the messages). ``package_dir`` is a prebuilt
    ``lakehouse package`` output, so each dispatch uploads nothing new.
    """

    def __init__(self, project: Project, *, target: str, submit: Callable[..., Any] | None = None,
                 stage: str = "all", package_dir: str | None = None):
        self.project = project
        self.target = target
        self.stage = stage
        path = Path(package_dir).expanduser() if package_dir else None
        self.package_dir = project.project_dir / path if path and not path.is_absolute() else path
        self._submit = submit

    def dispatch(self, request: RunRequest) -> DispatchResult:
        submit = self._submit or _runtime_submit()
        try:
            result = submit(self.project, target=self.target, datasets=[request.dataset],
                            stage=self.stage, wait=False, package_dir=self.package_dir,
                            echo=log.info)
        except LakehouseError:
            raise
        except Exception as exc:
            raise EventError(f"submitting {request.dataset!r} to {self.target} failed: {exc}",
                             batch=request.batch_id) from exc
        run_id = str(getattr(result, "run_id", "") or request.batch_id)
        log.info("batch %s (%d objects) submitted to %s as run %s", request.batch_id,
                 len(request.objects), self.target, run_id)
        return DispatchResult(run_id=run_id, status=str(getattr(result, "state", "SUBMITTED")),
                              detail={"target": self.target, "logs": getattr(result, "logs", "")})


def _runtime_submit() -> Callable[..., Any]:
    try:
        from lakehouse.runtimes.submit.orchestrate import submit
    except ImportError as exc:
        raise EventError("lakehouse.runtimes.submit.orchestrate is not available to dispatch with",
                         hint="set triggers.dispatch: local") from exc
    return submit


def build_dispatcher(project: Project, *, s3: Any | None = None, spark: Any = None) -> Dispatcher:
    """The dispatcher ``triggers.dispatch`` selects."""
    target = project.lake.triggers.dispatch
    if target == "local":
        return LocalDispatcher(project, s3=s3, spark=spark)
    return RuntimeDispatcher(project, target=target,
                             package_dir=project.lake.triggers.package_dir)
