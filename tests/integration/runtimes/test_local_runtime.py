"""``spark-submit jobs/run_pipeline.py`` and ``lakehouse submit --target local`` run real stages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from runtime_helpers import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.slow]
SPARK_SUBMIT = Path(sys.executable).parent / "spark-submit"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    return {**env, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}


def _rows(table: Path) -> int:
    from lakehouse.testing.delta import read_delta

    return read_delta(str(table)).num_rows


@pytest.mark.skipif(not SPARK_SUBMIT.is_file(), reason=f"no spark-submit at {SPARK_SUBMIT}")
def test_spark_submit_job_then_cli_local_target(tiny_project):
    from lakehouse.sample import write_nycflights13

    landing = (tiny_project / ".lake" / "landing").as_uri()  # the real sample, 40 rows a file
    written = dict(write_nycflights13(landing, months=[1], max_rows_per_file=40))
    assert written["airports/airports.csv"] == 40
    job = REPO_ROOT / "jobs" / "run_pipeline.py"
    done = subprocess.run(
        [str(SPARK_SUBMIT), "--master", "local[1]", "--driver-memory", "1g", str(job),
         "--JOB_NAME", "local-test", "--dataset", "airports", "--stage", "ingest",
         "--conf-uri", str(tiny_project / "conf")],
        cwd=tiny_project, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "airports  ingest  succeeded" in done.stdout
    assert _rows(tiny_project / ".lake" / "raw" / "airports") == 40

    # the CLI's local target runs the same job script through spark-submit
    cli = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "submit", "--target", "local",
         "--dataset", "airports", "--stage", "curate"],
        cwd=tiny_project, env={**_env(), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stdout[-3000:] + cli.stderr[-3000:]
    assert "local run pid-" in cli.stdout and ": SUCCEEDED" in cli.stdout
    assert _rows(tiny_project / ".lake" / "curated" / "airports") == 40


@pytest.mark.skipif(not SPARK_SUBMIT.is_file(), reason=f"no spark-submit at {SPARK_SUBMIT}")
def test_cli_local_target_failure_exits_non_zero_with_reason(tiny_project):
    # spark-submit itself fails (no Java there): fast, and a real non-zero exit
    env = {**_env(), "PYTHONPATH": str(REPO_ROOT), "JAVA_HOME": "/nonexistent-java"}
    cli = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "submit", "--target", "local",
         "--dataset", "airports", "--stage", "ingest"],
        cwd=tiny_project, env=env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 1, cli.stdout[-2000:] + cli.stderr[-2000:]
    assert "error: local run pid-" in cli.stderr and "ended EXIT " in cli.stderr
    assert "/nonexistent-java/bin/java" in cli.stderr  # the reason: spark-submit's own words


_EMR_PROBE = """
import json
from lakehouse.runtimes.cluster.sessions import emr_session
spark = emr_session(app_name="probe")
conf = spark.sparkContext.getConf()
keys = ["spark.sql.session.timeZone", "spark.sql.extensions", "spark.jars",
        "spark.hadoop.hive.metastore.client.factory.class", "spark.sql.catalogImplementation"]
print("PROBE " + json.dumps({k: conf.get(k, None) for k in keys}))
spark.stop()
"""


@pytest.mark.skipif(not SPARK_SUBMIT.is_file(), reason=f"no spark-submit at {SPARK_SUBMIT}")
def test_emr_session_fills_defaults_but_spark_submit_settings_win(tmp_path):
    import json

    probe = tmp_path / "probe.py"
    probe.write_text(_EMR_PROBE)
    done = subprocess.run(
        [str(SPARK_SUBMIT), "--master", "local[1]", "--driver-memory", "512m",
         "--conf", "spark.sql.session.timeZone=America/New_York", "--conf", "spark.jars=",
         str(probe)], cwd=tmp_path, env={**_env(), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    conf = json.loads(line[len("PROBE "):])
    assert conf["spark.sql.session.timeZone"] == "America/New_York"  # submitted wins
    assert conf["spark.jars"] in ("", None)  # not replaced by the EMR Delta jar paths
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.hadoop.hive.metastore.client.factory.class"].endswith(
        "AWSGlueDataCatalogHiveClientFactory")
    assert conf["spark.sql.catalogImplementation"] == "hive"
