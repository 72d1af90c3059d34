"""``lakehouse infra vars`` / ``infra profile``: tfvars from conf/, profile from outputs (no AWS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lakehouse.cli.main import cli
from lakehouse.config import load_project
from lakehouse.errors import ConfigError
from lakehouse.runtimes.submit.infra_vars import profile_from_outputs, terraform_vars

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def dev(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", "acme-unit-lake")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    return load_project(REPO / "conf", "dev")


def test_vars_follow_the_dev_profile(dev) -> None:
    values = terraform_vars(dev)
    assert values["region"] == "eu-west-1"
    assert values["zones"]["curated"] == {"bucket": "acme-unit-lake", "prefix": "lake/curated"}
    assert values["zones"]["_runs"] == {"bucket": "acme-unit-lake", "prefix": "lake/_runs"}
    # quality suites, results and docs: the jobs write there (found by test_iam_proven)
    assert values["zones"]["_quality"] == {"bucket": "acme-unit-lake", "prefix": "lake/_quality"}
    assert values["artifacts"] == {"bucket": "acme-unit-lake", "prefix": "artifacts"}
    assert values["databases"] == {"raw": "flights_raw", "curated": "flights_curated",
                                   "quarantine": "flights_quarantine", "exportable": "flights_exportable"}
    assert values["lock_table"] == "lakehouse-dev-locks"
    assert values["glue"]["glue_version"] == "5.1" and values["glue"]["number_of_workers"] == 2
    assert values["datasets"]["flights"] == "flights"
    assert values["submit_job_name"] == "lakehouse-flights-dev"


def test_local_profile_is_refused_with_the_key_and_a_hint() -> None:
    with pytest.raises(ConfigError) as err:
        terraform_vars(load_project(REPO / "conf", "local"), region="us-east-1")
    assert "zone 'landing'" in str(err.value) and "s3://" in str(err.value)
    assert "--env" in str(err.value)


def test_glue_arguments_are_those_submit_uses(dev, tmp_path: Path) -> None:
    from lakehouse.runtimes.submit.artifacts import UploadedSet, artifact_key
    from lakehouse.runtimes.submit.glue import job_definition
    from lakehouse.runtimes.submit.manifest import ArtifactSet

    files = {"wheel": "lakehouse-0.1.0-py3-none-any.whl", "job": "jobs/run_pipeline.py",
             "conf": "conf.zip", "glue-wheels": "glue/lakehouse-deps-py311-x86_64.gluewheels.zip"}
    artifacts = ArtifactSet(root=tmp_path, version="0.1.0", python="3.11")
    for role, name in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(role)
        artifacts.add(role, tmp_path / name)
    values = terraform_vars(dev, artifacts=artifacts)
    job = artifacts.one("job")
    assert values["glue_script_location"] == f"s3://acme-unit-lake/{artifact_key('artifacts', job)}"
    from lakehouse.runtimes.submit.manifest import Artifact, sha256_of
    from lakehouse.runtimes.submit.packaging import resolved_conf_zip

    # the conf `submit --upload-only` uploads: resolved for the profile on this machine
    conf_zip = resolved_conf_zip(dev.conf_dir, "dev", tmp_path / "resolved.zip")
    conf = Artifact(role="conf", path="conf.zip", sha256=sha256_of(conf_zip), size=1)
    uploaded = UploadedSet(artifacts=artifacts, uris={
        a.path: f"s3://acme-unit-lake/{artifact_key('artifacts', conf if a.role == 'conf' else a)}"
        for a in artifacts.artifacts})
    assert values["glue_default_arguments"] == job_definition(dev, uploaded)["DefaultArguments"]
    assert values["glue_default_arguments"]["--conf-uri"].endswith(f"/{conf.sha256}/conf.zip")
    assert values["glue_default_arguments"]["--extra-py-files"].endswith("/lakehouse-0.1.0-py3-none-any.whl")


def test_cli_writes_tfvars_json_and_reads_outputs_back(dev, tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["infra", "vars", "--conf", str(REPO / "conf"), "--env", "dev",
                               "--trigger", "worker", "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    written = json.loads((tmp_path / "terraform.tfvars.json").read_text())
    assert written["trigger"] == "worker" and written["project"] == "flights"
    outputs = {"lakehouse": {"value": {"profile": {
        "catalog": {"backend": "glue", "region": "eu-west-1"},
        "runtimes": {"glue": {"role_arn": "arn:aws:iam::1:role/x"}, "emr_serverless": {}},
        "triggers": {"queue_url": "https://q", "idempotency": {"backend": "dynamodb", "table": "t"}}}}}}
    shown = runner.invoke(cli, ["infra", "profile", "--env", "dev"], input=json.dumps(outputs))
    assert shown.exit_code == 0, shown.output
    assert "profiles:\n  dev:\n    catalog:" in shown.output
    assert "emr_serverless" not in shown.output                  # empty sections are dropped
    assert profile_from_outputs(outputs)["triggers"]["queue_url"] == "https://q"


def test_outputs_without_profile_are_refused() -> None:
    with pytest.raises(ConfigError, match="no `profile` output"):
        profile_from_outputs({"queue_url": {"value": "x"}})


CMK = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _with_secrets(tmp_path: Path, runtimes: dict) -> Path:
    """conf/ of this repository with ``runtimes`` values added to the dev profile."""
    import shutil

    import yaml

    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    lake = yaml.safe_load((conf / "lake.yaml").read_text())
    lake["profiles"]["dev"]["runtimes"].update(runtimes)
    (conf / "lake.yaml").write_text(yaml.safe_dump(lake))
    return conf


def test_declared_secrets_become_the_secrets_variable(dev, tmp_path: Path) -> None:
    assert "secrets" not in terraform_vars(dev)     # nothing declared: Terraform grants nothing
    conf = _with_secrets(tmp_path, {
        "secrets": {"LINEAGE_TOKEN": "ssm:/lakehouse/dev/lineage-token",
                    "API_KEY": "ssm:plain-name",
                    "DB_PASSWORD": "secretsmanager:dev/warehouse#password",
                    "DB_USER": "secretsmanager:dev/warehouse#user",
                    "OTHER": "secretsmanager:arn:aws:secretsmanager:eu-west-1:111122223333:"
                             "secret:shared/other-a1b2c3"},
        "secrets_kms_keys": [CMK]})
    values = terraform_vars(load_project(conf, "dev"))
    assert values["secrets"] == {
        "ssm_parameters": ["/lakehouse/dev/lineage-token", "plain-name"],
        # one secret read for two JSON keys; the key is not part of the resource
        "secretsmanager_secrets": [
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:shared/other-a1b2c3",
            "dev/warehouse"],
        "kms_key_arns": [CMK]}


def test_a_secrets_key_that_is_not_a_key_arn_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", "acme-unit-lake")
    conf = _with_secrets(tmp_path, {"secrets": {"TOKEN": "ssm:/t"},
                                    "secrets_kms_keys": ["alias/lakehouse-secrets"]})
    with pytest.raises(ConfigError) as err:
        load_project(conf, "dev")
    assert "secrets_kms_keys[0]" in str(err.value) and "key ARN" in str(err.value)
