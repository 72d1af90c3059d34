"""The ``local`` target: ``spark-submit jobs/run_pipeline.py`` on this machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from lakehouse.config.project import Project
from lakehouse.errors import EnvironmentProblem
from lakehouse.runtimes.args import JobArgs
from lakehouse.runtimes.jobscript import JOB_SCRIPT, JOB_STUB
from lakehouse.runtimes.submit.follow import SubmitResult


def spark_submit_binary() -> str:
    """``spark-submit`` beside this Python, under ``$SPARK_HOME/bin``, or on PATH."""
    candidates = [Path(sys.executable).parent / "spark-submit"]
    if os.environ.get("SPARK_HOME"):
        candidates.append(Path(os.environ["SPARK_HOME"]) / "bin" / "spark-submit")
    for path in candidates:
        if path.is_file():
            return str(path)
    found = shutil.which("spark-submit")
    if found:
        return found
    raise EnvironmentProblem("spark-submit was not found",
                             hint="install pyspark in this environment or set SPARK_HOME")


def local_command(project: Project, args: JobArgs, script: Path) -> list[str]:
    """``spark-submit`` with the project's master and memory, and the resolved Delta/S3 JARs."""
    from lakehouse.spark.session import LOCAL_JAVA_OPTIONS, spark_submit_args

    return [spark_submit_binary(), "--master", project.lake.spark.master,
            "--driver-memory", project.lake.spark.driver_memory,
            "--driver-java-options", LOCAL_JAVA_OPTIONS, *spark_submit_args(),
            str(script), *args.to_argv()]


def run_local(project: Project, args: JobArgs,
              echo: Callable[[str], None] = print) -> SubmitResult:
    """Run the job with spark-submit, streaming its output; the exit code decides success.

    Uses the project's ``jobs/run_pipeline.py``, or the library's entry point if it has none.
    """
    script = project.project_dir / "jobs" / JOB_SCRIPT
    with tempfile.TemporaryDirectory(prefix="lakehouse-job-") as tmp:
        if not script.is_file():  # a project without its own jobs/: the library's entry point
            script = Path(tmp) / JOB_SCRIPT
            script.write_text(JOB_STUB, encoding="utf-8")
        return _run(project, local_command(project, args, script), echo)


def _run(project: Project, cmd: list[str], echo: Callable[[str], None]) -> SubmitResult:
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join(p for p in (str(project.project_dir),
                                                     os.environ.get("PYTHONPATH")) if p)}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env, cwd=project.project_dir) as proc:
        assert proc.stdout is not None
        tail: list[str] = []
        for line in proc.stdout:
            echo(line.rstrip("\n"))
            tail = [*tail[-19:], line.rstrip("\n")]
    ok = proc.returncode == 0
    errors = [t for t in tail if t.startswith("error:") or "Error: " in t or "Exception: " in t]
    return SubmitResult(target="local", run_id=f"pid-{proc.pid}",
                        state="SUCCEEDED" if ok else f"EXIT {proc.returncode}", succeeded=ok,
                        reason=None if ok else (errors[-1] if errors else "\n".join(tail[-5:])),
                        logs="printed above", request={"command": cmd})
