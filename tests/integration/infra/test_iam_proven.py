"""IAM proven, not assumed: every AWS call the code makes is judged against exactly the
policies the dev stack's Terraform created for the runtime that makes it.

The pipeline (lake on S3, Glue catalog, DynamoDB commit lease; Spark on the session's
SparkSession through S3A) and the trigger Lambda's handler run against a moto server that
logs every request, whoever sends it (boto3, the JVM's S3A client, delta-rs, Arrow).
:mod:`iam_requests` names the IAM request(s) each one needs, :mod:`iam_platform` adds the
calls AWS services make with the same roles, and ``@cloud-copilot/iam-simulate`` evaluates
them with the rendered identity policies and the resource's own policy (key, bucket, queue,
topic). A denial fails the test; so does removing any one action the code needs.

moto's own IAM enforcement (``INITIAL_NO_AUTH_ACTION_COUNT``) is not used: it checks resources
only for S3 and SQS, treats every other service's resource as ``*`` (so a policy scoped to the
project's Glue databases or DynamoDB tables is denied everything) and turns a statement whose
condition it cannot evaluate (``s3:prefix``) into an explicit deny - see docs/running-on-aws.md.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from iam_platform import (
    emr_serverless_role,
    glue_job_role,
    state_machine_role,
    topic_publishers,
    trigger_lambda_role,
)
from iam_policies import RenderedIam
from iam_requests import SECURE, IamRequest, Translator
from iam_run import LoggedMoto
from iam_simulator import Verdict, denied, evaluate, evaluate_many, need_simulator

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
ACCOUNT, REGION = "123456789012", "us-east-1"
ROWS = 120
GLUE_ROLE, EMR_ROLE = "lakehouse-flights-dev-glue-job", "lakehouse-flights-dev-emr-serverless"
TRIGGER_ROLE, STATES_ROLE = "lakehouse-flights-dev-trigger", "lakehouse-flights-dev-pipeline-states"

# What the code needs, per runtime (the recording must show exactly these actions: a new kind
# of call fails test_recorded_actions_are_the_known_ones until it is judged and listed here).
JOB_ACTIONS = {
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
    "kms:Decrypt", "kms:GenerateDataKey",
    "glue:GetDatabase", "glue:GetTable", "glue:CreateTable", "glue:UpdateTable",
    "glue:GetPartitions", "glue:BatchCreatePartition", "glue:BatchDeletePartition",
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
}
TRIGGER_ACTIONS = {
    # kms:Decrypt: the Lambda reads SSE-KMS objects of the artifact set it dispatches
    "s3:GetObject", "s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt", "dynamodb:PutItem",
    "dynamodb:UpdateItem", "glue:GetJob", "glue:CreateJob", "glue:StartJobRun", "iam:PassRole",
}


@pytest.fixture(scope="module")
def rendered(dev_stack) -> RenderedIam:
    need_simulator()
    show = json.loads(dev_stack["terraform"]("show", "-json"))
    return RenderedIam.from_show(show, account=ACCOUNT, region=REGION)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory):
    server = LoggedMoto(tmp_path_factory.mktemp("logged-moto"))
    yield server
    server.close()


def _translate(rendered: RenderedIam, calls) -> tuple[list[IamRequest], list[str]]:
    translator = Translator(account=ACCOUNT, region=REGION, bucket_keys=rendered.bucket_keys,
                            queue_keys=rendered.queue_keys, roles=rendered.roles)
    requests, unmapped = [], []
    for call in calls:
        mapped = translator.translate(call)
        if mapped is None:
            unmapped.append(call.describe())
        else:
            requests += mapped
    return requests, unmapped


def _conf(tmp: Path, dev_overrides: dict) -> Path:
    """conf/ of this repository with the dev profile pointed at the logged moto server."""
    conf = tmp / "conf"
    shutil.copytree(REPO / "conf", conf)
    (conf / "exports" / "flights_delay_ml.yaml").unlink()   # same calls as flights_enriched
    lake = yaml.safe_load((conf / "lake.yaml").read_text())
    dev = lake["profiles"]["dev"]
    for section, values in dev_overrides.items():
        dev[section] = {**dev.get(section, {}), **values}
    (conf / "lake.yaml").write_text(yaml.safe_dump(lake))
    return conf


def _provision(logged: LoggedMoto, dev_stack) -> None:
    """What the dev stack's Terraform creates and the runtimes expect to exist."""
    from lakehouse.tables.locks import DynamoDbTableLock

    tfvars, out = dev_stack["tfvars"], dev_stack["outputs"]
    logged.client("s3").create_bucket(Bucket=dev_stack["bucket"])
    glue = logged.client("glue")
    for zone, database in out["databases"].items():
        zone_uri = "s3://{bucket}/{prefix}".format(**tfvars["zones"][zone])
        glue.create_database(DatabaseInput={"Name": database, "LocationUri": zone_uri})
    DynamoDbTableLock(tfvars["lock_table"], endpoint_url=logged.endpoint).ensure_table()
    logged.client("dynamodb").create_table(
        TableName=out["profile"]["triggers"]["idempotency"]["table"],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST")


@pytest.fixture(scope="module")
def job_run(dev_stack, logged, s3a_spark, moto_process_endpoint, tmp_path_factory):
    """The pipeline, twice (the second run replaces the export's partitions), with every
    request it makes logged."""
    from lakehouse.pipeline.driver import run_pipeline
    from lakehouse.sample import write_nycflights13
    from lakehouse.spark.s3 import configure_s3a
    from lakehouse.testing.project import make_project

    _provision(logged, dev_stack)
    tmp = tmp_path_factory.mktemp("iam-job")
    conf = _conf(tmp, {"catalog": {"endpoint_url": logged.endpoint}})
    from lakehouse.tables.locks import DynamoDbTableLock

    unshortened = DynamoDbTableLock.__init__

    def short_lease(self, *args, **kwargs):   # heartbeats (UpdateItem) within every commit
        kwargs["lease_seconds"] = 3.0
        unshortened(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as env:
        env.setattr(DynamoDbTableLock, "__init__", short_lease)
        env.setenv("LAKEHOUSE_DEV_BUCKET", dev_stack["bucket"])
        env.setenv("AWS_ENDPOINT_URL", logged.endpoint)
        project = make_project(tmp / "project", conf, env="dev")
        configure_s3a(s3a_spark, logged.endpoint, credentials_from_env=True)
        try:
            write_nycflights13(project.zone_uri("landing"), months=[1], max_rows_per_file=ROWS)
            with logged.logging() as first:
                summary1 = run_pipeline(project, stage="all", spark=s3a_spark)
            write_nycflights13(project.zone_uri("landing"), months=[2], max_rows_per_file=ROWS)
            with logged.logging() as second:   # flights and the export it feeds
                summary2 = run_pipeline(project, datasets=["flights"], stage="all",
                                        spark=s3a_spark)
        finally:
            configure_s3a(s3a_spark, moto_process_endpoint, credentials_from_env=True)
    return {"summaries": [summary1, summary2], "calls": first + second, "project": project}


@pytest.fixture(scope="module")
def trigger_run(dev_stack, logged, job_run, tmp_path_factory):
    """The trigger Lambda's handler on one SQS-delivered arrival, dispatching to Glue with the
    profile Terraform's outputs give, every request logged."""
    from lakehouse.events import lambda_handler
    from lakehouse.runtimes.submit.infra_vars import profile_from_outputs
    from lakehouse.runtimes.submit.packaging import build_package

    tmp = tmp_path_factory.mktemp("iam-trigger")
    package = tmp / "dist"
    build_package(REPO, package, deps_archive=False)
    profile = profile_from_outputs({"profile": dev_stack["outputs"]["profile"]})
    endpoint = {"endpoint_url": logged.endpoint}
    conf = _conf(tmp, {**profile, "catalog": {**profile["catalog"], **endpoint},
                       "runtimes": {**profile["runtimes"], **endpoint},
                       "triggers": {**profile["triggers"], **endpoint, "dispatch": "glue",
                                    "package_dir": str(package)}})
    bucket = dev_stack["bucket"]
    s3 = logged.client("s3")
    key = next(o["Key"] for o in s3.list_objects_v2(
        Bucket=bucket, Prefix="lake/landing/flights/")["Contents"])
    head = s3.head_object(Bucket=bucket, Key=key)
    notification = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION,
        "eventName": "ObjectCreated:Put", "eventTime": "2026-01-01T00:00:00.000Z",
        "s3": {"bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
               "object": {"key": key, "size": head["ContentLength"],
                          "eTag": head["ETag"].strip('"'), "sequencer": "0055AED6DCD90281E5"}}}]}
    event = {"Records": [{"messageId": "m-1", "receiptHandle": "r-1", "eventSource": "aws:sqs",
                          "body": json.dumps(notification),
                          "attributes": {"ApproximateReceiveCount": "1"}}]}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_CONF", str(conf))
        env.setenv("LAKEHOUSE_ENV", "dev")
        env.setenv("LAKEHOUSE_DEV_BUCKET", bucket)
        env.setenv("AWS_ENDPOINT_URL", logged.endpoint)
        env.setattr(lambda_handler, "_cached", {})
        with logged.logging() as calls:
            result = lambda_handler.handler(event)
    return {"result": result, "calls": calls}


def _verdicts(rendered, role, requests) -> list[Verdict]:
    return evaluate(rendered, role, requests)


def test_the_recorded_runs_did_their_work(job_run, trigger_run) -> None:
    first, second = job_run["summaries"]
    assert first.status == second.status == "succeeded", first.render() + second.render()
    assert first.balanced and second.balanced
    assert trigger_run["result"] == {"batchItemFailures": []}
    ops = {c.headers.get("x-amz-target", "").rsplit(".", 1)[-1] for c in job_run["calls"]}
    assert "BatchDeletePartition" in ops, "the second export did not replace partitions"


@pytest.mark.parametrize(("runtime", "known"), [("job", JOB_ACTIONS), ("trigger", TRIGGER_ACTIONS)])
def test_recorded_actions_are_the_known_ones(rendered, job_run, trigger_run, runtime, known):
    calls = (job_run if runtime == "job" else trigger_run)["calls"]
    requests, unmapped = _translate(rendered, calls)
    assert not unmapped, "requests no IAM mapping knows (judge them, then map them):\n" + \
        "\n".join(sorted(set(unmapped)))
    assert {r.action for r in requests} == known


@pytest.mark.parametrize("role", [GLUE_ROLE, EMR_ROLE])
def test_the_pipeline_runs_under_each_job_role_without_a_denial(rendered, job_run, role):
    requests, _ = _translate(rendered, job_run["calls"])
    verdicts = _verdicts(rendered, role, requests)
    assert len(verdicts) > 50
    assert not denied(verdicts), "\n".join(map(str, denied(verdicts)))


def test_the_trigger_runs_under_the_lambda_role_without_a_denial(rendered, trigger_run):
    requests, _ = _translate(rendered, trigger_run["calls"])
    verdicts = _verdicts(rendered, TRIGGER_ROLE, requests)
    assert not denied(verdicts), "\n".join(map(str, denied(verdicts)))


@pytest.fixture(scope="module")
def artifacts_uri(dev_stack) -> str:
    return "s3://{bucket}/{prefix}".format(**dev_stack["tfvars"]["artifacts"])


def _platform(rendered: RenderedIam, role: str, artifacts_uri: str) -> list[IamRequest]:
    return {GLUE_ROLE: lambda: glue_job_role(rendered),
            EMR_ROLE: lambda: emr_serverless_role(rendered, f"{artifacts_uri}/logs/"),
            TRIGGER_ROLE: lambda: trigger_lambda_role(rendered),
            STATES_ROLE: lambda: state_machine_role(rendered)}[role]()


@pytest.mark.parametrize("role", [GLUE_ROLE, EMR_ROLE, TRIGGER_ROLE, STATES_ROLE])
def test_what_aws_does_with_each_role_is_allowed(rendered, artifacts_uri, role):
    requests = _platform(rendered, role, artifacts_uri)
    assert requests
    verdicts = _verdicts(rendered, role, requests)
    assert not denied(verdicts), "\n".join(map(str, denied(verdicts)))


@pytest.mark.parametrize("service", ["cloudwatch.amazonaws.com", "events.amazonaws.com"])
def test_alarms_and_rules_can_publish_to_the_encrypted_topic(rendered, service):
    verdicts = evaluate(rendered, service, topic_publishers(rendered, service),
                        service_principal=True)
    assert verdicts and not denied(verdicts), "\n".join(map(str, denied(verdicts)))


def test_without_batch_delete_partition_the_export_is_denied(rendered, job_run):
    """The defect of #25 as the harness sees it: the second export re-points its partitions."""
    requests, _ = _translate(rendered, job_run["calls"])
    narrowed = rendered.without_action(GLUE_ROLE, "glue:BatchDeletePartition")
    refused = denied(evaluate(narrowed, GLUE_ROLE, requests))
    assert refused and {v.request.action for v in refused} == {"glue:BatchDeletePartition"}


@pytest.mark.parametrize("role", [GLUE_ROLE, TRIGGER_ROLE])
def test_removing_any_action_the_code_needs_is_denied(rendered, artifacts_uri, job_run,
                                                     trigger_run, role):
    """For each action the runtime needs, the role without it gets a denial for that action."""
    calls = (job_run if role == GLUE_ROLE else trigger_run)["calls"]
    requests, _ = _translate(rendered, calls)
    requests += _platform(rendered, role, artifacts_uri)
    needed = sorted({r.action for r in requests})
    # only the requests of the removed action can turn into its denial
    results = evaluate_many([(rendered.without_action(role, action), role,
                              [r for r in requests if r.action == action], False)
                             for action in needed])
    survivors = [action for action, verdicts in zip(needed, results, strict=True)
                 if not [v for v in denied(verdicts) if v.request.action == action]]
    assert len(needed) > 15
    assert not survivors, f"{role} still does everything without: {survivors}"


def _secret_reads(cmk: str) -> list[tuple[IamRequest, bool]]:
    """What the job does for the stack's ``runtimes.secrets`` (conftest.STACK_SECRETS, their
    key ``cmk``), and near misses, each with whether AWS must allow it."""
    ssm, sm = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret"
    other_key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
    via_ssm = {**SECURE, "kms:ViaService": f"ssm.{REGION}.amazonaws.com"}
    via_sm = {**SECURE, "kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}
    return [
        (IamRequest("ssm:GetParameter", f"{ssm}/lakehouse/it/token", SECURE, "declared"), True),
        (IamRequest("ssm:GetParameter", f"{ssm}/lakehouse/it/other", SECURE, "undeclared"), False),
        (IamRequest("ssm:GetParameter", f"{ssm}/lakehouse/it/token-2", SECURE, "name prefix"), False),
        (IamRequest("secretsmanager:GetSecretValue", f"{sm}:lakehouse/it/db-Ab12Cd", SECURE,
                    "declared (AWS appends 6 characters)"), True),
        (IamRequest("secretsmanager:GetSecretValue", f"{sm}:lakehouse/it/db-copy-Ab12Cd", SECURE,
                    "another secret whose name starts with the declared one"), False),
        (IamRequest("secretsmanager:GetSecretValue", f"{sm}:lakehouse/it/other-Ab12Cd", SECURE,
                    "undeclared"), False),
        (IamRequest("kms:Decrypt", cmk, via_ssm, "SecureString under the CMK"), True),
        (IamRequest("kms:Decrypt", cmk, via_sm, "secret under the CMK"), True),
        (IamRequest("kms:Decrypt", cmk, SECURE, "the CMK, not through SSM"), False),
        (IamRequest("kms:Decrypt", other_key, via_ssm, "an undeclared key"), False),
    ]


@pytest.mark.parametrize("role", [GLUE_ROLE, EMR_ROLE])
def test_only_declared_secrets_are_readable(rendered, dev_stack, role) -> None:
    """runtimes.secrets -> `lakehouse infra vars` -> Terraform: each job role may read exactly
    the declared parameter and secret, and decrypt with their CMK only through those services."""
    declared = dev_stack["tfvars"]["secrets"]
    assert declared["ssm_parameters"] == ["/lakehouse/it/token"]
    assert declared["secretsmanager_secrets"] == ["lakehouse/it/db"]    # the JSON key dropped
    [cmk] = declared["kms_key_arns"]
    reads = _secret_reads(cmk)
    with_keys = copy.deepcopy(rendered)
    for key in {r.resource for r, _ in reads if r.action == "kms:Decrypt"}:
        # the KMS default key policy: the account's IAM policies decide (KMS developer guide)
        with_keys.resource_policies[key] = {"Version": "2012-10-17", "Statement": [{
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
            "Resource": "*"}]}
    expected = {r.key(): allowed for r, allowed in reads}
    verdicts = evaluate(with_keys, role, [r for r, _ in reads])
    assert len(verdicts) == len(expected)
    wrong = [v for v in verdicts if v.result == "Error" or v.allowed != expected[v.request.key()]]
    assert not wrong, "\n".join(map(str, wrong))
