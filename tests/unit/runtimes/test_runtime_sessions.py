"""Which session factory a job uses, and the Spark settings each cluster target passes."""

from __future__ import annotations

import sys

from lakehouse.runtimes.cluster.sessions import detect_runtime
from lakehouse.runtimes.sparkconf import EMR_CONF, glue_conf_value, submit_args, venv_conf


def test_runtime_is_named_by_the_submitter_else_detected(tmp_path, monkeypatch):
    assert detect_runtime("emr-serverless") == "emr-serverless"
    monkeypatch.delitem(sys.modules, "awsglue", raising=False)
    monkeypatch.delitem(sys.modules, "awsglue.context", raising=False)
    assert detect_runtime(None) == "local"
    pkg = tmp_path / "awsglue"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "context.py").write_text("class GlueContext: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert detect_runtime(None) == "glue"
    monkeypatch.delitem(sys.modules, "awsglue", raising=False)
    monkeypatch.delitem(sys.modules, "awsglue.context", raising=False)


def test_spellings_of_the_spark_settings():
    conf = {"spark.a": "1", "spark.b": "x=y"}
    assert submit_args(conf) == ["--conf", "spark.a=1", "--conf", "spark.b=x=y"]
    assert glue_conf_value(conf) == "spark.a=1 --conf spark.b=x=y"
    assert EMR_CONF["spark.hadoop.hive.metastore.client.factory.class"] == \
        "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory"
    yarn = venv_conf("s3://b/deps.tar.gz", serverless=False)
    serverless = venv_conf("s3://b/deps.tar.gz", serverless=True)
    assert yarn["spark.archives"] == serverless["spark.archives"] == "s3://b/deps.tar.gz#environment"
    assert yarn["spark.yarn.appMasterEnv.PYSPARK_PYTHON"] == "./environment/bin/python"
    assert serverless["spark.emr-serverless.driverEnv.PYSPARK_PYTHON"] == "./environment/bin/python"
    assert serverless["spark.executorEnv.PYSPARK_PYTHON"] == "./environment/bin/python"
