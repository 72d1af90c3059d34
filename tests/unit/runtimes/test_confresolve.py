"""conf/ as a cluster receives it: one profile, ${env:...} resolved on the submitting machine,
secrets kept as references (runtimes/submit/confresolve.py)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.submit.confresolve import resolved_lake_yaml
from lakehouse.runtimes.submit.packaging import resolved_conf_zip

REPO = Path(__file__).resolve().parents[3]
LAKE = """project: tiny
lake:
  root: ./.lake
profiles:
  dev:
    lake:
      root: s3://${env:TEST_BUCKET:-default-bucket}/lake
    runtimes:
      region: ${env:TEST_REGION}
      glue:
        role_arn: arn:aws:iam::${env:TEST_ACCOUNT:-111122223333}:role/job
  other:
    lake:
      root: s3://${env:UNSET_IN_THIS_TEST}/lake
"""


def _conf(tmp_path: Path, text: str = LAKE) -> Path:
    conf = tmp_path / "conf"
    (conf / "datasets").mkdir(parents=True)
    (conf / "lake.yaml").write_text(text)
    return conf


def test_the_selected_profile_is_resolved_here_and_shipped_alone(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    env = {"TEST_BUCKET": "acme-prod", "TEST_REGION": "eu-west-1"}
    shipped = yaml.safe_load(resolved_lake_yaml(conf, "dev", env))
    assert shipped["lake"]["root"] == "s3://acme-prod/lake"          # not the default
    assert shipped["runtimes"]["region"] == "eu-west-1"
    assert shipped["runtimes"]["glue"]["role_arn"] == "arn:aws:iam::111122223333:role/job"
    assert shipped["profiles"] == {"dev": {}} and shipped["default_profile"] == "dev"
    assert "${env:" not in resolved_lake_yaml(conf, "dev", env)     # other profiles dropped


def test_the_shipped_zip_loads_on_a_machine_without_those_variables(tmp_path, monkeypatch):
    conf = _conf(tmp_path)
    monkeypatch.setenv("TEST_BUCKET", "acme-prod")
    monkeypatch.setenv("TEST_REGION", "eu-west-1")
    archive = resolved_conf_zip(conf, "dev", tmp_path / "conf.zip")
    again = resolved_conf_zip(conf, "dev", tmp_path / "again.zip")
    assert archive.read_bytes() == again.read_bytes()  # same conf + env: same upload key
    for name in ("TEST_BUCKET", "TEST_REGION"):  # the cluster has none of them
        monkeypatch.delenv(name)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp_path / "cluster")
    project = load_project(tmp_path / "cluster" / "conf", "dev")
    assert project.zone_uri("raw") == "s3://acme-prod/lake/raw"
    assert project.lake.runtimes.region == "eu-west-1"


def test_an_unset_variable_without_default_names_key_and_fix(tmp_path: Path) -> None:
    with pytest.raises(RuntimeSubmissionError) as info:
        resolved_lake_yaml(_conf(tmp_path), "dev", {})
    assert "runtimes.region" in str(info.value) and "TEST_REGION" in str(info.value)
    assert "export TEST_REGION=" in str(info.value)


SECRET = """project: tiny
profiles:
  dev:
    lineage:
      transport: http
      url: https://lineage.example
      api_key_env: LINEAGE_TOKEN
    runtimes:
      region: eu-west-1
      secrets:
        LINEAGE_TOKEN: ssm:/lakehouse/${env:STAGE}/lineage-token
    catalog:
      endpoint_url: https://${env:DB_PASSWORD}@example
"""


def test_a_secret_looking_value_is_refused_not_shipped(tmp_path: Path) -> None:
    env = {"DB_PASSWORD": "hunter2", "STAGE": "dev"}
    with pytest.raises(RuntimeSubmissionError) as info:
        resolved_lake_yaml(_conf(tmp_path, SECRET), "dev", env)
    message = str(info.value)
    assert "catalog.endpoint_url" in message and "looks like a secret" in message
    assert "hunter2" not in message and "runtimes.secrets.DB_PASSWORD: ssm:" in message


def test_a_declared_secret_stays_a_reference(tmp_path: Path) -> None:
    text = SECRET.replace("https://${env:DB_PASSWORD}@example", "https://${env:LINEAGE_TOKEN}@x")
    shipped = resolved_lake_yaml(_conf(tmp_path, text), "dev",
                                 {"LINEAGE_TOKEN": "s3cr3t", "STAGE": "dev"})
    assert "s3cr3t" not in shipped and "${env:LINEAGE_TOKEN}" in shipped
    loaded = yaml.safe_load(shipped)
    assert loaded["runtimes"]["secrets"] == {"LINEAGE_TOKEN": "ssm:/lakehouse/dev/lineage-token"}


def test_lineage_key_the_cluster_cannot_read_is_refused(tmp_path: Path) -> None:
    text = SECRET.replace("      secrets:\n        LINEAGE_TOKEN: ssm:/lakehouse/${env:STAGE}/"
                          "lineage-token\n", "").replace("https://${env:DB_PASSWORD}@example",
                                                         "https://x")
    with pytest.raises(RuntimeSubmissionError, match=r"runtimes\.secrets\.LINEAGE_TOKEN"):
        resolved_lake_yaml(_conf(tmp_path, text), "dev", {})


def test_secret_sources_are_validated(tmp_path: Path) -> None:
    from lakehouse.errors import ConfigError

    conf = _conf(tmp_path, "project: tiny\nruntimes:\n  secrets:\n    TOKEN: vault:/x\n")
    with pytest.raises(ConfigError, match="ssm:<parameter> or secretsmanager"):
        load_project(conf, "local")


def test_the_repository_dev_profile_resolves(monkeypatch) -> None:
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", "acme-unit")
    shipped = yaml.safe_load(resolved_lake_yaml(REPO / "conf", "dev"))
    assert shipped["lake"]["root"] == "s3://acme-unit/lake"
    assert shipped["runtimes"]["artifacts_uri"] == "s3://acme-unit/artifacts"
