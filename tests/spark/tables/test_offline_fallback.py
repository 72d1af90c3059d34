"""Without the Delta/S3 JARs (no Maven, no registry, or LAKEHOUSE_JARS=off) everything runs on
the portable path, and the session says so once. A separate process: the JVM of the shared
test session already has the JARs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark
REPO = Path(__file__).resolve().parents[3]

SCRIPT = """
import sys
from lakehouse.config.models import SparkSection
from lakehouse.errors import TableError
from lakehouse.spark.session import local_session
from lakehouse.tables import open_table

spark = local_session(SparkSection(master="local[1]", shuffle_partitions=1, driver_memory="512m"))
local_session()  # a second call must not warn again
table = open_table(spark, sys.argv[1])
table.append(spark.createDataFrame([(1, "a")], "id long, name string"))
try:
    open_table(spark, sys.argv[1], backend="native")
except TableError as exc:
    print("NATIVE-REFUSED", str(exc).splitlines()[0])
print("BACKEND", table.backend, "ROWS", table.read().count())
"""


def test_without_jars_the_portable_path_runs_and_says_so_once(tmp_path):
    from deltalake import DeltaTable

    env = {**os.environ, "LAKEHOUSE_JARS": "off", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "t")], env=env,
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "BACKEND portable ROWS 1" in done.stdout
    assert "NATIVE-REFUSED" in done.stdout and "Delta JVM classes not on the classpath" in done.stdout
    assert done.stderr.count("Delta/S3 JARs unavailable: disabled by LAKEHOUSE_JARS=off") == 1
    assert DeltaTable(str(tmp_path / "t")).version() == 0
