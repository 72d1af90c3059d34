"""A profile resolved for shipping (the trigger Lambda's conf) and an overlay of stack values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.config.loader import resolved_lake_settings
from lakehouse.errors import ConfigError
from lakehouse.runtimes.submit.lambda_package import is_secret_name

LAKE = {
    "project": "trips",
    "lake": {"root": "./.lake"},
    "profiles": {"dev": {
        "lake": {"root": "s3://${env:TRIPS_BUCKET}/lake"},
        "runtimes": {"region": "${env:TRIPS_REGION:-eu-west-1}",
                     "glue": {"default_arguments": {"--db-password": "${env:DB_PASSWORD}",
                                                    "--api": "${env:PARTNER_API_KEY:-none}"}}},
    }},
}


def _conf(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    conf.mkdir(parents=True)
    (conf / "lake.yaml").write_text(yaml.safe_dump(LAKE))
    return conf


def test_resolved_settings_bake_values_but_keep_secrets_as_references(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPS_BUCKET", "acme-trips")
    monkeypatch.setenv("DB_PASSWORD", "hunter2")
    settings = resolved_lake_settings(_conf(tmp_path), "dev", keep=is_secret_name)
    assert settings["lake"]["root"] == "s3://acme-trips/lake"
    assert settings["runtimes"]["region"] == "eu-west-1"
    args = settings["runtimes"]["glue"]["default_arguments"]
    assert args == {"--db-password": "${env:DB_PASSWORD}", "--api": "${env:PARTNER_API_KEY:-none}"}
    assert "profiles" not in settings and "profile" not in settings
    assert "hunter2" not in yaml.safe_dump(settings)


def test_resolved_settings_name_an_unset_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIPS_BUCKET", raising=False)
    with pytest.raises(ConfigError) as err:
        resolved_lake_settings(_conf(tmp_path), "dev", keep=is_secret_name)
    assert "TRIPS_BUCKET" in str(err.value) and "lake.yaml" in str(err.value)


def test_an_overlay_wins_over_the_profile_and_is_validated(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIPS_BUCKET", "acme-trips")
    monkeypatch.setenv("DB_PASSWORD", "x")
    overlay = {"triggers": {"dispatch": "glue", "package_dir": "dist",
                            "idempotency": {"backend": "dynamodb", "table": "t-events"}},
               "runtimes": {"glue": {"role_arn": "arn:aws:iam::1:role/job"}}}
    project = load_project(_conf(tmp_path), "dev", overlay=overlay)
    assert project.lake.triggers.dispatch == "glue" and project.lake.triggers.package_dir == "dist"
    assert project.lake.triggers.idempotency.table == "t-events"
    assert project.lake.runtimes.glue.role_arn == "arn:aws:iam::1:role/job"
    assert project.lake.runtimes.region == "eu-west-1"       # the profile's values stay
    with pytest.raises(ConfigError) as err:
        load_project(_conf(tmp_path / "b"), "dev", overlay={"triggers": {"dispach": "glue"}})
    assert "triggers.dispach" in str(err.value)


@pytest.mark.parametrize(("name", "secret"), [
    ("DB_PASSWORD", True), ("GITHUB_TOKEN", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("PARTNER_API_KEY", True), ("AWS_SESSION_TOKEN", True),
    ("LAKEHOUSE_DEV_BUCKET", False), ("AWS_REGION", False), ("AWS_ACCOUNT_ID", False)])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_a_lambda_zip_refuses_a_profile_whose_lake_is_local(tmp_path, monkeypatch):
    """Checked before anything is installed: a function cannot read this machine's lake."""
    from lakehouse.errors import RuntimeSubmissionError
    from lakehouse.runtimes.submit.lambda_package import build_lambda_zip
    from lakehouse.runtimes.submit.manifest import ArtifactSet

    (tmp_path / "lakehouse-0.1.0-py3-none-any.whl").write_bytes(b"wheel")
    artifacts = ArtifactSet(root=tmp_path, version="0.1.0", python="3.11")
    artifacts.add("wheel", tmp_path / "lakehouse-0.1.0-py3-none-any.whl")
    lock = tmp_path / "lock.txt"
    lock.write_text("boto3==1.0 \\\n    --hash=sha256:00\n")
    with pytest.raises(RuntimeSubmissionError) as err:
        build_lambda_zip(artifacts, _conf(tmp_path), "local", tmp_path / "t.zip", lock=lock,
                         cache_dir=tmp_path / "cache")
    assert "profile 'local'" in str(err.value) and "--env" in str(err.value)
    assert not (tmp_path / "cache").exists() and not (tmp_path / "t.zip").exists()
