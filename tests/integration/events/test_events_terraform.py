"""``infra/modules/landing_trigger`` applied with Terraform against the moto server, then used.

Offline: providers come from ``/opt/tf-plugins`` (``terraform init -plugin-dir``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lakehouse.events.batching import MicroBatcher
from lakehouse.events.idempotency import SqliteIdempotencyStore
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Router
from lakehouse.events.sqs_worker import SqsWorker, WorkerSettings
from lakehouse.events.testing import RecordingDispatcher, drain

pytestmark = [pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
MODULE = Path(__file__).resolve().parents[3] / "infra" / "modules" / "landing_trigger"
PLUGINS = Path("/opt/tf-plugins")

ROOT_TF = """
provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  skip_region_validation      = true
  s3_use_path_style           = true
  endpoints {{
    s3       = "{endpoint}"
    sqs      = "{endpoint}"
    dynamodb = "{endpoint}"
    iam      = "{endpoint}"
    sts      = "{endpoint}"
  }}
}}

module "trigger" {{
  source            = "{module}"
  name              = "{name}"
  max_receive_count = 2
  worker_principal  = "ecs-tasks.amazonaws.com"
  enforce_tls       = false # moto serves plain HTTP: the TLS-only policy would deny the test's put
}}

output "trigger" {{
  value = module.trigger
}}
"""


@pytest.fixture
def applied(aws, unique_name, tmp_path: Path) -> dict:
    if shutil.which("terraform") is None or not PLUGINS.is_dir():
        pytest.skip("terraform or the offline provider mirror /opt/tf-plugins is not available")
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(ROOT_TF.format(endpoint=aws.endpoint, module=MODULE,
                                                 name=unique_name[:40]))
    env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "PATH": "/usr/local/bin:/usr/bin:/bin",
           "HOME": str(tmp_path)}

    def tf(*args: str) -> str:
        done = subprocess.run(["terraform", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    tf("init", "-input=false", "-no-color", f"-plugin-dir={PLUGINS}")
    tf("apply", "-auto-approve", "-input=false", "-no-color")
    return json.loads(tf("output", "-json", "-no-color"))["trigger"]["value"]


def test_module_wires_bucket_queue_dlq_and_worker_runs_once(aws, applied, tmp_path: Path) -> None:
    bucket = applied["bucket"]
    enc = aws.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = aws.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    attrs = aws.sqs.get_queue_attributes(QueueUrl=applied["queue_url"],
                                         AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 2 and redrive["deadLetterTargetArn"].endswith("-dlq")
    policy = json.loads(aws.sqs.get_queue_attributes(
        QueueUrl=applied["queue_url"], AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] == \
        f"arn:aws:s3:::{bucket}"

    drain(aws.sqs, applied["queue_url"])               # the notification's s3:TestEvent
    put = aws.s3.put_object(Bucket=bucket, Key="flights/tf arrival.csv", Body=b"id\n1\n")
    aws.sqs.send_message(QueueUrl=applied["queue_url"], MessageBody="poison")
    rec = RecordingDispatcher()
    processor = ArrivalProcessor(router=Router({"flights": "flights/*.csv"}),
                                 store=SqliteIdempotencyStore(tmp_path / "s.sqlite"),
                                 dispatcher=rec, batcher=MicroBatcher(0))
    worker = SqsWorker(aws.sqs, applied["queue_url"], processor, WorkerSettings(wait_seconds=1))
    assert worker.dlq_url == applied["dlq_url"]        # discovered from the RedrivePolicy
    worker.run(once=True)
    [request] = rec.requests
    [obj] = request.objects
    assert obj["key"] == "flights/tf arrival.csv"
    assert obj["etag"] == put["ETag"].strip('"')        # moto's events carry no versionId
    assert aws.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    [dead] = drain(aws.sqs, applied["dlq_url"])
    assert dead["Body"] == "poison"
