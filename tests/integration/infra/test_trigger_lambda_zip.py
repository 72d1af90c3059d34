"""The trigger Lambda as deployed: the exact zip Terraform packaged, run by a fresh interpreter
that sees only that zip (unpacked, as Lambda does into /var/task) and the standard library,
with the environment Terraform gave the function, fed an SQS event that moto produced
(S3 put -> bucket notification -> SQS receive). It dispatches to Glue, or EMR Serverless, on moto.

Only the endpoint differs from AWS: ``LAKEHOUSE_AWS_ENDPOINT_URL`` points the function's
clients at the moto server.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from asl_harness import applied

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
# What the Lambda runtime does with the handler string, in an interpreter started with -I -S:
# no site-packages, no PYTHONPATH, no current directory; only the task root is added.
RUNNER = """
import json, os, sys
root = os.environ["LAMBDA_TASK_ROOT"]
sys.path.insert(0, root)
from lakehouse.events.lambda_handler import handler
results = [handler(event, None) for event in json.load(sys.stdin)]
outside = sorted({m.__file__ for m in list(sys.modules.values())
                  if getattr(m, "__file__", None) and not m.__file__.startswith(root)
                  and not m.__file__.startswith(sys.base_prefix)})
print(json.dumps({"results": results, "outside": outside,
                  "spark": [m for m in sys.modules if m.split(".")[0] in ("pyspark", "delta")]}))
"""


@pytest.fixture
def objects_allowed(dev_stack, clients):
    """moto applies a bucket policy's Deny statements without their Condition, so the stack's
    TLS-only statement (Deny s3:* when aws:SecureTransport is false) denies every object call
    on moto's plain HTTP. Lift the policy for the test, then put it back."""
    s3, bucket = clients("s3"), dev_stack["bucket"]
    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    s3.delete_bucket_policy(Bucket=bucket)
    yield
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)


def _deployed(dev_stack, clients) -> tuple[Path, dict[str, str], str]:
    """The zip the applied function was created from, its environment, and its name."""
    state = json.loads(dev_stack["terraform"]("show", "-json"))
    function = applied(state, "aws_lambda_function.trigger")
    path = Path(function["filename"])
    digest = base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    assert digest == function["source_code_hash"], "the zip changed since Terraform packaged it"
    config = clients("lambda").get_function_configuration(FunctionName=function["function_name"])
    assert config["CodeSha256"] == digest  # and it is the code the (emulated) function holds
    return path, config["Environment"]["Variables"], function["function_name"]


def _unpack(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(into)
    return into


def _sqs_event(clients, queue_url: str) -> list[dict[str, Any]]:
    """The event Lambda's SQS poller builds from the messages waiting in the queue."""
    sqs = clients("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=5,
                                   AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"]
    return [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
             "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
             "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1"}
            for m in messages]


def _arrive(clients, dev_stack, name: str) -> list[dict[str, Any]]:
    """Put a file into the landing zone; return the SQS records its notification produced
    (other tests' messages, if any, are left to reappear after the visibility timeout)."""
    key = f"lake/landing/flights/{name}"
    clients("s3").put_object(Bucket=dev_stack["bucket"], Key=key, Body=b"year,month\n2013,1\n")
    # (moto encodes the key's slashes too, so match the file name)
    records = [r for r in _sqs_event(clients, dev_stack["outputs"]["queue_url"]) if name in r["body"]]
    assert len(records) == 1
    return records


def _invoke(task: Path, environment: dict[str, str], events: list[dict], moto_endpoint: str) -> dict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LAMBDA_TASK_ROOT": str(task),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "LAKEHOUSE_AWS_ENDPOINT_URL": moto_endpoint, "HOME": str(task.parent), **environment}
    done = subprocess.run([sys.executable, "-I", "-S", "-c", RUNNER], input=json.dumps(events),
                          capture_output=True, text=True, cwd=task, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-6000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["outside"] == [], "imported from outside the zip and the standard library"
    assert out["spark"] == []
    out["log"] = done.stderr
    return out


@pytest.mark.usefixtures("objects_allowed")
def test_the_deployed_zip_dispatches_an_arrival_to_glue(dev_stack, clients, moto_endpoint,
                                                        tmp_path: Path) -> None:
    zip_path, environment, _ = _deployed(dev_stack, clients)
    task = _unpack(zip_path, tmp_path / "task")
    records = _arrive(clients, dev_stack, "flights_2013_01.csv")
    poison = {**records[0], "messageId": str(uuid.uuid4()), "body": "not an S3 event"}

    out = _invoke(task, environment, [{"Records": [*records, poison]}, {"Records": records}],
                  moto_endpoint)

    assert out["results"] == [{"batchItemFailures": []}] * 2   # the poison went to the DLQ
    overlay = json.loads(environment["LAKEHOUSE_PROFILE_OVERLAY"])
    assert overlay["triggers"]["dispatch"] == "glue" and overlay["triggers"]["package_dir"] == "dist"
    glue = clients("glue")
    job = glue.get_job(JobName="lakehouse-flights-dev")["Job"]
    assert job["Role"] == dev_stack["outputs"]["profile"]["runtimes"]["glue"]["role_arn"]
    runs = [r for r in glue.get_job_runs(JobName="lakehouse-flights-dev")["JobRuns"]
            if (r["Arguments"].get("--dataset"), r["Arguments"].get("--stage")) == ("flights", "all")]
    assert len(runs) == 1  # the redelivery started nothing: its claim was done (DynamoDB)
    manifest = json.loads((task / "dist" / "manifest.json").read_text())
    [wheel] = [f for f in manifest["files"] if f["role"] == "wheel"]
    wheel_uri = job["DefaultArguments"]["--extra-py-files"]
    assert wheel_uri == (f"s3://{dev_stack['bucket']}/artifacts/{wheel['sha256']}/"
                         f"{Path(wheel['path']).name}")
    uploaded = clients("s3").get_object(Bucket=dev_stack["bucket"],
                                        Key=wheel_uri.split("/", 3)[3])["Body"].read()
    assert hashlib.sha256(uploaded).hexdigest() == wheel["sha256"]
    dlq = clients("sqs").receive_message(QueueUrl=dev_stack["outputs"]["dlq_url"],
                                         MessageAttributeNames=["All"], WaitTimeSeconds=2)
    [dead] = dlq["Messages"]
    assert dead["Body"] == "not an S3 event"
    assert dead["MessageAttributes"]["source_message_id"]["StringValue"] == poison["messageId"]


def test_the_zip_is_reproducible(dev_stack, monkeypatch, tmp_path: Path) -> None:
    """Rebuilding from the same set, conf and lock gives the very bytes Terraform deployed
    (so an unchanged project does not redeploy the function)."""
    from lakehouse.runtimes.submit.lambda_package import LAMBDA_LOCK, build_lambda_zip
    from lakehouse.runtimes.submit.manifest import ArtifactSet

    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", dev_stack["bucket"])  # as when the stack was built
    again = build_lambda_zip(ArtifactSet.load(dev_stack["package_dir"]), REPO / "conf", "dev",
                             tmp_path / "again.zip", lock=REPO / LAMBDA_LOCK)
    deployed = dev_stack["package_dir"] / "trigger.zip"
    assert again.sha256 == hashlib.sha256(deployed.read_bytes()).hexdigest()
    assert again.remote == () and again.profile == "dev"
    pins = {line.split("==")[0] for line in again.requirements}
    assert {"boto3", "pydantic", "pyyaml"} <= pins and not pins & {"pyspark", "pandas", "pyarrow"}


def _with_venv_archive(package_dir: Path, into: Path):
    """The dev stack's artifact set plus a (small, stand-in) EMR Serverless venv archive."""
    from lakehouse.runtimes.submit.manifest import DEPS, ArtifactSet

    shutil.copytree(package_dir, into, ignore=shutil.ignore_patterns("trigger.zip"))
    archive = into / "deps" / "pyspark_venv.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("bin/python")
        tar.addfile(info, io.BytesIO(b""))
    artifacts = ArtifactSet.load(into)
    artifacts.add(DEPS, archive)
    artifacts.write()
    return artifacts


@pytest.mark.usefixtures("objects_allowed")
def test_an_arrival_reaches_emr_serverless_once_the_venv_is_in_s3(
        dev_stack, emr_orchestration, clients, moto_endpoint, monkeypatch, tmp_path: Path) -> None:
    from lakehouse.runtimes.submit.artifacts import upload_set
    from lakehouse.runtimes.submit.lambda_package import LAMBDA_LOCK, build_lambda_zip

    artifacts = _with_venv_archive(dev_stack["package_dir"], tmp_path / "dist")
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", dev_stack["bucket"])
    built = build_lambda_zip(artifacts, REPO / "conf", "dev", tmp_path / "trigger.zip",
                             lock=REPO / LAMBDA_LOCK)
    assert built.remote == ("deps/pyspark_venv.tar.gz",)
    task = _unpack(built.path, tmp_path / "task")
    assert not (task / "dist" / "deps").exists()
    _, environment, _ = _deployed(dev_stack, clients)
    overlay = json.loads(environment["LAKEHOUSE_PROFILE_OVERLAY"])
    serverless = emr_orchestration["inputs"]["emr_serverless"]
    overlay["triggers"]["dispatch"] = "emr-serverless"
    overlay["runtimes"]["emr_serverless"] = {"application_id": serverless["application_id"],
                                             "execution_role_arn": serverless["execution_role_arn"]}
    environment = {**environment, "LAKEHOUSE_PROFILE_OVERLAY": json.dumps(overlay)}
    records = _arrive(clients, dev_stack, "flights_2013_02.csv")
    emr = clients("emr-serverless")

    def started() -> list[dict[str, Any]]:
        try:
            runs = emr.list_job_runs(applicationId=serverless["application_id"])["jobRuns"]
        except emr.exceptions.ResourceNotFoundException:  # moto: an application with no run yet
            runs = []
        return [r for r in runs if r["name"] == "lakehouse-all-flights"]

    before = _invoke(task, environment, [{"Records": records}], moto_endpoint)
    assert before["results"] == [{"batchItemFailures": [{"itemIdentifier": records[0]["messageId"]}]}]
    assert "deps/pyspark_venv.tar.gz" in before["log"] and "not in s3://" in before["log"]
    assert started() == []

    upload_set(artifacts, f"s3://{dev_stack['bucket']}/artifacts", clients("s3"), roles={"deps"})
    after = _invoke(task, environment, [{"Records": records}], moto_endpoint)

    assert after["results"] == [{"batchItemFailures": []}]
    [run] = started()
    job = emr.get_job_run(applicationId=serverless["application_id"], jobRunId=run["id"])["jobRun"]
    driver = job["jobDriver"]["sparkSubmit"]
    [deps] = [f for f in artifacts.artifacts if f.role == "deps"]
    assert f"/artifacts/{deps.sha256}/pyspark_venv.tar.gz#environment" in driver["sparkSubmitParameters"]
    argv = driver["entryPointArguments"]
    assert argv[argv.index("--dataset") + 1] == "flights"
