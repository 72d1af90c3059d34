"""Submit to EMR Serverless: ``StartJobRun`` with the packed venv on ``spark.archives``."""

from __future__ import annotations

import uuid
from typing import Any

from lakehouse.config.project import Project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.args import JobArgs
from lakehouse.runtimes.jobscript import JOB_SCRIPT
from lakehouse.runtimes.sparkconf import EMR_CONF, submit_args, venv_conf, with_java_option
from lakehouse.runtimes.submit.artifacts import UploadedSet
from lakehouse.runtimes.submit.follow import RunState, classify

SUCCEEDED = {"SUCCESS"}
FAILED = {"FAILED", "CANCELLED"}


def logs_uri(project: Project) -> str:
    settings = project.lake.runtimes
    return settings.emr_serverless.logs_uri or f"{settings.artifacts_uri}/logs"


def job_run_request(project: Project, args: JobArgs, uploaded: UploadedSet) -> dict[str, Any]:
    """The ``StartJobRun`` request for one pipeline run."""
    serverless = project.lake.runtimes.emr_serverless
    missing = [k for k in ("application_id", "execution_role_arn") if not getattr(serverless, k)]
    if missing:
        raise RuntimeSubmissionError(
            f"profile {project.lake.profile!r} has no runtimes.emr_serverless.{missing[0]}",
            hint="set runtimes.emr_serverless.application_id and execution_role_arn "
                 "in conf/lake.yaml")
    conf = with_java_option({**EMR_CONF, **venv_conf(uploaded.deps(), serverless=True),
                             **serverless.spark_conf})
    label = ",".join(args.datasets) or "all"
    return {
        "applicationId": serverless.application_id,
        "executionRoleArn": serverless.execution_role_arn,
        "name": f"lakehouse-{args.stage}-{label}"[:256],
        "clientToken": str(uuid.uuid4()),
        "executionTimeoutMinutes": serverless.execution_timeout_minutes,
        "jobDriver": {"sparkSubmit": {
            "entryPoint": uploaded.job(JOB_SCRIPT),
            "entryPointArguments": args.to_argv(),
            "sparkSubmitParameters": " ".join(submit_args(conf)),
        }},
        "configurationOverrides": {"monitoringConfiguration": {
            "s3MonitoringConfiguration": {"logUri": logs_uri(project) + "/"}}},
    }


class EmrServerlessSubmitter:
    """Starts and reads job runs of the profile's EMR Serverless application."""

    target = "emr-serverless"
    roles = frozenset({"job", "conf", "deps"})

    def __init__(self, project: Project, client: Any):
        self.project, self.client = project, client
        self.application_id = project.lake.runtimes.emr_serverless.application_id

    def start(self, args: JobArgs, uploaded: UploadedSet) -> tuple[str, dict[str, Any]]:
        request = job_run_request(self.project, args, uploaded)
        run_id = self.client.start_job_run(**request)["jobRunId"]
        return run_id, request

    def status(self, run_id: str) -> RunState:
        run = self.client.get_job_run(applicationId=self.application_id, jobRunId=run_id)["jobRun"]
        return classify(run["state"], succeeded=SUCCEEDED, failed=FAILED,
                        reason=run.get("stateDetails") or run["state"])

    def logs(self, run_id: str) -> str:
        return (f"driver logs: {logs_uri(self.project)}/applications/{self.application_id}"
                f"/jobs/{run_id}/SPARK_DRIVER/ (stdout.gz, stderr.gz)")
