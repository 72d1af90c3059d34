"""The local session's JVM compiles wide generated methods (curate's cast-and-check projection)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.spark


def test_local_jvm_jit_compiles_huge_generated_methods(spark):
    # HotSpot skips methods over 8,000 bytes unless told not to; the fused conform + aggregate
    # method of a 19-column dataset is 13-25 KB and would run interpreted (2x slower)
    args = list(spark._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments())
    assert "-XX:-DontCompileHugeMethods" in args
    assert "-Duser.timezone=UTC" in args


def test_local_spark_submit_passes_the_same_java_options(tmp_path):
    from lakehouse.runtimes.args import JobArgs
    from lakehouse.runtimes.submit.local import local_command
    from lakehouse.spark.session import LOCAL_JAVA_OPTIONS
    from lakehouse.testing.project import trips_project

    project = trips_project(tmp_path)
    cmd = local_command(project, JobArgs(), tmp_path / "job.py")
    assert cmd[cmd.index("--driver-java-options") + 1] == LOCAL_JAVA_OPTIONS
