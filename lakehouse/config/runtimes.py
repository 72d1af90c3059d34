"""Runtime profile settings (Glue, EMR on EC2, EMR Serverless). Spark-free.

Role ARNs, cluster and application ids are account values that belong in a profile of
``conf/lake.yaml``; secrets are only ever ``${env:VAR}`` references.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GlueVersion = Literal["5.1", "6.0"]


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


class RuntimesSection(_Strict):
    """Account-specific values for cluster targets; secrets only as ``${env:VAR}``.

    ``endpoint_url`` points every AWS client at another endpoint (tests use a moto server);
    ``LAKEHOUSE_AWS_ENDPOINT_URL`` overrides it.
    """

    region: str | None = None
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
