"""S3-arrival trigger settings (``triggers:`` in ``conf/lake.yaml``). Spark-free.

Example::

    triggers:
      window_seconds: 60                  # arrivals for one dataset within 60 s -> one run
      source_uri: s3://acme-landing/in    # the bucket/prefix whose events feed the landing zone
      dispatch: local                     # local | glue | emr-serverless
      package_dir: dist                   # prebuilt `lakehouse package` output (glue/emr)
      queue_url: ${env:LAKEHOUSE_QUEUE_URL}
      dlq_url: ${env:LAKEHOUSE_DLQ_URL}
      max_receives: 5
      idempotency: {backend: dynamodb, table: lakehouse-events}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdempotencySection(_Strict):
    """Where processed object versions are remembered.

    ``local`` is an SQLite file (default ``{lake root}/_state/events.sqlite`` for a local lake,
    else ``{project}/.lakehouse/events.sqlite``); ``dynamodb`` uses conditional writes on
    ``table`` (partition key ``pk``, string; TTL attribute ``expires_at``).
    A ``listen`` worker's claims are leases of ``lease_seconds``, renewed by its heartbeat, so
    a dead worker blocks a redelivery for at most that long; the Lambda handler has no
    heartbeat and claims for ``in_progress_seconds`` (keep it above the function timeout).
    """

    backend: Literal["local", "dynamodb"] = "local"
    path: str | None = None
    table: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    in_progress_seconds: float = Field(default=600.0, gt=0)   # claims without a heartbeat (Lambda)
    lease_seconds: float = Field(default=60.0, ge=3)          # listen worker: renewed every third
    ttl_days: float = Field(default=90.0, gt=0)

    @model_validator(mode="after")
    def _table_for_dynamodb(self) -> IdempotencySection:
        if self.backend == "dynamodb" and not self.table:
            raise ValueError("backend 'dynamodb' needs 'table' (the DynamoDB table name)")
        return self


class TriggersSection(_Strict):
    """How S3 arrivals become runs: routing, batching, dispatch and dead-lettering."""

    window_seconds: float = Field(default=60.0, ge=0)
    max_batch_objects: int = Field(default=1000, ge=1)
    source_uri: str | None = None
    dispatch: Literal["local", "glue", "emr-serverless"] = "local"
    package_dir: str | None = None
    queue_url: str | None = None
    dlq_url: str | None = None
    max_receives: int | None = Field(default=None, ge=1)
    unrouted: Literal["report", "dead_letter"] = "report"
    wait_seconds: int = Field(default=20, ge=0, le=20)
    visibility_timeout_seconds: int = Field(default=300, ge=1, le=43200)
    retry_backoff_seconds: int = Field(default=30, ge=0, le=43200)
    region: str | None = None
    endpoint_url: str | None = None
    idempotency: IdempotencySection = Field(default_factory=IdempotencySection)

    @model_validator(mode="after")
    def _source_is_s3(self) -> TriggersSection:
        if self.source_uri and not self.source_uri.startswith("s3://"):
            raise ValueError(
                f"source_uri must be an s3://bucket/prefix URI, got {self.source_uri!r}")
        return self
