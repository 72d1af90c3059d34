"""Execute the state machine Terraform applied (not just read it): success, throttling,
a blocked quality gate and any other failure, for both orchestration runtimes.

The definition comes from the applied state (``terraform show -json``): the dev stack for
Glue, ``modules/orchestration`` alone for EMR Serverless. aws-local-stepfunctions interprets
it; each Task state gets a scripted outcome shaped as Step Functions reports it:

* a ``.sync`` job that ends FAILED is ``States.TaskFailed`` whose cause is the job run's JSON
  (Glue: ``ErrorMessage``; EMR Serverless: ``stateDetails`` with "Last few exceptions");
* Glue throttling of ``startJobRun.sync`` is ``Glue.AWSGlueException`` with "Error Code:
  ThrottlingException" in the cause (as AWS reports it; throttling is not a modeled Glue error).

What each task would send (its evaluated Parameters) is then sent to the moto server:
StartJobRun to Glue / EMR Serverless, and the failure notification to the SNS topic
Terraform created, read back from an SQS subscription.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from asl_harness import applied, execution, need_harness, run

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
STAGES = ("Ingest", "Curate", "Export")
MACHINE = "aws_sfn_state_machine.pipeline"


def _gate_blocked_message() -> str:
    """What a job whose gate blocked ends with: the exception the job script raises on exit
    code 3 (its ``main`` replaced only to reach that branch without running a pipeline)."""
    from lakehouse.errors import QualityGateError
    from lakehouse.runtimes.cluster import entry

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(entry, "main", lambda argv=None: QualityGateError.exit_code)
        with pytest.raises(entry.QualityGateBlocked) as raised:
            entry.run_job([])
    return f"{type(raised.value).__name__}: {raised.value}"


class Glue:
    """Outcomes of ``glue:startJobRun.sync`` as Step Functions reports them."""

    name = "glue"
    throttles = ("Glue.AWSGlueException", "Glue.ConcurrentRunsExceededException")
    not_retried = "Glue.EntityNotFoundException"

    @staticmethod
    def succeeded(stage: str) -> dict[str, Any]:
        return {"return": {"Id": f"jr_{stage}", "JobRunState": "SUCCEEDED", "ExecutionTime": 61}}

    @staticmethod
    def throttled(error: str) -> dict[str, Any]:
        code = error.removeprefix("Glue.").replace("AWSGlueException", "ThrottlingException")
        return {"throw": {"error": error, "cause": f"Rate exceeded (Service: AWSGlue; Status "
                          f"Code: 400; Error Code: {code}; Request ID: {uuid.uuid4()}; Proxy: null)"}}

    @staticmethod
    def failed(stage: str, message: str) -> dict[str, Any]:
        run = {"Id": f"jr_{stage}", "JobRunState": "FAILED", "ErrorMessage": message,
               "Attempt": 0, "ExecutionTime": 95}
        return {"throw": {"error": "States.TaskFailed", "cause": json.dumps(run)}}


class EmrServerless:
    """Outcomes of ``emr-serverless:startJobRun.sync`` (both error prefixes are retried)."""

    name = "emr-serverless"
    throttles = ("EMRServerless.ThrottlingException", "EmrServerless.ServiceQuotaExceededException")
    not_retried = "EMRServerless.ValidationException"

    @staticmethod
    def succeeded(stage: str) -> dict[str, Any]:
        return {"return": {"ApplicationId": "app", "JobRunId": f"run-{stage}", "State": "SUCCESS"}}

    @staticmethod
    def throttled(error: str) -> dict[str, Any]:
        return {"throw": {"error": error, "cause": "Rate exceeded (Service: EmrServerless, "
                          "Status Code: 400, Request ID: 0)"}}

    @staticmethod
    def failed(stage: str, message: str) -> dict[str, Any]:
        run = {"ApplicationId": "app", "JobRunId": f"run-{stage}", "State": "FAILED",
               "StateDetails": "Job failed, please check complete logs in configured logging "
                               f"destination. ExitCode: 1. Last few exceptions: {message}"}
        return {"throw": {"error": "States.TaskFailed", "cause": json.dumps(run)}}


def _scenario(runtime: Any, name: str, gate_message: str) -> tuple[dict[str, list], str]:
    """Outcomes per Task state for ``name`` and the Fail/Succeed state it must end in."""
    ok = {s: [runtime.succeeded(s.lower())] for s in STAGES}
    notified = {"NotifyQualityGateBlocked": [{"return": {"MessageId": "m-1"}}],
                "NotifyFailure": [{"return": {"MessageId": "m-2"}}]}
    if name == "succeeds":
        return ok, "Succeeded"
    if name == "throttled_then_succeeds":
        return {**ok, "Ingest": [runtime.throttled(e) for e in runtime.throttles]
                + ok["Ingest"]}, "Succeeded"
    if name == "gate_blocks":
        return {**ok, **notified, "Curate": [runtime.failed("curate", gate_message)]}, \
            "QualityGateBlocked"
    if name == "stage_fails":
        return {**ok, **notified, "Export": [runtime.failed(
            "export", "AnalysisException: [PATH_NOT_FOUND] Path does not exist: "
                      "s3://lake/curated/flights")]}, "StageFailed"
    assert name == "api_error_not_retried"
    return {**notified, "Ingest": [{"throw": {"error": runtime.not_retried,
                                              "cause": "job not found"}}]}, "StageFailed"


RUNTIMES = {"glue": Glue, "emr-serverless": EmrServerless}
SCENARIOS = ("succeeds", "throttled_then_succeeds", "gate_blocks", "stage_fails",
             "api_error_not_retried")


@pytest.fixture(scope="module")
def machines(dev_stack, emr_orchestration) -> dict[str, dict[str, Any]]:
    """Runtime -> the applied definition and what the tasks name."""
    need_harness()
    glue_state = json.loads(dev_stack["terraform"]("show", "-json"))
    emr_state = emr_orchestration["state"]
    return {
        "glue": {"definition": json.loads(applied(glue_state, MACHINE)["definition"]),
                 "arn": dev_stack["outputs"]["state_machine_arn"],
                 "topic": dev_stack["outputs"]["failure_topic_arn"],
                 "name": dev_stack["outputs"]["name"]},
        "emr-serverless": {"definition": json.loads(applied(emr_state, MACHINE)["definition"]),
                           "arn": applied(emr_state, MACHINE)["arn"],
                           "topic": applied(emr_state, "aws_sns_topic.failures")["arn"],
                           "name": emr_orchestration["inputs"]["name"]},
    }


@pytest.fixture(scope="module")
def executions(machines) -> dict[tuple[str, str], tuple[dict, dict, str, str]]:
    """(runtime, scenario) -> (outcomes, report, expected terminal state, execution id); all
    executions run in one harness process."""
    gate = _gate_blocked_message()
    planned = []
    for runtime, machine in machines.items():
        for scenario in SCENARIOS:
            outcomes, terminal = _scenario(RUNTIMES[runtime], scenario, gate)
            arn = f"{machine['arn'].replace(':stateMachine:', ':execution:')}:{scenario}"
            planned.append((runtime, scenario, outcomes, terminal, arn,
                            execution(machine["definition"], {"dataset": "flights"}, outcomes,
                                      execution_id=arn)))
    reports = run([p[-1] for p in planned])
    return {(rt, sc): (outcomes, report, terminal, arn)
            for (rt, sc, outcomes, terminal, arn, _), report in zip(planned, reports, strict=True)}


def _camel(value: Any) -> Any:
    """Step Functions' PascalCase parameters as the EMR Serverless API's camelCase."""
    if isinstance(value, dict):
        return {k[0].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _replay_job_starts(runtime: str, calls: list[dict[str, Any]], clients) -> None:
    """Do what ``.sync`` does with each stage's Parameters, on moto: StartJobRun, then GetJobRun
    until the run ends, so the job (application) and the arguments must be accepted."""
    for call in calls:
        if call["state"] not in STAGES:
            continue
        if runtime == "glue":
            glue, name = clients("glue"), call["input"]["JobName"]
            run_id = glue.start_job_run(**call["input"])["JobRunId"]
            states = [glue.get_job_run(JobName=name, RunId=run_id)["JobRun"]["JobRunState"]
                      for _ in range(3)]
            assert states[-1] == "SUCCEEDED", states
            args = glue.get_job_run(JobName=name, RunId=run_id)["JobRun"]["Arguments"]
            assert (args["--dataset"], args["--stage"]) == ("flights", call["state"].lower())
        else:
            emr, request = clients("emr-serverless"), _camel(call["input"])
            run_id = emr.start_job_run(**request)["jobRunId"]
            job = emr.get_job_run(applicationId=request["applicationId"], jobRunId=run_id)["jobRun"]
            argv = job["jobDriver"]["sparkSubmit"]["entryPointArguments"]
            assert argv[argv.index("--stage") + 1] == call["state"].lower()
            assert argv[argv.index("--dataset") + 1] == "flights"


def _published(topic: str, params: dict[str, Any], clients) -> dict[str, Any]:
    """Publish the task's Parameters to the SNS topic on moto; return what a subscriber gets."""
    sqs, sns = clients("sqs"), clients("sns")
    url = sqs.create_queue(QueueName=f"failures-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    try:
        message = params["Message"]  # an object is published as its JSON text (connect-sns)
        sns.publish(TopicArn=params["TopicArn"], Subject=params["Subject"],
                    Message=message if isinstance(message, str) else json.dumps(message))
        [received] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
        return json.loads(received["Body"])
    finally:
        sns.unsubscribe(SubscriptionArn=sub)
        sqs.delete_queue(QueueUrl=url)


@pytest.mark.parametrize("runtime", list(RUNTIMES))
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_applied_state_machine_ends_where_it_should(machines, executions, clients,
                                                        runtime: str, scenario: str) -> None:
    machine = machines[runtime]
    outcomes, result, terminal, execution_arn = executions[runtime, scenario]
    called = [c["state"] for c in result["calls"]]

    if terminal == "Succeeded":
        assert result["status"] == "SUCCEEDED", result
        attempts = len(outcomes["Ingest"])
        assert called == ["Ingest"] * attempts + ["Curate", "Export"]
        retried = [e for e in result["events"] if e["type"] == "StateRetried"]
        assert len(retried) == attempts - 1 and all(e["state"] == "Ingest" for e in retried)
        assert result["output"]["dataset"] == "flights"
        _replay_job_starts(runtime, result["calls"], clients)
        return

    assert (result["status"], result["error"]) == ("FAILED", terminal), result
    assert not any(e["type"] == "StateRetried" for e in result["events"])
    notify = "NotifyQualityGateBlocked" if terminal == "QualityGateBlocked" else "NotifyFailure"
    assert [c for c in called if c.startswith("Notify")] == [notify]
    failed_stage = next(s for s in STAGES if outcomes.get(s, [{}])[-1].get("throw"))
    assert called[called.index(failed_stage) + 1:] == [notify]   # nothing after the failure
    _replay_job_starts(runtime, result["calls"][:-1], clients)

    [params] = [c["input"] for c in result["calls"] if c["state"] == notify]
    assert params["TopicArn"] == machine["topic"]
    envelope = _published(machine["topic"], params, clients)
    outcome = "quality gate blocked" if terminal == "QualityGateBlocked" else "run failed"
    assert envelope["Subject"] == f"lakehouse {machine['name']}: {outcome}"
    message = json.loads(envelope["Message"])
    assert message["state_machine"] == f"{machine['name']}-pipeline"
    assert message["execution"] == execution_arn
    assert (message["dataset"], message["stage"]) == ("flights", failed_stage.lower())
    error = message["error"]
    if scenario == "api_error_not_retried":
        assert error == {"Error": RUNTIMES[runtime].not_retried, "Cause": "job not found"}
    else:
        assert error["Error"] == "States.TaskFailed"
        cause = json.loads(error["Cause"])
        detail = cause.get("ErrorMessage") or cause["StateDetails"]
        assert ("QualityGateBlocked" in detail) == (terminal == "QualityGateBlocked")
