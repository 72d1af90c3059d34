"""Submit to EMR on EC2: a ``spark-submit`` step through ``command-runner.jar``."""

from __future__ import annotations

from typing import Any

from lakehouse.config.project import Project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.args import JobArgs
from lakehouse.runtimes.jobscript import JOB_SCRIPT
from lakehouse.runtimes.sparkconf import EMR_CONF, submit_args, venv_conf, with_java_option
from lakehouse.runtimes.submit.artifacts import UploadedSet
from lakehouse.runtimes.submit.follow import RunState, classify
from lakehouse.runtimes.submit.manifest import DEPS

DELTA_CLASSIFICATION = [{"Classification": "delta-defaults",
                         "Properties": {"delta.enabled": "true"}}]
SUCCEEDED = {"COMPLETED"}
FAILED = {"FAILED", "CANCELLED", "INTERRUPTED"}


def check_delta_enabled(cluster: dict[str, Any]) -> None:
    """Refuse a cluster created without the ``delta-defaults`` classification.

    EMR installs Delta Lake (``/usr/share/aws/delta/lib``, which the step's ``spark.jars``
    names) only on clusters created with ``delta-defaults``/``delta.enabled=true``;
    without it the step fails at the first table with a class-not-found error.
    """
    found = [c for c in cluster.get("Configurations") or []
             if c.get("Classification") == "delta-defaults"]
    enabled = any((c.get("Properties") or {}).get("delta.enabled", "").lower() == "true"
                  for c in found)
    if not enabled:
        import json

        state = "sets delta.enabled to " + repr((found[0].get("Properties") or {}).get(
            "delta.enabled")) if found else "has no delta-defaults classification"
        raise RuntimeSubmissionError(
            f"EMR cluster {cluster.get('Id')} ({cluster.get('ReleaseLabel', '?')}) {state}: "
            "Delta Lake is not installed on it",
            hint="create the cluster with --configurations "
                 f"'{json.dumps(DELTA_CLASSIFICATION)}' (EMR 7.x; Terraform: "
                 "configurations_json), or run on EMR Serverless")


def step_definition(project: Project, args: JobArgs, uploaded: UploadedSet) -> dict[str, Any]:
    """The ``Steps[0]`` entry of ``AddJobFlowSteps`` for one pipeline run."""
    emr = project.lake.runtimes.emr
    conf = dict(EMR_CONF)
    assert uploaded.artifacts is not None
    if emr.use_deps_archive and uploaded.artifacts.one(DEPS) is not None:
        conf.update(venv_conf(uploaded.deps(), serverless=False))
    conf = with_java_option({**conf, **emr.spark_conf})
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
        check_delta_enabled(self.client.describe_cluster(ClusterId=self.cluster_id)["Cluster"])
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
