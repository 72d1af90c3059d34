"""On the cluster: set the environment variables ``runtimes.secrets`` declares, from AWS.

``lakehouse submit`` ships ``${env:VAR}`` of a secret as the reference (see
:mod:`lakehouse.runtimes.submit.confresolve`); before the job loads ``conf/`` it reads each declared
``VAR: ssm:<name>`` (``GetParameter`` with decryption) or ``VAR: secretsmanager:<id>[#key]``
(``GetSecretValue``, optionally one key of a JSON secret) into its own environment. A
variable already set (a job parameter, a local run) is left alone. The value lives only in
the job's memory; it is never written to disk or logged.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import yaml

from lakehouse.errors import ConfigError
from lakehouse.runtimes.profiles import merged_profile


def declared_secrets(conf_dir: Path, profile: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """``runtimes.secrets`` of ``profile`` (or the file's default profile), and ``runtimes``."""
    raw = yaml.safe_load((conf_dir / "lake.yaml").read_text(encoding="utf-8")) or {}
    name = profile or os.environ.get("LAKEHOUSE_ENV") or raw.get("default_profile") or "local"
    runtimes = merged_profile(raw, name).get("runtimes") or {}
    return dict(runtimes.get("secrets") or {}), runtimes


def export_secrets(conf_dir: Path, profile: str | None,
                   env: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each declared secret variable that is not set yet; returns the names set."""
    env = os.environ if env is None else env
    secrets, runtimes = declared_secrets(conf_dir, profile)
    done = []
    for var, source in sorted(secrets.items()):
        if var in env:
            continue
        env[var] = read_secret(source, region=runtimes.get("region"),
                               endpoint_url=runtimes.get("endpoint_url"), var=var,
                               where=str(conf_dir / "lake.yaml"))
        done.append(var)
    return done


def read_secret(source: str, *, region: str | None, endpoint_url: str | None, var: str,
                where: str) -> str:
    """The value behind ``ssm:<name>`` or ``secretsmanager:<id>[#key]``."""
    from lakehouse.storage import aws

    kind, _, ident = source.partition(":")
    endpoint = os.environ.get(aws.ENDPOINT_ENV) or endpoint_url
    try:
        if kind == "ssm":
            ssm = aws.client("ssm", region=region, endpoint_url=endpoint)
            return ssm.get_parameter(Name=ident, WithDecryption=True)["Parameter"]["Value"]
        secret_id, _, key = ident.partition("#")
        manager = aws.client("secretsmanager", region=region, endpoint_url=endpoint)
        value = manager.get_secret_value(SecretId=secret_id)["SecretString"]
        return str(json.loads(value)[key]) if key else value
    except Exception as exc:  # botocore errors, a missing JSON key: all mean "cannot read it"
        raise ConfigError(where, [f"runtimes.secrets.{var}: cannot read {source}: "
                                  f"{type(exc).__name__}: {exc}"],
                          hint="the job's role needs ssm:GetParameter (and kms:Decrypt for a "
                               "SecureString) or secretsmanager:GetSecretValue on it") from exc
