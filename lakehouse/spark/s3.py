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
# The AWS SDK's system-property credential providers: v1 for hadoop-aws 3.3 (Spark 3.5),
# v2 for hadoop-aws 3.4 (Spark 4).
SYSTEM_PROPERTIES_PROVIDER = {
    3: "com.amazonaws.auth.SystemPropertiesCredentialsProvider",
    4: "software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider",
}


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

    A JVM reads its environment once, at start: ``credentials_from_env`` hands the AWS
    credentials this Python process has *now* to the running JVM (tests that start a moto
    server after Spark). They go into the JVM's system properties (``aws.accessKeyId``,
    ``aws.secretKey``, ``aws.sessionToken``), read on every request by the AWS SDK's
    ``SystemPropertiesCredentialsProvider``. Nothing is written anywhere.

    Not S3A's ``TemporaryAWSCredentialsProvider``: in hadoop-aws 3.3.4 its lazy
    initialisation is not thread-safe. When several threads make the first requests of a
    new bucket's filesystem at once (Spark globs a list of paths in parallel), the losers
    see "has no credentials" (reproduced: 2 reads in 10 on fresh buckets).
    """
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[union-attr]
    conf = s3a_conf(endpoint, region)
    if credentials_from_env and os.environ.get("AWS_ACCESS_KEY_ID"):
        system = spark.sparkContext._jvm.java.lang.System  # type: ignore[union-attr]
        system.setProperty("aws.accessKeyId", os.environ["AWS_ACCESS_KEY_ID"])
        secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        system.setProperty("aws.secretKey", secret)        # SDK v1's name
        system.setProperty("aws.secretAccessKey", secret)  # SDK v2's name
        if os.environ.get("AWS_SESSION_TOKEN"):
            system.setProperty("aws.sessionToken", os.environ["AWS_SESSION_TOKEN"])
        else:
            system.clearProperty("aws.sessionToken")
        major = min(int(spark.version.split(".")[0]), 4)
        conf["fs.s3a.aws.credentials.provider"] = SYSTEM_PROPERTIES_PROVIDER[major]
    for key, value in conf.items():
        hadoop.set(key, value)
