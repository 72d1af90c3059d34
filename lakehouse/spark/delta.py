"""Detect whether a SparkSession can use delta-spark (Delta JVM classes + SQL extension)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA_CLASS = "io.delta.tables.DeltaTable"
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class DeltaSupport:
    """Whether the native (delta-spark) backend can run, and if not, why."""

    available: bool
    reason: str


def delta_support(spark: SparkSession) -> DeltaSupport:
    """Check (once per session) for the Delta JVM classes and the Delta SQL extension."""
    cached = _cache.get(spark)
    if cached is not None:
        return cached
    result = _probe(spark)
    _cache[spark] = result
    return result


def delta_available(spark: SparkSession) -> bool:
    return delta_support(spark).available


def _probe(spark: SparkSession) -> DeltaSupport:
    try:
        # spark.jars are on Spark's context class loader, not the system one Class.forName uses.
        jvm = spark._jvm  # type: ignore[union-attr]
        jvm.java.lang.Thread.currentThread().getContextClassLoader().loadClass(DELTA_CLASS)
    except Exception:
        return DeltaSupport(False, "Delta JVM classes not on the classpath "
                                   f"({DELTA_CLASS} not found; run `lakehouse jars fetch` "
                                   "locally, or Glue --datalake-formats delta)")
    extensions = spark.conf.get("spark.sql.extensions", "") or ""
    if DELTA_EXTENSION not in extensions:
        return DeltaSupport(False, f"Delta SQL extension not configured (spark.sql.extensions "
                                   f"lacks {DELTA_EXTENSION})")
    return DeltaSupport(True, "delta-spark available")


S3_LOG_STORE = "io.delta.storage.S3SingleDriverLogStore"


def delta_session_conf() -> dict[str, str]:
    """The Spark settings delta-spark needs (JARs must be provided separately).

    The S3 LogStore is delta-spark's default for ``s3``/``s3a``, named explicitly so every
    runtime states the same thing; it is safe for several processes only because the
    framework's DynamoDB lease serializes commits to a table.
    """
    return {"spark.sql.extensions": DELTA_EXTENSION,
            "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
            "spark.delta.logStore.s3.impl": S3_LOG_STORE,
            "spark.delta.logStore.s3a.impl": S3_LOG_STORE}
