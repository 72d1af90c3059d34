"""Emit OpenLineage run events for a run: one job per stage and dataset, under a pipeline run.

For every stage of every dataset: START before it runs and COMPLETE (or FAIL, with the error)
after, with its input and output datasets, a schema facet (from the contract, the raw table
or the export manifest) and row-count facets (input/output statistics). The whole run is a
parent job ``pipeline`` with its own START/COMPLETE, referenced by every stage's ParentRunFacet.

Transports (``lineage:`` in conf/lake.yaml): ``file`` (default; the client's FileTransport
appending one JSON event per line to ``{runs}/lineage/<run_id>.jsonl``), ``http`` (e.g.
Marquez), ``console``, ``none``. Run ids are UUIDs derived from the lakehouse run id, so the
events of one run always pair up.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from lakehouse.config.project import Project
from lakehouse.lineage.datasets import stage_datasets
from lakehouse.records.observer import RunObserver
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.storage.uri import is_local, join_uri, local_path

log = logging.getLogger(__name__)
PRODUCER = "https://github.com/lakehouse/lakehouse"
_PIPELINE = "pipeline"


def lineage_uri(project: Project) -> str:
    """Folder of the file transport's event logs."""
    from lakehouse.storage.uri import to_uri

    folder = project.lake.lineage.folder
    return to_uri(folder, base=project.project_dir) if folder else join_uri(project.runs_uri, "lineage")


def run_uuid(run_id: str, *parts: str) -> str:
    """A stable UUID for a lakehouse run (or one stage of it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "lakehouse:" + ":".join([run_id, *parts])))


class LineageObserver(RunObserver):
    """Sends OpenLineage events around each stage (see the module docstring)."""

    def __init__(self, project: Project, client: Any | None = None):
        self.project = project
        self.settings = project.lake.lineage
        self.namespace = self.settings.namespace or project.lake.project
        self._client = client

    # ----------------------------------------------------------------- transport
    def client(self, run_id: str):
        if self._client is None:
            from openlineage.client import OpenLineageClient

            self._client = OpenLineageClient(transport=self._transport(run_id))
        return self._client

    def _transport(self, run_id: str):
        kind = self.settings.transport
        if kind == "http":
            from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

            key = os.environ.get(self.settings.api_key_env or "", "")
            extra = {"auth": ApiKeyTokenProvider({"apiKey": key})} if key else {}
            return HttpTransport(HttpConfig(url=self.settings.url or "", endpoint=self.settings.endpoint,
                                            timeout=self.settings.timeout_seconds, **extra))
        if kind == "console":
            from openlineage.client.transport.console import ConsoleConfig, ConsoleTransport

            return ConsoleTransport(ConsoleConfig())
        from openlineage.client.transport.file import FileConfig, FileTransport

        target = join_uri(lineage_uri(self.project), f"{run_id}.jsonl")
        if not is_local(target):
            return LakeFileTransport(target)
        local_path(target).parent.mkdir(parents=True, exist_ok=True)
        return FileTransport(FileConfig(log_file_path=local_path(target).as_posix(), append=True))

    def _emit(self, summary: RunSummary, event) -> None:
        self.client(summary.run_id).emit(event)

    # ------------------------------------------------------------------- events
    def run_started(self, summary: RunSummary, plan: list[tuple[str, str]]) -> None:
        self._emit(summary, self._event("START", summary, _PIPELINE, run_uuid(summary.run_id)))

    def stage_started(self, summary: RunSummary, stage: str, name: str) -> None:
        inputs, outputs = self._datasets(stage, name, None)
        self._emit(summary, self._event("START", summary, f"{stage}.{name}",
                                        run_uuid(summary.run_id, stage, name), inputs, outputs,
                                        parent=True))

    def stage_finished(self, summary: RunSummary, result: StageResult) -> None:
        state = "COMPLETE" if result.status in ("succeeded", "skipped") else "FAIL"
        inputs, outputs = self._datasets(result.stage, result.dataset, result)
        self._emit(summary, self._event(state, summary, f"{result.stage}.{result.dataset}",
                                        run_uuid(summary.run_id, result.stage, result.dataset),
                                        inputs, outputs, parent=True,
                                        error=result.message if state == "FAIL" else None))

    def run_finished(self, summary: RunSummary) -> None:
        state = "COMPLETE" if summary.status == "succeeded" else "FAIL"
        self._emit(summary, self._event(state, summary, _PIPELINE, run_uuid(summary.run_id),
                                        error=summary.error if state == "FAIL" else None))
        self._client = None

    def _event(self, state: str, summary: RunSummary, job: str, run_id: str, inputs=(), outputs=(),
               *, parent: bool = False, error: str | None = None):
        from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
        from openlineage.client.facet_v2 import error_message_run, job_type_job, parent_run

        facets: dict[str, Any] = {}
        if parent:
            facets["parent"] = parent_run.ParentRunFacet(
                run=parent_run.Run(runId=run_uuid(summary.run_id)),
                job=parent_run.Job(namespace=self.namespace, name=_PIPELINE))
        if error:
            facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                message=error, programmingLanguage="python")
        job_facets = {"jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="LAKEHOUSE", jobType="JOB" if parent else "DAG")}
        return RunEvent(eventType=getattr(RunState, state),
                        eventTime=datetime.now(UTC).isoformat(), producer=PRODUCER,
                        run=Run(runId=run_id, facets=facets),
                        job=Job(namespace=self.namespace, name=job, facets=job_facets),
                        inputs=list(inputs), outputs=list(outputs))

    def _datasets(self, stage: str, name: str, result: StageResult | None) -> tuple[list, list]:
        return stage_datasets(self.project, stage, name, result)


def _transport_base():
    from openlineage.client.transport.transport import Transport

    return Transport


class LakeFileTransport(_transport_base()):
    """The file transport for a lake on S3: the client's FileTransport needs fsspec/s3fs, which
    the framework does not depend on, so the run's events (a few dozen) are kept and the JSON
    lines document is rewritten through ``lakehouse.storage`` after each event."""

    kind = "lakehouse-file"

    def __init__(self, uri: str):
        self.uri = uri
        self.lines: list[str] = []

    def emit(self, event) -> None:
        from openlineage.client.serde import Serde

        from lakehouse.storage import files

        self.lines.append(Serde.to_json(event))
        files.write_text(self.uri, "\n".join(self.lines) + "\n")
