"""The calls AWS services make with our roles, which no local run can record (test harness).

A recording sees what our code sends. The services also act with the roles Terraform
creates, before or around our code: Glue downloads the job's files and writes its logs, the
Spark Glue-catalog client opens the ``default`` database, Lambda's event source mapping
polls the queue, Step Functions drives the jobs and publishes to the topic, CloudWatch and
EventBridge publish alarms and failed runs to the (encrypted) topic. Each list below is taken
from the rendered stack and the AWS page that documents the call; the simulator judges them
like the recorded ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from iam_policies import RenderedIam
from iam_requests import SECURE, IamRequest


def _s3_read(iam: RenderedIam, uri: str, why: str) -> list[IamRequest]:
    parsed = urlparse(uri)
    out = [IamRequest("s3:GetObject", f"arn:aws:s3:::{parsed.netloc}{parsed.path}", SECURE, why)]
    key = iam.bucket_keys.get(parsed.netloc)
    if key:
        out.append(IamRequest("kms:Decrypt", key, {"kms:ViaService": f"s3.{iam.region}.amazonaws.com",
                                                   "kms:CallerAccount": iam.account}, why))
    return out


def _glue(iam: RenderedIam, resource: str) -> str:
    return f"arn:aws:glue:{iam.region}:{iam.account}:{resource}"


def spark_glue_catalog(iam: RenderedIam) -> list[IamRequest]:
    """Spark's ``SharedState.externalCatalog``: ``databaseExists("default")``, then
    ``createDatabase(default)`` when it is missing, on first catalog use (Apache Spark
    ``SharedState.scala``; Glue and EMR map it to GetDatabase / CreateDatabase)."""
    why = "Spark Glue catalog client: SharedState checks (and creates) the default database"
    return [IamRequest(action, arn, {}, why)
            for action in ("glue:GetDatabase", "glue:CreateDatabase")
            for arn in (_glue(iam, "catalog"), _glue(iam, "database/default"))]


def glue_job_role(iam: RenderedIam) -> list[IamRequest]:
    """Glue starting a job run with the job role (Glue developer guide: job properties, "IAM
    role"; "Setting up encryption": the role needs logs:AssociateKmsKey when the security
    configuration encrypts CloudWatch Logs)."""
    out: list[IamRequest] = []
    configs = {c["name"]: c for c in iam.by_type.get("aws_glue_security_configuration", [])}
    for job in iam.by_type.get("aws_glue_job", []):
        why = f"Glue starts job {job['name']}"
        out += _s3_read(iam, job["command"][0]["script_location"], why)
        args = job.get("default_arguments") or {}
        for name in ("--extra-py-files", "--additional-python-modules", "--conf-uri"):
            for uri in (args.get(name) or "").split(","):
                if uri.startswith("s3://"):
                    out += _s3_read(iam, uri, f"{why}: {name}")
        groups = ["/aws-glue/jobs/output", "/aws-glue/jobs/error", "/aws-glue/jobs/logs-v2"]
        for group in groups:
            arn = f"arn:aws:logs:{iam.region}:{iam.account}:log-group:{group}"
            out += [IamRequest("logs:CreateLogGroup", arn, {}, why),
                    IamRequest("logs:CreateLogStream", f"{arn}:log-stream:jr_0", {}, why),
                    IamRequest("logs:PutLogEvents", f"{arn}:log-stream:jr_0", {}, why)]
            config = configs.get(job.get("security_configuration") or "")
            cloudwatch = (config or {}).get("encryption_configuration", [{}])[0].get(
                "cloudwatch_encryption", [{}])[0]
            if cloudwatch.get("cloudwatch_encryption_mode") == "SSE-KMS":
                out.append(IamRequest("logs:AssociateKmsKey", arn, {},
                                      f"{why}: security configuration encrypts CloudWatch Logs"))
    return out + spark_glue_catalog(iam)


def emr_serverless_role(iam: RenderedIam, logs_prefix: str) -> list[IamRequest]:
    """EMR Serverless with the execution role: reads the entry point, writes the run's logs
    to S3 (``monitoringConfiguration.s3MonitoringConfiguration``: "the job runtime role needs
    s3:PutObject on the log location"), and Spark's Glue catalog client."""
    parsed = urlparse(logs_prefix)
    why = "EMR Serverless writes the job run's logs to S3"
    logs = f"{parsed.netloc}{parsed.path.rstrip('/')}"
    arn = f"arn:aws:s3:::{logs}/applications/app/jobs/run/SPARK_DRIVER/stdout.gz"
    out = [IamRequest("s3:PutObject", arn, SECURE, why)]
    key = iam.bucket_keys.get(parsed.netloc)
    if key:
        out.append(IamRequest("kms:GenerateDataKey", key,
                              {"kms:ViaService": f"s3.{iam.region}.amazonaws.com",
                               "kms:CallerAccount": iam.account}, why))
    return out + spark_glue_catalog(iam)


def trigger_lambda_role(iam: RenderedIam) -> list[IamRequest]:
    """Lambda with the function's role: the SQS event source mapping polls and deletes
    (Lambda developer guide, "Execution role permissions" for SQS: ReceiveMessage,
    DeleteMessage, GetQueueAttributes; kms:Decrypt for an encrypted queue), decrypts the
    environment with the CMK, writes logs and traces."""
    out: list[IamRequest] = []
    for mapping in iam.by_type.get("aws_lambda_event_source_mapping", []):
        queue = mapping["event_source_arn"]
        why = "Lambda event source mapping polls the arrivals queue"
        out += [IamRequest(f"sqs:{a}", queue, SECURE, why)
                for a in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")]
        key = iam.queue_keys.get(queue)
        if key:
            out.append(IamRequest("kms:Decrypt", key,
                                  {"kms:ViaService": f"sqs.{iam.region}.amazonaws.com"}, why))
    for function in iam.by_type.get("aws_lambda_function", []):
        why = f"Lambda runs {function['function_name']}"
        group = (f"arn:aws:logs:{iam.region}:{iam.account}:log-group:/aws/lambda/"
                 f"{function['function_name']}")
        out += [IamRequest("logs:CreateLogStream", f"{group}:log-stream:2026/01/01/x", {}, why),
                IamRequest("logs:PutLogEvents", f"{group}:log-stream:2026/01/01/x", {}, why),
                IamRequest("xray:PutTraceSegments", "*", {}, why)]
        if function.get("kms_key_arn"):
            out.append(IamRequest("kms:Decrypt", function["kms_key_arn"], {},
                                  f"{why}: environment encrypted with the CMK"))
    return out


def _states(definition: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in definition["States"].values():
        yield state
        for branch in state.get("Branches", []):
            yield from _states(branch)


def state_machine_role(iam: RenderedIam) -> list[IamRequest]:
    """Step Functions with the state machine's role, from each Task of the rendered ASL
    ("IAM policies for integrated services": glue:startJobRun.sync needs StartJobRun,
    GetJobRun, GetJobRuns, BatchStopJobRun on the job; sns:publish needs sns:Publish, plus
    kms:GenerateDataKey and kms:Decrypt for an encrypted topic)."""
    out: list[IamRequest] = []
    for machine in iam.by_type.get("aws_sfn_state_machine", []):
        for state in _states(json.loads(machine["definition"])):
            resource, params = state.get("Resource", ""), state.get("Parameters", {})
            why = f"state machine {machine['name']}: {resource}"
            if resource.endswith(":glue:startJobRun.sync"):
                job = f"arn:aws:glue:{iam.region}:{iam.account}:job/{params['JobName']}"
                out += [IamRequest(f"glue:{a}", job, {}, why)
                        for a in ("StartJobRun", "GetJobRun", "GetJobRuns", "BatchStopJobRun")]
            elif resource.endswith(":sns:publish"):
                topic = params["TopicArn"]
                out.append(IamRequest("sns:Publish", topic, SECURE, why))
                key = iam.topic_keys.get(topic)
                if key:
                    context = {"kms:EncryptionContext:aws:sns:topicArn": topic}
                    out += [IamRequest(a, key, context, why)
                            for a in ("kms:GenerateDataKey", "kms:Decrypt")]
    return out


def topic_publishers(iam: RenderedIam, service: str) -> list[IamRequest]:
    """``cloudwatch.amazonaws.com`` (alarm actions) or ``events.amazonaws.com`` (rule targets)
    publishing to each topic with an encrypted topic's key ("Enable compatibility between
    event sources from AWS services and encrypted topics", SNS developer guide).

    CloudWatch sends aws:SourceAccount; EventBridge sends neither aws:SourceAccount nor
    aws:SourceArn: "Adding the aws:SourceAccount and aws:SourceArn to a AWS KMS policy is not
    supported for EventBridge-to-encrypted topics" (same page) and "You can't use Condition
    blocks in Amazon SNS topic policies for EventBridge" (EventBridge user guide, "Amazon SNS
    permissions"). SNS itself binds the topic ARN as encryption context to its KMS calls.
    """
    source = {"aws:SourceAccount": iam.account} if service.startswith("cloudwatch") else {}
    out: list[IamRequest] = []
    for topic in (t["arn"] for t in iam.by_type.get("aws_sns_topic", [])):
        why = f"{service} publishes to {topic}"
        out.append(IamRequest("sns:Publish", topic, {**SECURE, **source}, why))
        key = iam.topic_keys.get(topic)
        if key:
            context = {**source, "kms:EncryptionContext:aws:sns:topicArn": topic}
            out += [IamRequest(a, key, context, why) for a in ("kms:GenerateDataKey", "kms:Decrypt")]
    return out
