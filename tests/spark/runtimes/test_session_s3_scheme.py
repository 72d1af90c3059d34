"""Each runtime's session factory chooses how Spark spells S3: s3a locally, s3 on Glue/EMR."""

from __future__ import annotations

import sys
import types

import pytest

from lakehouse.storage.uri import set_spark_s3_scheme, spark_path, spark_s3_scheme
from lakehouse.tables.fs import hadoop_path

pytestmark = pytest.mark.spark


@pytest.fixture(autouse=True)
def _restore_scheme():
    yield
    set_spark_s3_scheme("s3a")


def test_local_session_uses_s3a_and_maps_s3(spark):
    from lakehouse.spark.session import local_session

    set_spark_s3_scheme("s3")
    assert local_session() is spark
    assert spark_s3_scheme() == "s3a"
    assert spark_path("s3://bucket/lake/raw/a%20b") == "s3a://bucket/lake/raw/a b"
    assert hadoop_path("s3://bucket/t") == "s3a://bucket/t"
    assert hadoop_path("file:///tmp/x%20y") == "file:/tmp/x y"


def test_emr_session_uses_emrfs_s3(spark):
    from lakehouse.runtimes.args import JobArgs
    from lakehouse.runtimes.cluster.sessions import session_for

    session, job = session_for("emr-serverless", JobArgs())
    assert session is spark and job is None
    assert spark_s3_scheme() == "s3"
    assert spark_path("s3a://bucket/lake/t") == "s3://bucket/lake/t"
    assert hadoop_path("s3://bucket/t") == "s3://bucket/t"


def test_glue_session_uses_s3(spark, monkeypatch):
    """Glue's own ``awsglue`` is not on PyPI: a minimal stand-in gives the job's SparkContext."""
    from lakehouse.runtimes.args import JobArgs
    from lakehouse.runtimes.cluster.sessions import session_for

    context = types.ModuleType("awsglue.context")
    job = types.ModuleType("awsglue.job")

    class GlueContext:
        def __init__(self, sc):
            self.spark_session = spark

    class Job:
        def __init__(self, ctx):
            self.ctx = ctx

        def init(self, name, args):
            self.name = name

    context.GlueContext, job.Job = GlueContext, Job
    monkeypatch.setitem(sys.modules, "awsglue", types.ModuleType("awsglue"))
    monkeypatch.setitem(sys.modules, "awsglue.context", context)
    monkeypatch.setitem(sys.modules, "awsglue.job", job)
    session, handle = session_for("glue", JobArgs(job_name="j"))
    assert session is spark and handle is not None
    assert spark_s3_scheme() == "s3"
