"""Spark settings every cluster target passes, and their spellings per service."""

from __future__ import annotations

from collections.abc import Mapping

GLUE_CATALOG_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
DELTA_CONF: dict[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}
# EMR 7.x ships Delta here; it is on the classpath only when asked for.
EMR_DELTA_JARS = "/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar"
EMR_CONF: dict[str, str] = {
    "spark.jars": EMR_DELTA_JARS,
    **DELTA_CONF,
    "spark.hadoop.hive.metastore.client.factory.class": GLUE_CATALOG_FACTORY,
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
}
VENV_PYTHON = "./environment/bin/python"


def venv_conf(archive_uri: str, *, serverless: bool) -> dict[str, str]:
    """Ship the packed venv with ``spark.archives`` and run Python from it."""
    driver_env = "spark.emr-serverless.driverEnv" if serverless else "spark.yarn.appMasterEnv"
    return {
        "spark.archives": f"{archive_uri}#environment",
        f"{driver_env}.PYSPARK_DRIVER_PYTHON": VENV_PYTHON,
        f"{driver_env}.PYSPARK_PYTHON": VENV_PYTHON,
        "spark.executorEnv.PYSPARK_PYTHON": VENV_PYTHON,
    }


def submit_args(conf: Mapping[str, str]) -> list[str]:
    """``["--conf", "k=v", ...]`` for spark-submit."""
    return [arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")]


def glue_conf_value(conf: Mapping[str, str]) -> str:
    """Glue's single ``--conf`` job parameter: ``k=v --conf k2=v2 ...``."""
    return " --conf ".join(f"{key}={value}" for key, value in conf.items())
