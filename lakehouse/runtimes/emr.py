"""Submit to EMR on EC2: a ``spark-submit`` step through ``command-runner.jar``."""

from __future__ import annotations

from typing import Any

from lakehouse.config.project import Project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.args import JobArgs
from lakehouse.runtimes.artifacts import UploadedSet
from lakehouse.runtimes.follow import RunState, classify
from lakehouse.runtimes.manifest import DEPS
from lakehouse.runtimes.sparkconf import EMR_CONF, submit_args, venv_conf

JOB_SCRIPT = "run_pipeline.py"
SUCCEEDED = {"COMPLETED"}
FAILED = {"FAILED", "CANCELLED", "INTERRUPTED"}


def step_definition(project: Project, args: JobArgs, uploaded: UploadedSet) -> dict[str, Any]:
    """The ``Steps[0]`` entry of ``AddJobFlowSteps`` for one pipeline run."""
    emr = project.lake.runtimes.emr
    conf = dict(EMR_CONF)
    assert uploaded.artifacts is not None
    if emr.use_deps_archive and uploaded.artifacts.one(DEPS) is not None:
        conf.update(venv_conf(uploaded.deps(), serverless=False))
    conf.update(emr.spark_conf)
    command = ["spark-submit", "--deploy-mode", emr.deploy_mode, *submit_args(conf),
               "--py-files", uploaded.wheel, uploaded.job(JOB_SCRIPT), *args.to_argv()]
    label = ",".join(args.datasets) or "all datasets"
    return {"Name": f"lakehouse {args.stage} {label}"[:256],
            "ActionOnFailure": emr.action_on_failure,
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": command}}


class EmrSubmitter:
    """Adds steps to the profile's cluster and reads their state."""

    target = "emr"
    roles = frozenset({"wheel", "job", "conf", "deps"})

    def __init__(self, project: Project, client: Any):
        cluster = project.lake.runtimes.emr.cluster_id
        if not cluster:
            raise RuntimeSubmissionError(
                f"profile {project.lake.profile!r} has no runtimes.emr.cluster_id",
                hint="set runtimes.emr.cluster_id (j-XXXXXXXX) in conf/lake.yaml")
        self.project, self.client, self.cluster_id = project, client, cluster

    def start(self, args: JobArgs, uploaded: UploadedSet) -> tuple[str, dict[str, Any]]:
        step = step_definition(self.project, args, uploaded)
        request = {"JobFlowId": self.cluster_id, "Steps": [step]}
        step_id = self.client.add_job_flow_steps(**request)["StepIds"][0]
        return step_id, request

    def status(self, run_id: str) -> RunState:
        step = self.client.describe_step(ClusterId=self.cluster_id, StepId=run_id)["Step"]
        status = step["Status"]
        failure = status.get("FailureDetails") or {}
        reason = " ".join(str(failure[k]) for k in ("Reason", "Message") if failure.get(k)) \
            or (status.get("StateChangeReason") or {}).get("Message") or status["State"]
        if failure.get("LogFile"):
            reason += f" (log: {failure['LogFile']})"
        return classify(status["State"], succeeded=SUCCEEDED, failed=FAILED, reason=reason)

    def logs(self, run_id: str) -> str:
        log_uri = self.client.describe_cluster(ClusterId=self.cluster_id)["Cluster"].get("LogUri")
        if not log_uri:
            return (f"cluster {self.cluster_id} has no LogUri; step logs stay on the primary "
                    f"node under /mnt/var/log/hadoop/steps/{run_id}")
        return f"step logs: {log_uri.rstrip('/')}/{self.cluster_id}/steps/{run_id}/"
