"""The driver's heap, which bounds how many units a run executes at once (pipeline/schedule.py)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
_UNITS = {"": 1024 ** 2, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4,
          "p": 1024 ** 5}


def driver_heap_bytes(spark: SparkSession) -> int | None:
    """The driver JVM's max heap (``Runtime.maxMemory``), else ``spark.driver.memory``.

    None when neither is known (a Spark Connect session without the setting).
    """
    try:
        runtime = spark.sparkContext._jvm.java.lang.Runtime.getRuntime()  # type: ignore[union-attr]
        return int(runtime.maxMemory())
    except Exception as exc:  # no py4j gateway (Spark Connect): fall back to the setting
        log.debug("driver heap from the JVM unavailable (%s)", exc)
    try:
        return parse_memory(spark.conf.get("spark.driver.memory", None))
    except Exception:
        return None


def parse_memory(text: str | None) -> int | None:
    """A JVM memory string as Spark reads ``spark.driver.memory`` (``2g``, ``512m``, a
    plain number is MiB) in bytes; None when empty or not such a string."""
    found = re.fullmatch(r"\s*(\d+)\s*([bkmgtp]?)b?\s*", (text or "").lower())
    if not found:
        return None
    return int(found.group(1)) * _UNITS[found.group(2)]
