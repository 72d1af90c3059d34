"""``infra/envs/dev`` applied once per session to the moto server, with tfvars rendered from conf/.

Offline: providers come from ``/opt/tf-plugins`` (``terraform init -plugin-dir``). moto has no
``ValidateStateMachineDefinition`` / ``ListStateMachineVersions`` (the AWS provider calls both
for ``aws_sfn_state_machine``); ``_moto_sfn_gaps`` adds them to the in-process server: the first
checks that the definition is JSON whose ``StartAt`` and every ``Next``/``Default`` name a state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
INFRA = REPO / "infra"
PLUGINS = Path("/opt/tf-plugins")
SERVICES = ("s3", "sqs", "dynamodb", "iam", "sts", "kms", "glue", "emrserverless", "sfn", "sns",
            "cloudwatch", "cloudwatchlogs", "events", "lambda", "athena")
MOTO_PROVIDER = """provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  max_retries                 = 2
  endpoints {{
{endpoints}
  }}
}}
"""
# runtimes.secrets the dev stack is rendered with (conf/ declares none, and its jobs must not
# try to read any): an SSM parameter, a Secrets Manager secret read for one JSON key, and the
# customer managed key that encrypts them. test_iam_proven judges the grants Terraform makes.
STACK_SECRETS = {"LAKEHOUSE_IT_TOKEN": "ssm:/lakehouse/it/token",
                 "LAKEHOUSE_IT_DB_PASSWORD": "secretsmanager:lakehouse/it/db#password"}
STACK_SECRETS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b5e1c2d-3f4a-4b6c-8d9e-0f1a2b3c4d5e"
# Resources moto cannot apply, switched off by their guard variable (see infra/README.md).
MOTO_GUARDS = {"enable_emr_serverless": False}  # moto creates applications STARTED, not CREATED


def need_terraform() -> None:
    if shutil.which("terraform") is None or not PLUGINS.is_dir():
        pytest.skip("terraform or the offline provider mirror /opt/tf-plugins is not available")


class Terraform:
    """``terraform`` in one working folder, offline, with a private HOME."""

    def __init__(self, workdir: Path, home: Path):
        self.workdir = workdir
        self.env = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "HOME": str(home),
                    "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")}

    def __call__(self, *args: str, timeout: int = 300) -> str:
        done = subprocess.run(["terraform", *args, "-no-color"], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"terraform {args[0]}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        return done.stdout


def _moto_sfn_gaps() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    def validate_state_machine_definition(self) -> str:
        diagnostics = []
        try:
            definition = json.loads(self._get_param("definition"))
            states = definition["States"]
            targets = [definition["StartAt"]] + [
                t for s in states.values() for t in [s.get("Next"), s.get("Default")] if t]
            targets += [c["Next"] for s in states.values() for c in s.get("Choices", [])]
            targets += [c["Next"] for s in states.values() for c in s.get("Catch", [])]
            diagnostics += [{"severity": "ERROR", "code": "MISSING_TRANSITION_TARGET",
                             "message": f"no state {t!r}"} for t in targets if t not in states]
        except (ValueError, KeyError, TypeError) as exc:
            diagnostics.append({"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                                "message": str(exc)})
        return json.dumps({"result": "FAIL" if diagnostics else "OK",
                           "diagnostics": diagnostics, "truncated": False})

    if not hasattr(StepFunctionResponse, "validate_state_machine_definition"):
        StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
    if not hasattr(StepFunctionResponse, "list_state_machine_versions"):
        StepFunctionResponse.list_state_machine_versions = (
            lambda self: json.dumps({"stateMachineVersions": []}))


def _lambda_zip(out: Path, bucket: str) -> Path:
    """The function code as users build it: ``lakehouse package --lambda --env dev`` (its conf
    resolved with this stack's bucket), so the zip Terraform deploys is the product's."""
    env = {**os.environ, "LAKEHOUSE_DEV_BUCKET": bucket}
    done = subprocess.run([sys.executable, "-m", "lakehouse.cli.main", "package", "--project-dir",
                           str(REPO), "--out", str(out), "--skip-deps-archive", "--lambda",
                           "--env", "dev"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, f"lakehouse package --lambda:\n{done.stdout}\n{done.stderr[-4000:]}"
    return out / "trigger.zip"



def _declaring_secrets(project):
    """``project`` whose profile declares :data:`STACK_SECRETS` (the conf files unchanged)."""
    import dataclasses

    runtimes = project.lake.runtimes.model_copy(
        update={"secrets": STACK_SECRETS, "secrets_kms_keys": [STACK_SECRETS_KEY]})
    return dataclasses.replace(project, lake=project.lake.model_copy(update={"runtimes": runtimes}))


@pytest.fixture(scope="session")
def dev_stack(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory):
    """Render tfvars from conf/ (profile dev), apply infra/envs/dev to moto; yield what was applied."""
    need_terraform()
    from lakehouse.config import load_project
    from lakehouse.runtimes.submit.infra_vars import terraform_vars

    _moto_sfn_gaps()
    base = tmp_path_factory.mktemp("infra")
    bucket = f"lakehouse-it-{os.getpid()}"
    saved = os.environ.get("LAKEHOUSE_DEV_BUCKET")
    os.environ["LAKEHOUSE_DEV_BUCKET"] = bucket
    try:
        project = load_project(REPO / "conf", "dev")
    finally:
        if saved is None:
            os.environ.pop("LAKEHOUSE_DEV_BUCKET", None)
        else:
            os.environ["LAKEHOUSE_DEV_BUCKET"] = saved
    from lakehouse.runtimes.submit.manifest import ArtifactSet

    lambda_zip = _lambda_zip(base / "dist", bucket)  # the real `lakehouse package --lambda` set
    tfvars = terraform_vars(_declaring_secrets(project), region="us-east-1",
                            artifacts=ArtifactSet.load(base / "dist"),
                            lambda_package_file=str(lambda_zip))
    tfvars.update(MOTO_GUARDS, force_destroy=True)

    shutil.copytree(INFRA, base / "infra", symlinks=True,
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfvars*"))
    dev = base / "infra" / "envs" / "dev"
    endpoints = "\n".join(f'    {s:<14} = "{moto_endpoint}"' for s in SERVICES)
    (dev / "moto_override.tf").write_text(MOTO_PROVIDER.format(endpoints=endpoints))
    (dev / "terraform.tfvars.json").write_text(json.dumps(tfvars, indent=2))
    tf = Terraform(dev, base)
    tf("init", "-input=false", f"-plugin-dir={PLUGINS}")
    tf("validate")
    started = time.monotonic()
    tf("apply", "-auto-approve", "-input=false", "-parallelism=20", timeout=540)
    applied_seconds = time.monotonic() - started
    outputs = json.loads(tf("output", "-json"))["lakehouse"]["value"]
    yield {"tfvars": tfvars, "outputs": outputs, "project": project, "bucket": bucket,
           "apply_seconds": applied_seconds, "terraform": tf, "package_dir": base / "dist"}


@pytest.fixture(scope="session")
def clients(moto_endpoint: str):
    """boto3 clients on the moto server, by service name."""
    import boto3

    cache: dict[str, object] = {}

    def get(service: str):
        if service not in cache:
            cache[service] = boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1",
                                          aws_access_key_id="testing", aws_secret_access_key="testing")
        return cache[service]

    return get


EMR_ENTRY = {"entry_point": "s3://{bucket}/artifacts/0f1e/run_pipeline.py",
             "entry_point_arguments": ["--env", "dev", "--runtime", "emr-serverless"],
             "spark_submit_params": "--conf spark.archives=s3://{bucket}/artifacts/9a8b/"
                                    "pyspark_venv.tar.gz#environment"}


@pytest.fixture(scope="session")
def emr_orchestration(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory, clients):
    """``modules/orchestration`` with ``runtime = "emr-serverless"`` applied alone to moto (the
    dev stack cannot create an EMR Serverless application on moto; here the application is
    made with boto3 and its id passed in). Yields the applied state and the inputs."""
    need_terraform()
    _moto_sfn_gaps()
    base = tmp_path_factory.mktemp("orchestration-emr")
    bucket = f"lakehouse-emr-{os.getpid()}"
    app = clients("emr-serverless").create_application(
        name="lakehouse-flights-emr", releaseLabel="emr-7.5.0", type="SPARK")
    role = clients("iam").create_role(RoleName="lakehouse-flights-emr-job",
                                      AssumeRolePolicyDocument=json.dumps({
                                          "Version": "2012-10-17", "Statement": []}))["Role"]["Arn"]
    inputs = {"name": "lakehouse-flights-emr", "runtime": "emr-serverless",
              "emr_serverless": {"application_id": app["applicationId"],
                                 "application_arn": app["arn"], "execution_role_arn": role,
                                 **{k: (v.format(bucket=bucket) if isinstance(v, str) else v)
                                    for k, v in EMR_ENTRY.items()}}}
    endpoints = "\n".join(f'    {s:<14} = "{moto_endpoint}"' for s in SERVICES)
    (base / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", '
        'version = "5.100.0" }\n  }\n}\n'
        + MOTO_PROVIDER.format(endpoints=endpoints)
        + f'module "orchestration" {{\n  source = "{INFRA / "modules" / "orchestration"}"\n'
        + "".join(f"  {k} = {json.dumps(v)}\n" for k, v in inputs.items() if k != "emr_serverless")
        + f"  emr_serverless = jsondecode({json.dumps(json.dumps(inputs['emr_serverless']))})\n}}\n")
    tf = Terraform(base, base)
    tf("init", "-input=false", f"-plugin-dir={PLUGINS}")
    tf("apply", "-auto-approve", "-input=false", timeout=300)
    yield {"terraform": tf, "inputs": inputs, "state": json.loads(tf("show", "-json"))}
