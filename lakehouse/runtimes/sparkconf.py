"""Spark settings every cluster target passes, and their spellings per service."""

from __future__ import annotations

from collections.abc import Mapping

from lakehouse.spark.delta import delta_session_conf

GLUE_CATALOG_FACTORY = "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
# The same Delta settings the local session uses (lakehouse.spark.delta), proven by its tests.
DELTA_CONF: dict[str, str] = delta_session_conf()
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
# How Spark spells S3 per runtime: Glue and EMR (before 7.10, and still recommended after)
# support s3:// (EMRFS / Glue's connector, S3-optimized committer), not hadoop-aws's s3a://.
RUNTIME_S3_SCHEME: dict[str, str] = {"local": "s3a", "glue": "s3", "emr": "s3",
                                     "emr-serverless": "s3", "spark-cluster": "s3a"}
# HotSpot does not JIT-compile methods over 8,000 bytes of bytecode; whole-stage codegen makes
# curate's projection one such method (docs/performance.md). Local sessions start with it.
JIT_JAVA_OPTION = "-XX:-DontCompileHugeMethods"
JAVA_OPTION_KEYS = ("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")


def with_java_option(conf: Mapping[str, str], option: str = JIT_JAVA_OPTION) -> dict[str, str]:
    """``conf`` with ``option`` appended to the driver's and executors' ``extraJavaOptions``.

    EMR puts its own JVM flags (GC, ``OnOutOfMemoryError``) in ``spark.{driver,executor}.
    defaultJavaOptions``, which Spark prepends to ``extraJavaOptions``: setting the extra
    options adds to the cluster's defaults instead of replacing them. A value the profile's
    ``spark_conf`` sets is kept and the option appended to it.
    """
    out = dict(conf)
    for key in JAVA_OPTION_KEYS:
        current = out.get(key, "")
        if option not in current.split():
            out[key] = f"{current} {option}".strip()
    return out


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
