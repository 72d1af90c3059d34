"""Following runs: the poll loop, and each service's failure shapes mapped to a reason.

moto cannot put a Glue job run or an EMR step into FAILED over HTTP (Glue runs go
STARTING -> RUNNING -> SUCCEEDED, EMR steps stay RUNNING), so the failure mapping is checked
here against recorded response shapes, served by botocore's Stubber, which validates them
against each service's API model.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber

from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.submit.emr import EmrSubmitter
from lakehouse.runtimes.submit.emr_serverless import EmrServerlessSubmitter
from lakehouse.runtimes.submit.follow import RunState, follow
from lakehouse.runtimes.submit.glue import GlueSubmitter

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _project(**runtimes):
    from lakehouse.config.models import LakeConfig

    lake = LakeConfig.model_validate({"project": "demo", "profile": "dev", "runtimes": runtimes})
    return SimpleNamespace(lake=lake)


def test_follow_reports_changes_and_stops_at_terminal_state():
    states = iter([RunState("STARTING", False, False), RunState("RUNNING", False, False),
                   RunState("RUNNING", False, False), RunState("SUCCEEDED", True, True)])
    lines: list[tuple[str, bool]] = []
    ticks = iter(range(0, 1000, 30))
    final = follow(lambda: next(states), label="glue jr_1", interval=5,
                   progress=lambda line, changed: lines.append((line, changed)),
                   sleep=lambda _s: None, clock=lambda: next(ticks))
    assert final.state == "SUCCEEDED" and final.succeeded
    assert [changed for _, changed in lines] == [True, True, False, True]
    assert [line for line, _ in lines[:2]] == ["glue jr_1 STARTING 0:00:30",
                                              "glue jr_1 RUNNING 0:01:00"]


def test_follow_timeout_says_the_run_goes_on():
    ticks = iter(range(0, 10_000, 60))
    with pytest.raises(RuntimeSubmissionError, match="still PENDING after 0:02:00") as info:
        follow(lambda: RunState("PENDING", False, False), label="emr s-1", interval=1,
               timeout=100, sleep=lambda _s: None, clock=lambda: next(ticks))
    assert "the run goes on" in str(info.value)


def test_glue_failed_run_maps_error_message():
    glue = boto3.client("glue", region_name="us-east-1")
    submitter = GlueSubmitter(_project(glue={"job_name": "nightly"}), glue)
    with Stubber(glue) as stub:
        for state, extra in (("RUNNING", {}),
                             ("FAILED", {"ErrorMessage": "AnalysisException: path not found"})):
            stub.add_response("get_job_run", {"JobRun": {
                "Id": "jr_1", "JobName": "nightly", "JobRunState": state, "StartedOn": NOW,
                "GlueVersion": "5.1", "Attempt": 0, **extra}},
                {"JobName": "nightly", "RunId": "jr_1", "PredecessorsIncluded": False})
        running = submitter.status("jr_1")
        failed = submitter.status("jr_1")
    assert (running.terminal, running.reason) == (False, None)
    assert failed == RunState("FAILED", True, False, "AnalysisException: path not found")


@pytest.mark.parametrize("state", ["TIMEOUT", "STOPPED", "ERROR"])
def test_glue_other_bad_endings_fail_with_the_state_as_reason(state):
    glue = boto3.client("glue", region_name="us-east-1")
    submitter = GlueSubmitter(_project(glue={"job_name": "nightly"}), glue)
    with Stubber(glue) as stub:
        stub.add_response("get_job_run", {"JobRun": {"Id": "jr_1", "JobRunState": state}})
        result = submitter.status("jr_1")
    assert result == RunState(state, True, False, state)


def test_emr_failed_step_maps_failure_details_and_log():
    emr = boto3.client("emr", region_name="us-east-1")
    submitter = EmrSubmitter(_project(emr={"cluster_id": "j-ABC"}), emr)
    with Stubber(emr) as stub:
        stub.add_response("describe_step", {"Step": {"Id": "s-1", "Status": {
            "State": "FAILED",
            "StateChangeReason": {},
            "FailureDetails": {"Reason": "Unknown Error.", "Message": "Exit code 1",
                               "LogFile": "s3://logs/j-ABC/steps/s-1/stderr.gz"}}}},
            {"ClusterId": "j-ABC", "StepId": "s-1"})
        result = submitter.status("s-1")
    assert result.terminal and not result.succeeded
    assert result.reason == "Unknown Error. Exit code 1 (log: s3://logs/j-ABC/steps/s-1/stderr.gz)"


def test_emr_needs_a_cluster_id():
    with pytest.raises(RuntimeSubmissionError, match=r"runtimes\.emr\.cluster_id"):
        EmrSubmitter(_project(), boto3.client("emr", region_name="us-east-1"))


def test_emr_serverless_failed_run_maps_state_details():
    client = boto3.client("emr-serverless", region_name="us-east-1")
    submitter = EmrServerlessSubmitter(_project(emr_serverless={"application_id": "app1"}), client)
    arn = "arn:aws:emr-serverless:us-east-1:123456789012:/applications/app1/jobruns/jr1"
    run = {"applicationId": "app1", "jobRunId": "jr1", "arn": arn,
           "createdBy": "arn:aws:iam::123456789012:user/submitter",
           "createdAt": NOW, "updatedAt": NOW, "executionRole": "arn:aws:iam::1:role/r",
           "state": "FAILED", "stateDetails": "Job failed, please check complete logs",
           "releaseLabel": "emr-7.5.0", "jobDriver": {"sparkSubmit": {"entryPoint": "s3://b/x.py"}}}
    with Stubber(client) as stub:
        stub.add_response("get_job_run", {"jobRun": run},
                          {"applicationId": "app1", "jobRunId": "jr1"})
        result = submitter.status("jr1")
    assert result == RunState("FAILED", True, False, "Job failed, please check complete logs")
