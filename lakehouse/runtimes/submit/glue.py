"""Submit to AWS Glue: create or update the ``glueetl`` job, start a run, read its state.

The library wheel goes on ``--extra-py-files`` (a pure-Python wheel is importable as a zip):
installing it with pip would pull ``pyspark`` over Glue's own Spark. Its dependencies go to
``--additional-python-modules`` as Glue's "zip of wheels" of the *locked* versions
(:mod:`lakehouse.runtimes.submit.gluewheels`), installed with ``--no-index``: no PyPI at job
start, the versions the suite ran. Glue 6.x (Spark 4.1, Python 3.13) gets the zip of the
Spark 4 lock. Delta comes from ``--datalake-formats delta``; the framework's bookmarks
replace Glue's, which are disabled. The JIT flag local sessions get
(``-XX:-DontCompileHugeMethods``) is not passed: Glue sets its own JVM options and documents
no way to add to them (``--conf`` of ``extraJavaOptions`` would replace Glue's).
"""

from __future__ import annotations

from typing import Any

from lakehouse.config.project import Project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.args import JobArgs
from lakehouse.runtimes.jobscript import JOB_SCRIPT
from lakehouse.runtimes.sparkconf import DELTA_CONF, glue_conf_value
from lakehouse.runtimes.submit.artifacts import UploadedSet
from lakehouse.runtimes.submit.follow import RunState, classify
from lakehouse.runtimes.submit.manifest import GLUE_WHEELS

SUCCEEDED = {"SUCCEEDED"}
FAILED = {"FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"}
_COMPARED = ("Role", "Command", "DefaultArguments", "GlueVersion", "WorkerType",
             "NumberOfWorkers", "Timeout", "MaxRetries", "ExecutionProperty")


def job_name(project: Project) -> str:
    return project.lake.runtimes.glue.job_name or f"lakehouse-{project.lake.project}-" \
        f"{project.lake.profile}"


def job_definition(project: Project, uploaded: UploadedSet) -> dict[str, Any]:
    """The ``CreateJob`` request for this project's pipeline job."""
    glue = project.lake.runtimes.glue
    if not glue.role_arn:
        raise RuntimeSubmissionError(
            f"profile {project.lake.profile!r} has no runtimes.glue.role_arn",
            hint="set runtimes.glue.role_arn to the job's IAM role ARN in conf/lake.yaml")
    arguments = {
        "--job-language": "python",
        "--datalake-formats": "delta",
        "--conf": glue_conf_value({**DELTA_CONF, **glue.spark_conf}),
        "--enable-glue-datacatalog": "true",
        "--job-bookmark-option": "job-bookmark-disable",
        "--extra-py-files": uploaded.wheel,
        "--additional-python-modules": _glue_wheels(uploaded, glue.spark_major,
                                                    glue.worker_type),
        "--python-modules-installer-option": "--no-index",
        "--conf-uri": uploaded.conf,
        "--env": project.lake.profile,
        "--runtime": "glue",
        **glue.default_arguments,
    }
    return {
        "Name": job_name(project),
        "Description": f"lakehouse pipeline for project {project.lake.project}",
        "Role": glue.role_arn,
        "Command": {"Name": "glueetl", "ScriptLocation": uploaded.job(JOB_SCRIPT),
                    "PythonVersion": "3"},
        "DefaultArguments": arguments,
        "GlueVersion": glue.glue_version,
        "WorkerType": glue.worker_type,
        "NumberOfWorkers": glue.number_of_workers,
        "Timeout": glue.timeout,
        "MaxRetries": glue.max_retries,
        "ExecutionProperty": {"MaxConcurrentRuns": glue.max_concurrent_runs},
    }


def _glue_wheels(uploaded: UploadedSet, spark_major: int, worker_type: str) -> str:
    uri = uploaded.glue_wheels(spark_major)
    arch = "aarch64" if worker_type.endswith(".GRAVITON") else "x86_64"
    if not uri.endswith(f"-{arch}.gluewheels.zip"):
        raise RuntimeSubmissionError(
            f"worker type {worker_type} runs {arch}, but the packaged Glue wheels are "
            f"{uri.rsplit('/', 1)[-1]}", hint=f"rebuild with `lakehouse package --glue-arch {arch}`")
    return uri


def ensure_job(client: Any, definition: dict[str, Any]) -> str:
    """Create the job, or update it when its definition changed; returns what was done."""
    name = definition["Name"]
    try:
        current = client.get_job(JobName=name)["Job"]
    except client.exceptions.EntityNotFoundException:
        client.create_job(**definition)
        return "created"
    if all(current.get(key) == definition.get(key) for key in _COMPARED):
        return "unchanged"
    update = {k: v for k, v in definition.items() if k != "Name"}
    client.update_job(JobName=name, JobUpdate=update)
    return "updated"


class GlueSubmitter:
    """Starts and reads runs of the project's Glue job."""

    target = "glue"

    def __init__(self, project: Project, client: Any):
        self.project, self.client = project, client
        self.roles = frozenset({"wheel", "job", "conf",
                                GLUE_WHEELS[project.lake.runtimes.glue.spark_major]})
        self.name = job_name(project)
        self.action = ""

    def start(self, args: JobArgs, uploaded: UploadedSet) -> tuple[str, dict[str, Any]]:
        definition = job_definition(self.project, uploaded)
        self.action = ensure_job(self.client, definition)
        arguments = dict(zip(args.to_argv()[::2], args.to_argv()[1::2], strict=True))
        arguments.pop("--conf-uri", None)  # the job's default points at the uploaded conf
        request = {"JobName": self.name, "Arguments": arguments}
        run_id = self.client.start_job_run(**request)["JobRunId"]
        return run_id, {"job": definition, "run": request, "job_action": self.action}

    def status(self, run_id: str) -> RunState:
        run = self.client.get_job_run(JobName=self.name, RunId=run_id,
                                      PredecessorsIncluded=False)["JobRun"]
        return classify(run["JobRunState"], succeeded=SUCCEEDED, failed=FAILED,
                        reason=run.get("ErrorMessage") or run["JobRunState"])

    def logs(self, run_id: str) -> str:
        return glue_logs_hint(self.project, run_id)


def glue_logs_hint(project: Project, run_id: str) -> str:
    """Where a Glue 5+ run logs: ``<group>/output`` and ``<group>/error``, driver stream
    ``<prefix>-driver`` (executors ``<prefix>-<n>``), where the group defaults to
    ``/aws-glue/jobs`` and the prefix to the run id (``--custom-logGroup-prefix`` and
    ``--custom-logStream-prefix`` change them; Glue's "Logging for AWS Glue jobs")."""
    arguments = project.lake.runtimes.glue.default_arguments
    group = arguments.get("--custom-logGroup-prefix", "/aws-glue/jobs").rstrip("/")
    stream = arguments.get("--custom-logStream-prefix", run_id)
    return (f"CloudWatch Logs: {group}/output (stdout) and {group}/error (stderr), "
            f"driver stream {stream}-driver (executors {stream}-<n>)")
