"""Hadoop S3A settings for a local Spark (``s3a://``, and ``s3://`` mapped to S3A as on EMR/Glue).

On Glue and EMR the platform's ``s3://`` (EMRFS, with the S3-optimized committer) is used and
nothing here applies. Locally, and against a moto server, hadoop-aws's S3A serves both
schemes; credentials come from S3A's default provider chain (environment, profile, instance
role), never from configuration.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

S3A = "org.apache.hadoop.fs.s3a.S3AFileSystem"


def s3a_conf(endpoint: str | None = None, region: str | None = None) -> dict[str, str]:
    """Hadoop settings (without the ``spark.hadoop.`` prefix) for S3A.

    Args:
        endpoint: an S3-compatible endpoint (``http://127.0.0.1:PORT`` for moto); path-style
            access is used, and plain HTTP when the endpoint says so.
        region: the signing region (default ``AWS_REGION`` / ``AWS_DEFAULT_REGION``).
    """
    conf = {
        "fs.s3.impl": S3A,                      # s3:// as EMR/Glue users write it
        "fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
        "fs.s3a.fast.upload.buffer": "bytebuffer",
    }
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        conf["fs.s3a.endpoint.region"] = region
    if endpoint:
        conf.update({
            "fs.s3a.endpoint": endpoint,
            "fs.s3a.path.style.access": "true",
            "fs.s3a.connection.ssl.enabled": str(endpoint.startswith("https://")).lower(),
            "fs.s3a.change.detection.version.required": "false",
        })
    return conf


def env_endpoint() -> str | None:
    """The S3 endpoint override from the environment (as boto3 and delta-rs read it)."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


def configure_s3a(spark: SparkSession, endpoint: str | None = None,
                  region: str | None = None, *, credentials_from_env: bool = False) -> None:
    """Apply :func:`s3a_conf` to a running session (buckets opened afterwards use it).

    A JVM reads its environment once, at start: ``credentials_from_env`` copies the AWS
    credentials this Python process has *now* into the session's in-memory Hadoop settings
    (tests that start a moto server after Spark). Nothing is written anywhere.
    """
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[union-attr]
    conf = s3a_conf(endpoint, region)
    if credentials_from_env and os.environ.get("AWS_ACCESS_KEY_ID"):
        conf["fs.s3a.access.key"] = os.environ["AWS_ACCESS_KEY_ID"]
        conf["fs.s3a.secret.key"] = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        provider = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        if os.environ.get("AWS_SESSION_TOKEN"):
            conf["fs.s3a.session.token"] = os.environ["AWS_SESSION_TOKEN"]
            provider = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
        conf["fs.s3a.aws.credentials.provider"] = provider
    for key, value in conf.items():
        hadoop.set(key, value)
