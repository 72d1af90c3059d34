"""Glue job create-or-update, and the runtime profile settings.

moto has no UpdateJob, so the update path is checked with botocore's Stubber: it validates
our request against Glue's API model and the expected parameters exactly.
"""

from __future__ import annotations

import re

import boto3
import pytest
from botocore.stub import Stubber

from lakehouse.config.models import LakeConfig
from lakehouse.runtimes.submit.glue import ensure_job

DEFINITION = {
    "Name": "nightly", "Role": "arn:aws:iam::123456789012:role/glue",
    "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/a/1/run_pipeline.py",
                "PythonVersion": "3"},
    "DefaultArguments": {"--datalake-formats": "delta"}, "GlueVersion": "6.0",
    "WorkerType": "G.1X", "NumberOfWorkers": 2, "Timeout": 60, "MaxRetries": 0,
    "ExecutionProperty": {"MaxConcurrentRuns": 3},
}


def _existing(**changes):
    return {"Job": {**DEFINITION, **changes}}


def test_changed_job_is_updated_with_the_full_definition():
    glue = boto3.client("glue", region_name="us-east-1")
    update = {k: v for k, v in DEFINITION.items() if k != "Name"}
    with Stubber(glue) as stub:
        stub.add_response("get_job", _existing(GlueVersion="5.1"), {"JobName": "nightly"})
        stub.add_response("update_job", {"JobName": "nightly"},
                          {"JobName": "nightly", "JobUpdate": update})
        assert ensure_job(glue, DEFINITION) == "updated"
        stub.assert_no_pending_responses()


def test_unchanged_job_is_left_alone_and_missing_job_is_created():
    glue = boto3.client("glue", region_name="us-east-1")
    with Stubber(glue) as stub:
        stub.add_response("get_job", _existing(), {"JobName": "nightly"})
        assert ensure_job(glue, DEFINITION) == "unchanged"
        stub.add_client_error("get_job", "EntityNotFoundException", "no such job",
                              expected_params={"JobName": "nightly"})
        stub.add_response("create_job", {"Name": "nightly"}, DEFINITION)
        assert ensure_job(glue, DEFINITION) == "created"
        stub.assert_no_pending_responses()


def test_runtime_settings_defaults_and_validation():
    lake = LakeConfig.model_validate({"project": "p"})
    assert lake.runtimes.glue.glue_version == "5.1"
    assert lake.runtimes.glue.number_of_workers == 2
    lake = LakeConfig.model_validate({"project": "p", "runtimes": {
        "artifacts_uri": "s3://b/artifacts/", "glue": {"glue_version": "6.0"}}})
    assert lake.runtimes.artifacts_uri == "s3://b/artifacts"
    assert lake.runtimes.glue.glue_version == "6.0"
    with pytest.raises(ValueError, match="glue_version"):
        LakeConfig.model_validate({"project": "p", "runtimes": {"glue": {"glue_version": "4.0"}}})
    with pytest.raises(ValueError, match="must be an s3:// URI"):
        LakeConfig.model_validate({"project": "p", "runtimes": {"artifacts_uri": "/tmp/x"}})
    with pytest.raises(ValueError, match="role_arm"):
        LakeConfig.model_validate({"project": "p", "runtimes": {"glue": {"role_arm": "x"}}})


@pytest.mark.parametrize(("version", "major"), [("5.0", 3), ("5.1", 3), ("6.0", 4), ("6.1", 4)])
def test_glue_versions_are_keyed_on_their_spark_major(version, major):
    lake = LakeConfig.model_validate({"project": "p", "runtimes": {"glue": {"glue_version": version}}})
    assert lake.runtimes.glue.spark_major == major


def test_glue_worker_type_is_checked_against_the_service_enum():
    import botocore.session

    from lakehouse.config.runtimes import (
        GLUE_GRAVITON_WORKER_TYPES,
        GLUE_OTHER_WORKER_TYPES,
        GLUE_SPARK_WORKER_TYPES,
        GLUE_WORKER_TYPES,
    )

    service = botocore.session.get_session().get_service_model("glue")
    enum = set(service.shape_for("WorkerType").enum)
    # Every type the installed botocore knows is either accepted or refused with a reason ...
    assert enum - set(GLUE_WORKER_TYPES) - set(GLUE_OTHER_WORKER_TYPES) == set()
    # ... and every type accepted is one Glue knows (Graviton from botocore 1.44.18 on).
    assert set(GLUE_SPARK_WORKER_TYPES) | set(GLUE_OTHER_WORKER_TYPES) <= enum
    graviton = {worker for worker in enum if worker.endswith(".GRAVITON")}
    assert graviton in (set(), set(GLUE_GRAVITON_WORKER_TYPES))
    for worker in GLUE_WORKER_TYPES:
        LakeConfig.model_validate({"project": "p", "runtimes": {"glue": {"worker_type": worker}}})
    for worker in GLUE_OTHER_WORKER_TYPES:
        with pytest.raises(ValueError, match=rf"worker type '{re.escape(worker)}' is .*a Spark ETL job"):
            LakeConfig.model_validate({"project": "p", "runtimes": {"glue": {"worker_type": worker}}})
    with pytest.raises(ValueError, match=r"unknown Glue worker type 'G\.1x' \(did you mean 'G\.1X'\?\)"):
        LakeConfig.model_validate({"project": "p", "runtimes": {"glue": {"worker_type": "G.1x"}}})
