"""The local SparkSession factory (cluster runtimes: ``lakehouse.runtimes.cluster.sessions``).

Never called at import time. Where Maven resolved the Delta and hadoop-aws JARs
(:mod:`lakehouse.spark.jars`), the session loads them, enables delta-spark and serves
``s3a://`` and ``s3://`` through S3A; otherwise it runs without them (portable Delta path).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lakehouse.spark.java import require_java
from lakehouse.storage.uri import set_spark_s3_scheme

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.models import SparkSection

# The driver JVM of a local session (it runs the tasks too). HotSpot does not JIT-compile a
# method over 8,000 bytes of bytecode, and whole-stage codegen fuses a scan, a wide projection
# (one cast and check per column) and an aggregation into one method of 13-25 KB: it then runs
# interpreted. Lifting that limit halved curate's first pass over x1 flights (10.4 s -> 5.0 s,
# docs/performance.md); Databricks' runtime ships the same flag.
LOCAL_JAVA_OPTIONS = "-Duser.timezone=UTC -XX:-DontCompileHugeMethods"


def local_session(settings: SparkSection | None = None, *, app_name: str = "lakehouse",
                  extra_conf: dict[str, str] | None = None) -> SparkSession:
    """A local SparkSession with the embedded defaults (UI off, few shuffle partitions).

    Reuses the active session if there is one (spark-submit, notebooks, tests); when that is
    a unit's child session (:mod:`lakehouse.spark.isolation`), the session it was made from.
    """
    from pyspark.sql import SparkSession

    from lakehouse.spark.isolation import root_session

    set_spark_s3_scheme("s3a")
    active = SparkSession.getActiveSession()
    if active is not None:
        return root_session(active)
    require_java()
    from lakehouse.config.models import SparkSection

    settings = settings or SparkSection()
    os.environ.setdefault("PYSPARK_PYTHON", _python())
    builder = SparkSession.builder.appName(app_name)
    if not launched_by_spark_submit():  # spark-submit's --master / --driver-memory win
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local mode: stay on loopback
        builder = (
            builder.master(os.environ.get("LAKEHOUSE_SPARK_MASTER", settings.master))
            .config("spark.driver.memory", settings.driver_memory)
        )
    builder = (
        builder.config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        # delta-spark's VACUUM lists files with this many tasks (default 10,000): on a local
        # master that alone took ~100 s per vacuum of a one-file table; ~12 s with this
        .config("spark.sql.sources.parallelPartitionDiscovery.parallelism",
                str(settings.shuffle_partitions))
        # delta-spark rebuilds a snapshot's file list in 50 tasks (default), a 51-task job
        # of 0.5-2.5 s on 2 cores before every read of a table; as many as shuffles here
        .config("spark.databricks.delta.snapshotPartitions", str(settings.shuffle_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.driver.extraJavaOptions", LOCAL_JAVA_OPTIONS)
    )
    for key, value in jvm_packages_conf(spark_submit=launched_by_spark_submit()).items():
        builder = builder.config(key, value)
    for key, value in {**settings.conf, **(extra_conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def jvm_packages_conf(*, spark_submit: bool = False) -> dict[str, str]:
    """Spark settings that load the resolved Delta + S3A JARs (empty when unavailable).

    Under ``spark-submit`` the JVM already runs: the JARs must come from its ``--jars``
    (see :func:`spark_submit_args`), so only the SQL and Hadoop settings are returned.
    """
    from lakehouse.spark.delta import delta_session_conf
    from lakehouse.spark.jars import resolve
    from lakehouse.spark.s3 import env_endpoint, s3a_conf

    resolution = resolve()
    if not resolution.available:
        return {}
    conf = {**delta_session_conf(),
            **{f"spark.hadoop.{k}": v for k, v in s3a_conf(env_endpoint()).items()}}
    if not spark_submit:
        conf["spark.jars"] = ",".join(resolution.jars)
    return conf


def spark_submit_args() -> list[str]:
    """``--jars`` and ``--conf`` arguments that give a local ``spark-submit`` the same JARs."""
    from lakehouse.spark.jars import resolve

    resolution = resolve()
    if not resolution.available:
        return []
    args = ["--jars", ",".join(resolution.jars)]
    for key, value in jvm_packages_conf(spark_submit=True).items():
        args += ["--conf", f"{key}={value}"]
    return args


def launched_by_spark_submit() -> bool:
    """True inside a Python driver started by ``spark-submit`` (it hands us its JVM gateway)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def _python() -> str:
    import sys

    return sys.executable
