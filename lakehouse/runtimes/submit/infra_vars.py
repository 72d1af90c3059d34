"""Terraform inputs from ``conf/lake.yaml``, and ``conf/lake.yaml`` profile values from outputs.

``terraform_vars`` renders the variables of ``infra/`` (written as ``terraform.tfvars.json``,
which Terraform reads natively) from the loaded project, so bucket, database, lock-table and
Glue settings cannot drift from the pipeline's configuration; the secrets ``runtimes.secrets``
declares become the job roles' only SSM / Secrets Manager grants. With an artifact set
(``lakehouse package``) it also renders the Glue script location and job parameters exactly
as ``lakehouse submit`` would (same content-addressed keys, same ``DefaultArguments``).
``profile_from_outputs`` maps ``terraform output -json`` back into a profile. Spark-free.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlparse

from lakehouse.config.models import ZONES
from lakehouse.config.project import Project
from lakehouse.errors import ConfigError
from lakehouse.runtimes.submit.artifacts import UploadedSet, artifact_key
from lakehouse.runtimes.submit.glue import JOB_SCRIPT, job_definition, job_name
from lakehouse.runtimes.submit.manifest import ArtifactSet
from lakehouse.storage.uri import join_uri

CATALOG_ZONES = ("raw", "curated", "quarantine", "exportable")
TRIGGER_MODES = ("lambda", "worker", "stepfunctions", "none")


def _location(project: Project, what: str, uri: str | None) -> dict[str, str]:
    parsed = urlparse(uri or "")
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ConfigError(
            str(project.conf_dir / "lake.yaml"),
            [f"profile {project.lake.profile!r}: {what} is {uri!r}; "
             "Terraform needs an s3://bucket/prefix URI"],
            hint="select an AWS profile with --env (e.g. dev), whose lake.root and "
                 "runtimes.artifacts_uri are s3:// URIs")
    return {"bucket": parsed.netloc, "prefix": parsed.path.strip("/")}


def terraform_vars(project: Project, *, artifacts: ArtifactSet | None = None,
                   trigger: str = "lambda", region: str | None = None,
                   lambda_package_file: str | None = None) -> dict[str, Any]:
    """The ``infra/`` variables for the project's selected profile.

    Args:
        project: the loaded project (its profile must put the lake on S3).
        artifacts: the ``lakehouse package`` set; fills the Glue script and job parameters.
        trigger: ``lambda``, ``worker``, ``stepfunctions`` or ``none`` (see infra/README.md).
        region: AWS region (default ``runtimes.region``, then ``catalog.region``).
        lambda_package_file: zip of the trigger Lambda code (``trigger = lambda``).

    Raises:
        ConfigError: a zone or the artifacts location is not on S3, or no region is known.
    """
    lake, conf_file = project.lake, str(project.conf_dir / "lake.yaml")
    if trigger not in TRIGGER_MODES:
        raise ConfigError(conf_file, [f"trigger {trigger!r} is not one of {list(TRIGGER_MODES)}"])
    region = region or lake.runtimes.region or lake.catalog.region
    if not region:
        raise ConfigError(conf_file, [f"profile {lake.profile!r} sets no runtimes.region"],
                          hint="set runtimes.region (or pass --region)")
    zones = {z: _location(project, f"zone {z!r}", project.zone_uri(z)) for z in ZONES}
    zones["_runs"] = _location(project, "the runs folder", project.runs_uri)
    # quality suites, results (a Delta table) and data docs live beside the zones
    # (lakehouse/quality/store.py, docs.py): the jobs' roles must write there too
    zones["_quality"] = _location(project, "the quality folder",
                                  join_uri(project.lake_root, "_quality"))
    glue = lake.runtimes.glue
    out: dict[str, Any] = {
        "project": lake.project,
        "env": lake.profile,
        "region": region,
        "zones": zones,
        "artifacts": _location(project, "runtimes.artifacts_uri", lake.runtimes.artifacts_uri),
        "databases": {z: project.database(z) for z in CATALOG_ZONES},
        "lock_table": lake.tables.lock_table if lake.tables.lock != "file" else None,
        "datasets": {name: ds.source.path for name, ds in sorted(project.datasets.items())},
        # the DQDL ruleset beside each contract, deployed to Glue unchanged (modules/quality)
        "dqdl_rulesets": {name: ds.rules.dqdl.text for name, ds in sorted(project.datasets.items())
                          if ds.rules.dqdl is not None},
        "glue": {"glue_version": glue.glue_version, "worker_type": glue.worker_type,
                 "number_of_workers": glue.number_of_workers, "timeout": glue.timeout,
                 "max_retries": glue.max_retries, "max_concurrent_runs": glue.max_concurrent_runs},
        "submit_job_name": job_name(project),
        "trigger": trigger,
        "triggers": {"window_seconds": lake.triggers.window_seconds,
                     "max_receives": lake.triggers.max_receives or 5,
                     "visibility_timeout_seconds": lake.triggers.visibility_timeout_seconds},
    }
    secrets = secret_grants(lake.runtimes.secrets, lake.runtimes.secrets_kms_keys)
    if secrets:
        out["secrets"] = secrets
    if lake.triggers.idempotency.backend == "dynamodb":
        out["idempotency_table"] = lake.triggers.idempotency.table
    if lambda_package_file:
        out["lambda_package_file"] = lambda_package_file
    if artifacts is not None:
        out.update(_glue_job_inputs(project, artifacts, out["artifacts"]))
    return out


def secret_grants(secrets: dict[str, str], kms_keys: list[str]) -> dict[str, list[str]]:
    """The ``secrets`` variable: what the job roles may read for ``runtimes.secrets``.

    ``ssm:<name or ARN>`` becomes a parameter, ``secretsmanager:<id>[#json-key]`` a secret (the
    JSON key is read from the value, not a resource); ``kms_keys`` are the customer managed
    keys that encrypt them. Empty when nothing is declared (Terraform then grants nothing).
    """
    if not secrets:
        return {}
    parameters, managed = set(), set()
    for source in secrets.values():
        kind, _, ident = source.partition(":")
        if kind == "ssm":
            parameters.add(ident)
        else:
            managed.add(ident.partition("#")[0])
    return {"ssm_parameters": sorted(parameters), "secretsmanager_secrets": sorted(managed),
            "kms_key_arns": sorted(set(kms_keys))}


def _glue_job_inputs(project: Project, artifacts: ArtifactSet,
                     where: dict[str, str]) -> dict[str, Any]:
    """Script location and DefaultArguments as ``submit`` builds them for this set, with the
    ``conf/`` it uploads: resolved for the selected profile (``submit --upload-only``)."""
    import tempfile
    from pathlib import Path

    from lakehouse.runtimes.submit.manifest import CONF, Artifact, sha256_of
    from lakehouse.runtimes.submit.packaging import resolved_conf_zip

    with tempfile.TemporaryDirectory(prefix="lakehouse-vars-") as tmp:
        conf_zip = resolved_conf_zip(project.conf_dir, project.lake.profile,
                                     Path(tmp) / "conf.zip")
        conf = Artifact(role=CONF, path="conf.zip", sha256=sha256_of(conf_zip),
                        size=conf_zip.stat().st_size)
    items = [conf if a.role == CONF else a for a in artifacts.artifacts]
    uploaded = UploadedSet(artifacts=artifacts, uris={
        a.path: f"s3://{where['bucket']}/{artifact_key(where['prefix'], a)}" for a in items})
    glue = project.lake.runtimes.glue
    if not glue.role_arn:  # the role is created by Terraform; the arguments do not depend on it
        runtimes = project.lake.runtimes.model_copy(
            update={"glue": glue.model_copy(update={"role_arn": "created-by-terraform"})})
        project = dataclasses.replace(
            project, lake=project.lake.model_copy(update={"runtimes": runtimes}))
    definition = job_definition(project, uploaded)
    return {"glue_script_location": uploaded.job(JOB_SCRIPT),
            "glue_default_arguments": definition["DefaultArguments"]}


def profile_from_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    """The profile values in ``terraform output -json`` (root ``profile`` or ``lakehouse.profile``).

    Raises:
        ConfigError: the outputs hold no ``profile``.
    """
    value = {k: v.get("value") if isinstance(v, dict) and "value" in v else v
             for k, v in outputs.items()}
    profile = value.get("profile") or (value.get("lakehouse") or {}).get("profile")
    if not isinstance(profile, dict):
        raise ConfigError("terraform outputs", ["no `profile` output (root) or `lakehouse.profile`"],
                          hint="run `terraform output -json` in infra/ or infra/envs/<env>")
    return _drop_empty(profile)


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    return value
