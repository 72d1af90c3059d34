"""A small local SparkSession for tests (``local[2]``, 2 shuffle partitions, UI off)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_session(warehouse: str) -> SparkSession:
    """Build (or reuse) the test session with its warehouse under ``warehouse``."""
    from lakehouse.config.models import SparkSection
    from lakehouse.spark.session import LOCAL_JAVA_OPTIONS, local_session

    settings = SparkSection(master="local[2]", shuffle_partitions=2, driver_memory="2g")
    return local_session(
        settings,
        app_name="lakehouse-tests",
        extra_conf={
            "spark.sql.warehouse.dir": warehouse,
            "spark.default.parallelism": "2",
            "spark.sql.adaptive.enabled": "false",
            "spark.driver.extraJavaOptions":
                f"{LOCAL_JAVA_OPTIONS} -Dderby.system.home={warehouse}",
        },
    )
