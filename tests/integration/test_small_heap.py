"""A run whose driver starts with a small heap runs one unit at a time, and says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.storage.uri import local_path
from lakehouse.testing.runs import deliver, tiny_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def test_a_one_gib_driver_runs_one_unit_at_a_time(tmp_path) -> None:
    project = tiny_project(tmp_path, exports={})
    conf = project.conf_dir / "lake.yaml"
    conf.write_text(conf.read_text() + "spark: {master: 'local[1]', driver_memory: 1g}\n")
    deliver(project, "trips", "1.csv", "id,fare", [(1, 10)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEHOUSE_")}
    done = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "run", "--conf", str(project.conf_dir),
         "--stage", "ingest", "--quiet"],
        env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    note = "running 1 unit(s) at a time instead of 2: the driver heap is 1.0 GiB"
    assert note in done.stdout                           # in the run's own output
    [record] = (local_path(project.runs_uri) / "runs").glob("*.json")
    summary = json.loads(record.read_text())
    assert summary["workers"] == 1 and summary["notes"][0].startswith(note)
