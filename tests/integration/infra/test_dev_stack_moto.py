"""``infra/envs/dev`` (tfvars from conf/) applied to moto, then read back with boto3.

Checks each resource's security properties: SSE, public access block, TLS-only policy,
versioning, lifecycle, DLQ redrive, DynamoDB SSE/PITR, the state machine's states and retry
policies, the Lambda's event source mapping, the Athena workgroup and the alarms.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
INFRA = Path(__file__).resolve().parents[3] / "infra"


def test_fmt_check_passes_on_the_repository() -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not available")
    done = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-no-color", str(INFRA)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"not formatted: {done.stdout}{done.stderr}"


def test_the_provider_version_is_locked_for_the_example_stack() -> None:
    """``infra/envs/dev/.terraform.lock.hcl`` is committed and names the version main.tf pins
    (the ``dev_stack`` fixture's ``terraform init`` checks the provider against its hashes)."""
    lock = (INFRA / "envs" / "dev" / ".terraform.lock.hcl").read_text()
    pinned = re.search(r'version\s*=\s*"([0-9.]+)"', (INFRA / "envs" / "dev" / "main.tf").read_text())
    assert pinned is not None
    assert f'version     = "{pinned.group(1)}"' in lock
    assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', lock), "the lock carries the provider's hash"


def test_tfvars_match_conf(dev_stack) -> None:
    project, tfvars, out = dev_stack["project"], dev_stack["tfvars"], dev_stack["outputs"]
    bucket = dev_stack["bucket"]
    assert tfvars["zones"]["landing"] == {"bucket": bucket, "prefix": "lake/landing"}
    assert tfvars["artifacts"] == {"bucket": bucket, "prefix": "artifacts"}
    zones = ("raw", "curated", "quarantine", "exportable")
    assert out["databases"] == {z: project.database(z) for z in zones}
    assert out["databases"]["curated"] == "flights_curated"
    assert out["profile"]["tables"] == {"lock": "dynamodb", "lock_table": project.lake.tables.lock_table}
    assert out["profile"]["runtimes"]["glue"]["glue_version"] == project.lake.runtimes.glue.glue_version
    assert set(out["glue_jobs"]) == {"ingest", "curate", "export"}
    print(f"apply took {dev_stack['apply_seconds']:.1f} s")


def test_buckets_encrypted_private_versioned_tls_only(dev_stack, clients) -> None:
    s3 = clients("s3")
    key_arn = dev_stack["outputs"]["kms_key_arn"]
    assert key_arn and clients("kms").get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"]
    for bucket in [*dev_stack["outputs"]["buckets"], dev_stack["outputs"]["log_bucket"]]:
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        sse = rule["ApplyServerSideEncryptionByDefault"]
        if bucket == dev_stack["outputs"]["log_bucket"]:
            assert sse["SSEAlgorithm"] == "AES256"          # log delivery supports SSE-S3 only
        else:
            assert sse == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                       "RestrictPublicBuckets"), True)
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        [deny] = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert deny["Action"] == "s3:*" and deny["Principal"] == "*"
        assert not [s for s in policy["Statement"] if s["Effect"] == "Allow" and s["Principal"] == "*"]
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
        assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_lake_bucket_lifecycle_and_access_logging(dev_stack, clients) -> None:
    s3, bucket = clients("s3"), dev_stack["bucket"]
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["landing-expiry"]["Filter"]["Prefix"] == "lake/landing/"
    assert rules["landing-expiry"]["Expiration"]["Days"] == 30
    assert rules["quarantine-retention"]["Filter"]["Prefix"] == "lake/quarantine/"
    assert rules["noncurrent-versions-and-uploads"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging == {"TargetBucket": dev_stack["outputs"]["log_bucket"], "TargetPrefix": f"s3/{bucket}/"}


def test_queue_redrives_to_dlq_and_only_this_bucket_and_account_send(dev_stack, clients) -> None:
    sqs, out = clients("sqs"), dev_stack["outputs"]
    attrs = sqs.get_queue_attributes(QueueUrl=out["queue_url"], AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"].endswith(":lakehouse-flights-dev-arrivals-dlq")
    assert attrs["KmsMasterKeyId"] == out["kms_key_arn"]
    [stmt] = json.loads(attrs["Policy"])["Statement"]
    assert stmt["Condition"]["ArnEquals"]["aws:SourceArn"] == f"arn:aws:s3:::{dev_stack['bucket']}"
    assert stmt["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    notification = clients("s3").get_bucket_notification_configuration(Bucket=dev_stack["bucket"])
    [queue] = notification["QueueConfigurations"]
    assert queue["QueueArn"] == redrive["deadLetterTargetArn"].removesuffix("-dlq")
    [rule] = queue["Filter"]["Key"]["FilterRules"]
    assert (rule["Name"].lower(), rule["Value"]) == ("prefix", "lake/landing/")


def test_dynamodb_tables_encrypted_with_pitr(dev_stack, clients) -> None:
    ddb, out = clients("dynamodb"), dev_stack["outputs"]
    tables = {"lakehouse-dev-locks": "lock_key", "lakehouse-flights-dev-event-idempotency": "pk"}
    assert out["profile"]["triggers"]["idempotency"]["table"] == "lakehouse-flights-dev-event-idempotency"
    for name, key in tables.items():
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == [{"AttributeName": key, "KeyType": "HASH"}]
        assert table["SSEDescription"]["Status"] == "ENABLED"
        assert table["SSEDescription"]["KMSMasterKeyArn"] == out["kms_key_arn"]
        backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "expires_at"


def test_state_machine_runs_stages_with_retries_and_gate_terminal(dev_stack, clients) -> None:
    out = dev_stack["outputs"]
    machine = clients("stepfunctions").describe_state_machine(stateMachineArn=out["state_machine_arn"])
    states = json.loads(machine["definition"])["States"]
    assert json.loads(machine["definition"])["StartAt"] == "Ingest"
    assert [states["Ingest"]["Next"], states["Curate"]["Next"], states["Export"]["Next"]] == \
        ["Curate", "Export", "Succeeded"]
    for stage in ("Ingest", "Curate", "Export"):
        task = states[stage]
        assert task["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
        assert task["Parameters"]["JobName"] == out["glue_jobs"][stage.lower()]
        assert task["Parameters"]["Arguments"] == {"--dataset.$": "$.dataset", "--stage": stage.lower()}
        [retry] = task["Retry"]
        assert "Glue.ConcurrentRunsExceededException" in retry["ErrorEquals"]
        assert "States.ALL" not in retry["ErrorEquals"]      # a failed job is not blindly retried
        assert retry["BackoffRate"] == 2 and retry["MaxAttempts"] == 4 and retry["IntervalSeconds"] == 60
        assert task["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                                  "Next": f"{stage}Failure"}]
        assert states[f"{stage}Failure"]["Next"] == "ClassifyFailure"
    assert states["ClassifyFailure"]["Choices"][0]["Next"] == "NotifyQualityGateBlocked"
    assert states["NotifyQualityGateBlocked"]["Parameters"]["TopicArn"] == out["failure_topic_arn"]
    assert states["QualityGateBlocked"] == {"Type": "Fail", "Error": "QualityGateBlocked",
                                            "Cause": states["QualityGateBlocked"]["Cause"]}
    assert states["Failed"]["Type"] == "Fail"
    assert states["NotifyFailure"]["Resource"] == "arn:aws:states:::sns:publish"
    topic = clients("sns").get_topic_attributes(TopicArn=out["failure_topic_arn"])["Attributes"]
    assert topic["KmsMasterKeyId"] == out["kms_key_arn"]
    statements = {s["Sid"]: s for s in json.loads(topic["Policy"])["Statement"]}
    alarms = statements["AlarmsOfThisAccount"]
    assert alarms["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    # EventBridge: no Condition block (the EventBridge user guide: not usable for SNS targets)
    assert "Condition" not in statements["EventBridgeRules"]


def test_glue_jobs_and_roles_are_least_privilege(dev_stack, clients) -> None:
    out, glue, iam = dev_stack["outputs"], clients("glue"), clients("iam")
    job = glue.get_job(JobName=out["glue_jobs"]["curate"])["Job"]
    assert job["GlueVersion"] == "5.1" and job["Command"]["Name"] == "glueetl"
    assert job["DefaultArguments"]["--stage"] == "curate"
    assert job["DefaultArguments"]["--datalake-formats"] == "delta"
    assert job["DefaultArguments"]["--env"] == "dev"
    assert job["SecurityConfiguration"] == "lakehouse-flights-dev-jobs"
    policies = iam.list_policies(Scope="Local")["Policies"]
    for policy in policies:
        version = iam.get_policy_version(PolicyArn=policy["Arn"],
                                         VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        for stmt in version["Document"]["Statement"]:
            actions = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            assert not ("*" in actions and stmt["Resource"] in ("*", ["*"])), policy["PolicyName"]
            if "iam:PassRole" in actions:
                assert "iam:PassedToService" in stmt["Condition"]["StringEquals"], policy["PolicyName"]
    role = iam.get_role(RoleName="lakehouse-flights-dev-glue-job")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"


def test_trigger_lambda_reports_partial_batch_failures(dev_stack, clients) -> None:
    lam, out = clients("lambda"), dev_stack["outputs"]
    [mapping] = [m for m in lam.list_event_source_mappings()["EventSourceMappings"]
                 if m["FunctionArn"].endswith(f":function:{out['trigger_function']}")]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumBatchingWindowInSeconds"] == 60
    assert mapping["EventSourceArn"].endswith(":lakehouse-flights-dev-arrivals")
    config = lam.get_function_configuration(FunctionName=out["trigger_function"])
    assert config["Handler"] == "lakehouse.events.lambda_handler.handler"
    assert config["TracingConfig"]["Mode"] == "Active"


def test_athena_workgroup_and_alarms(dev_stack, clients) -> None:
    out = dev_stack["outputs"]
    wg = clients("athena").get_work_group(WorkGroup=out["athena_workgroup"])["WorkGroup"]["Configuration"]
    assert wg["ResultConfiguration"]["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert wg["EnforceWorkGroupConfiguration"] is True
    alarms = {a["AlarmName"]: a for a in clients("cloudwatch").describe_alarms(
        AlarmNamePrefix="lakehouse-flights-dev")["MetricAlarms"]}
    assert set(out["alarms"]) <= set(alarms)
    dlq = alarms["lakehouse-flights-dev-dlq-not-empty"]
    assert dlq["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["AlarmActions"] == [out["failure_topic_arn"]]
    assert alarms["lakehouse-flights-dev-executionsfailed"]["Namespace"] == "AWS/States"



def test_emr_serverless_and_eventbridge_modes_plan(dev_stack) -> None:
    """The modes the apply leaves out plan cleanly: EMR Serverless stages, EventBridge starts."""
    tf = dev_stack["terraform"]
    tfvars = {**dev_stack["tfvars"], "trigger": "stepfunctions", "enable_emr_serverless": True,
              "orchestration_runtime": "emr-serverless",
              "emr_serverless_entry": {"entry_point": "s3://b/artifacts/run_pipeline.py",
                                       "entry_point_arguments": ["--env", "dev"],
                                       "spark_submit_params": "--conf spark.executor.cores=2"}}
    varfile = tf.workdir.parent / "modes.tfvars.json"
    varfile.write_text(json.dumps(tfvars))
    # a separate state: plan what a fresh deployment in these modes would create
    tf("plan", "-input=false", "-refresh=false", "-lock=false", f"-var-file={varfile}",
       f"-state={tf.workdir.parent / 'modes.tfstate'}", f"-out={tf.workdir.parent / 'modes.plan'}")
    plan = json.loads(tf("show", "-json", str(tf.workdir.parent / "modes.plan")))
    created = {r["address"]: r["change"]["after"] for r in plan["resource_changes"]
               if r["change"]["actions"] == ["create"]}
    rule = created['module.lakehouse.module.orchestration.aws_cloudwatch_event_rule.arrival["flights"]']
    pattern = json.loads(rule["event_pattern"])
    assert pattern["detail"]["object"]["key"] == [{"prefix": "lake/landing/flights/"}]
    assert "module.lakehouse.module.jobs.aws_emrserverless_application.spark[0]" in created
    assert not [a for a in created if "trigger_lambda" in a]
    notification = created["module.lakehouse.module.trigger.aws_s3_bucket_notification.landing[0]"]
    assert notification["eventbridge"] is True


def test_glue_jobs_run_the_uploaded_script_with_the_locked_wheels(dev_stack, clients) -> None:
    """The Glue jobs point at the content-addressed upload and install the packaged wheels
    offline; a script location no upload uses (the old default) is refused at plan time."""
    job = clients("glue").get_job(JobName=dev_stack["outputs"]["glue_jobs"]["ingest"])["Job"]
    assert job["Command"]["ScriptLocation"] == dev_stack["tfvars"]["glue_script_location"]
    assert re.fullmatch(r"s3://[^/]+/artifacts/[0-9a-f]{64}/run_pipeline\.py",
                        job["Command"]["ScriptLocation"])
    arguments = job["DefaultArguments"]
    assert arguments["--additional-python-modules"].endswith(
        "/lakehouse-deps-py311-x86_64.gluewheels.zip")
    assert arguments["--python-modules-installer-option"] == "--no-index"
    tf = dev_stack["terraform"]
    bucket = dev_stack["bucket"]
    for location in ("", f"s3://{bucket}/artifacts/jobs/run_pipeline.py"):
        done = subprocess.run(
            ["terraform", "plan", "-no-color", "-refresh=false", "-input=false",
             "-target=module.lakehouse.module.jobs", f"-var=glue_script_location={location}"],
            cwd=tf.workdir, env=tf.env, capture_output=True, text=True, timeout=300)
        assert done.returncode != 0, done.stdout[-2000:]
        said = " ".join(done.stderr.replace("\u2502", " ").split())  # unwrap the diagnostic box
        assert "glue_script_location must be the uploaded script" in said, said[-2000:]
