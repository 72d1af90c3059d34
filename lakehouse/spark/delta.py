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
        spark._jvm.java.lang.Class.forName(DELTA_CLASS)  # type: ignore[union-attr]
    except Exception:
        return DeltaSupport(False, "Delta JVM classes not on the classpath "
                                   f"({DELTA_CLASS} not found; add delta-spark JARs, e.g. "
                                   "Glue --datalake-formats delta)")
    extensions = spark.conf.get("spark.sql.extensions", "") or ""
    if DELTA_EXTENSION not in extensions:
        return DeltaSupport(False, f"Delta SQL extension not configured (spark.sql.extensions "
                                   f"lacks {DELTA_EXTENSION})")
    return DeltaSupport(True, "delta-spark available")


def delta_session_conf() -> dict[str, str]:
    """The Spark settings delta-spark needs (JARs must be provided separately)."""
    return {"spark.sql.extensions": DELTA_EXTENSION,
            "spark.sql.catalog.spark_catalog": DELTA_CATALOG}
