"""``spark-submit jobs/run_pipeline.py`` and ``lakehouse submit --target local`` run real stages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.spark, pytest.mark.slow]
SPARK_SUBMIT = Path(sys.executable).parent / "spark-submit"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    return {**env, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}


def _rows(table: Path) -> int:
    from deltalake import DeltaTable

    return DeltaTable(str(table)).to_pyarrow_table().num_rows


@pytest.mark.skipif(not SPARK_SUBMIT.is_file(), reason=f"no spark-submit at {SPARK_SUBMIT}")
def test_spark_submit_job_then_cli_local_target(tiny_project):
    job = REPO_ROOT / "jobs" / "run_pipeline.py"
    done = subprocess.run(
        [str(SPARK_SUBMIT), "--master", "local[1]", "--driver-memory", "1g", str(job),
         "--JOB_NAME", "local-test", "--dataset", "airports", "--stage", "ingest",
         "--conf-uri", str(tiny_project / "conf")],
        cwd=tiny_project, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "airports  ingest  succeeded" in done.stdout
    assert _rows(tiny_project / ".lake" / "raw" / "airports") == 3

    # the CLI's local target runs the same job script through spark-submit
    cli = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "submit", "--target", "local",
         "--dataset", "airports", "--stage", "curate"],
        cwd=tiny_project, env={**_env(), "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stdout[-3000:] + cli.stderr[-3000:]
    assert "local run pid-" in cli.stdout and ": SUCCEEDED" in cli.stdout
    assert _rows(tiny_project / ".lake" / "curated" / "airports") == 3


@pytest.mark.skipif(not SPARK_SUBMIT.is_file(), reason=f"no spark-submit at {SPARK_SUBMIT}")
def test_cli_local_target_failure_exits_non_zero_with_reason(tiny_project):
    env = {**_env(), "PYTHONPATH": str(REPO_ROOT), "LAKEHOUSE_SPARK_MASTER": "no-such-master"}
    cli = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "submit", "--target", "local",
         "--dataset", "airports", "--stage", "ingest"],
        cwd=tiny_project, env=env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 1, cli.stdout[-2000:] + cli.stderr[-2000:]
    assert "error: local run pid-" in cli.stderr and "ended EXIT 1" in cli.stderr
    assert "no-such-master" in cli.stderr  # the reason: Spark's own message
