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
import time
import zipfile
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


def _lambda_zip(target: Path) -> Path:
    """The function code as a Lambda zip: the library's Python files at the root."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((REPO / "lakehouse").rglob("*.py")):
            zf.write(path, path.relative_to(REPO).as_posix())
    return target


def _artifact_set(root: Path):
    """A stand-in for `lakehouse package` output: the Glue jobs need the rendered script
    location and arguments (the Terraform refuses a script no upload puts there)."""
    from lakehouse.runtimes.manifest import ArtifactSet

    files = {"wheel": "lakehouse-0.1.0-py3-none-any.whl", "job": "jobs/run_pipeline.py",
             "conf": "conf.zip", "glue-wheels": "glue/lakehouse-deps-py311-x86_64.gluewheels.zip",
             "glue-wheels-spark4": "glue/lakehouse-deps-py313-x86_64.gluewheels.zip"}
    artifacts = ArtifactSet(root=root, version="0.1.0", python="3.11")
    for role, name in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(role)
        artifacts.add(role, root / name)
    return artifacts


@pytest.fixture(scope="session")
def dev_stack(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory):
    """Render tfvars from conf/ (profile dev), apply infra/envs/dev to moto; yield what was applied."""
    need_terraform()
    from lakehouse.config import load_project
    from lakehouse.runtimes.infra_vars import terraform_vars

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
    tfvars = terraform_vars(project, region="us-east-1", artifacts=_artifact_set(base / "dist"),
                            lambda_package_file=str(_lambda_zip(base / "trigger.zip")))
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
           "apply_seconds": applied_seconds, "terraform": tf}


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
