"""The JVM packages for local Spark follow what is installed; failures are clear, not fatal."""

from __future__ import annotations

from importlib import metadata

import pytest

from lakehouse.errors import EnvironmentProblem
from lakehouse.spark import jars


def test_coordinates_follow_the_installed_pyspark_and_delta():
    import pyspark

    jar_set = jars.installed_jar_set()
    assert jar_set.spark == pyspark.__version__
    assert jar_set.delta == metadata.version("delta-spark")
    scala = "2.12" if pyspark.__version__.startswith("3.") else "2.13"
    assert jar_set.coordinates[0] == f"io.delta:delta-spark_{scala}:{jar_set.delta}"
    assert jar_set.coordinates[1] == f"org.apache.hadoop:hadoop-aws:{jar_set.hadoop}"
    if pyspark.__version__ == "3.5.6":
        assert jar_set.hadoop == "3.3.4"   # PySpark 3.5.6's Hadoop, which hadoop-aws must match
    pom = jars._pom(jar_set)
    assert "<artifactId>hadoop-aws</artifactId>" in pom and "org.apache.spark" in pom


def test_a_stale_cache_is_not_used(tmp_path):
    jar_set = jars.JarSet(spark="9.9", scala="2.13", hadoop="9.9.9", delta="9.9.9")
    assert jars.cached(jar_set, tmp_path) is None
    (tmp_path / f"{jar_set.key}.classpath").write_text(str(tmp_path / "gone.jar"))
    assert jars.cached(jar_set, tmp_path) is None
    real = tmp_path / "x.jar"
    real.write_bytes(b"")
    (tmp_path / f"{jar_set.key}.classpath").write_text(str(real))
    assert jars.cached(jar_set, tmp_path) == (str(real),)


def test_without_maven_fetch_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvironmentProblem, match="Maven") as info:
        jars.fetch(jars.installed_jar_set(), tmp_path)
    assert "LAKEHOUSE_JARS=off" in str(info.value)


def test_pyspark_provided_artifacts_are_dropped():
    assert jars._artifact_id("jackson-databind-2.13.5.jar") == "jackson-databind"
    assert jars._artifact_id("wildfly-openssl-2.1.4.Final.jar") == "wildfly-openssl"
    assert {"jackson-databind", "hadoop-client-api", "scala-library"} <= jars._pyspark_artifacts()
