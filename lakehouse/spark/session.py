"""The only place that builds SparkSessions. Never called at import time."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lakehouse.spark.java import require_java

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.models import SparkSection


def local_session(settings: SparkSection | None = None, *, app_name: str = "lakehouse",
                  extra_conf: dict[str, str] | None = None) -> SparkSession:
    """A local SparkSession with the embedded defaults (UI off, few shuffle partitions).

    Reuses the active session if there is one (spark-submit, notebooks, tests).
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
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
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
    )
    for key, value in {**settings.conf, **(extra_conf or {})}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def launched_by_spark_submit() -> bool:
    """True inside a Python driver started by ``spark-submit`` (it hands us its JVM gateway)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def _python() -> str:
    import sys

    return sys.executable
