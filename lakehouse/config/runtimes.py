"""Runtime profile settings (Glue, EMR on EC2, EMR Serverless). Spark-free.

Role ARNs, cluster and application ids are account values that belong in a profile of
``conf/lake.yaml``; secrets are only ever ``${env:VAR}`` references.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GlueVersion = Literal["5.0", "5.1", "6.0", "6.1"]
# Glue's WorkerType enum (botocore's service model), split by what a Spark ETL job (`glueetl`,
# Glue 5.0 and later: every version this project targets) may use. moto accepts any string.
GLUE_SPARK_WORKER_TYPES = ("G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X",
                           "R.1X", "R.2X", "R.4X", "R.8X")
# The arm64 (Graviton) variant of each Spark type, in botocore's model from 1.44.18 on.
GLUE_GRAVITON_WORKER_TYPES = tuple(f"{worker}.GRAVITON" for worker in GLUE_SPARK_WORKER_TYPES)
GLUE_WORKER_TYPES = GLUE_SPARK_WORKER_TYPES + GLUE_GRAVITON_WORKER_TYPES
# Types in the enum that a Spark ETL job cannot use, and why (the WorkerType documentation).
GLUE_OTHER_WORKER_TYPES = {
    "Standard": "the worker type of Glue 0.9/1.0 jobs; use G.1X",
    "G.025X": "for streaming jobs only (gluestreaming)",
    "Z.2X": "for Ray jobs only",
}
# The Spark major version each Glue version runs: what cluster requirements are keyed on.
GLUE_SPARK_MAJOR: dict[str, int] = {"5.0": 3, "5.1": 3, "6.0": 4, "6.1": 4}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_s3(value: str | None) -> str | None:
    if value is not None and not value.startswith("s3://"):
        raise ValueError(f"must be an s3:// URI, got {value!r}")
    return value.rstrip("/") if value else value


class GlueSettings(_Strict):
    """An AWS Glue Spark job (``glueetl``) that runs ``jobs/run_pipeline.py``."""

    role_arn: str | None = None
    glue_version: GlueVersion = "5.1"
    worker_type: str = "G.1X"
    number_of_workers: int = Field(default=2, ge=2)
    job_name: str | None = None
    timeout: int = Field(default=60, ge=1, description="minutes")
    max_retries: int = Field(default=0, ge=0)
    max_concurrent_runs: int = Field(default=3, ge=1)
    default_arguments: dict[str, str] = Field(default_factory=dict)
    spark_conf: dict[str, str] = Field(default_factory=dict)

    @field_validator("worker_type")
    @classmethod
    def _known_worker(cls, value: str) -> str:
        if value in GLUE_OTHER_WORKER_TYPES:
            raise ValueError(f"Glue worker type {value!r} is {GLUE_OTHER_WORKER_TYPES[value]}: "
                             f"a Spark ETL job takes one of {', '.join(GLUE_WORKER_TYPES)}")
        if value not in GLUE_WORKER_TYPES:
            close = get_close_matches(value, GLUE_WORKER_TYPES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown Glue worker type {value!r}{hint}; "
                             f"expected one of {', '.join(GLUE_WORKER_TYPES)}")
        return value

    @property
    def spark_major(self) -> int:
        """The Spark major version of this Glue version (3 for 5.x, 4 for 6.x)."""
        return GLUE_SPARK_MAJOR[self.glue_version]


class EmrSettings(_Strict):
    """An existing EMR on EC2 cluster that receives ``spark-submit`` steps."""

    cluster_id: str | None = None
    action_on_failure: Literal["CONTINUE", "CANCEL_AND_WAIT"] = "CONTINUE"
    deploy_mode: Literal["cluster", "client"] = "cluster"
    use_deps_archive: bool = True
    spark_conf: dict[str, str] = Field(default_factory=dict)


class EmrServerlessSettings(_Strict):
    """An EMR Serverless Spark application and the role its job runs assume."""

    application_id: str | None = None
    execution_role_arn: str | None = None
    logs_uri: str | None = None
    execution_timeout_minutes: int = Field(default=60, ge=5)
    spark_conf: dict[str, str] = Field(default_factory=dict)

    @field_validator("logs_uri")
    @classmethod
    def _logs_s3(cls, value: str | None) -> str | None:
        return _check_s3(value)


SECRET_SOURCES = ("ssm:", "secretsmanager:")


class RuntimesSection(_Strict):
    """Account-specific values for cluster targets; secrets only as ``${env:VAR}``.

    ``endpoint_url`` points every AWS client at another endpoint (tests use a moto server);
    ``LAKEHOUSE_AWS_ENDPOINT_URL`` overrides it. ``secrets`` maps an environment variable
    the job needs to where the cluster reads it: ``ssm:<parameter name or ARN>`` or
    ``secretsmanager:<secret id or ARN>[#json-key]``. ``lakehouse submit`` ships a
    ``${env:VAR}`` of such a variable as the reference, never its value, and the job sets
    the variable from that source before it loads ``conf/``. ``secrets_kms_keys`` lists the
    customer managed keys (key ARNs) that encrypt them, for ``lakehouse infra vars`` to grant
    ``kms:Decrypt`` through SSM / Secrets Manager (none is needed under ``aws/ssm`` or
    ``aws/secretsmanager``).
    """

    region: str | None = None
    secrets: dict[str, str] = Field(default_factory=dict)
    secrets_kms_keys: list[str] = Field(default_factory=list)
    artifacts_uri: str | None = None
    endpoint_url: str | None = None
    poll_seconds: float = Field(default=15.0, gt=0)
    glue: GlueSettings = Field(default_factory=GlueSettings)
    emr: EmrSettings = Field(default_factory=EmrSettings)
    emr_serverless: EmrServerlessSettings = Field(default_factory=EmrServerlessSettings)

    @field_validator("artifacts_uri")
    @classmethod
    def _artifacts_s3(cls, value: str | None) -> str | None:
        return _check_s3(value)

    @field_validator("secrets")
    @classmethod
    def _secret_sources(cls, value: dict[str, str]) -> dict[str, str]:
        for var, source in value.items():
            if not source.startswith(SECRET_SOURCES) or source.endswith(":"):
                raise ValueError(f"secrets.{var}: {source!r} must be ssm:<parameter> or "
                                 "secretsmanager:<secret id>[#json-key]")
        return value

    @field_validator("secrets_kms_keys")
    @classmethod
    def _key_arns(cls, value: list[str]) -> list[str]:
        # IAM authorizes kms:Decrypt on the key's ARN: an alias or a bare key id grants nothing
        for i, arn in enumerate(value):
            parts = arn.split(":", 5)
            if len(parts) != 6 or parts[0] != "arn" or parts[2] != "kms" \
                    or not parts[5].startswith("key/"):
                raise ValueError(f"secrets_kms_keys[{i}]: {arn!r} must be a KMS key ARN "
                                 "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not an alias or id")
        return value
