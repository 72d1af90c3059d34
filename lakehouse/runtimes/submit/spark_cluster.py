"""The ``spark-cluster`` target: your own Spark standalone cluster, with the EMR Serverless
contract.

The job gets exactly what EMR Serverless gets from ``lakehouse package``: the entry script,
the resolved ``conf.zip`` and the self-contained environment through ``spark.archives``
(``#environment``, the library wheel inside it); executors run
``./environment/bin/python`` from the archive their worker unpacked. Python applications
cannot run in cluster deploy mode on a standalone master, so the driver runs here (client
mode) from a private copy of the same archive. ``spark-submit`` is started from a temporary
folder with a small environment (``PATH``, Java, AWS credentials and endpoint: no
``PYTHONPATH``, no virtualenv), so nothing is imported from the checkout that built the set.

Spark itself is the cluster's: ``$SPARK_HOME`` (else the installed ``pyspark``) provides
``spark-submit``, and pyspark reaches the workers' Python from their Spark install, as on EMR.
The Delta and hadoop-aws JARs resolved for this machine (``lakehouse.spark.jars``) go with
``--jars``; S3 is read through ``s3a://``.
"""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from lakehouse.config.project import Project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.args import JobArgs
from lakehouse.runtimes.jobscript import JOB_SCRIPT
from lakehouse.runtimes.sparkconf import VENV_PYTHON, submit_args, with_java_option
from lakehouse.runtimes.submit.follow import SubmitResult
from lakehouse.runtimes.submit.manifest import DEPS, ArtifactSet
from lakehouse.runtimes.submit.packaging import resolved_conf_zip

# What spark-submit may see of this machine's environment; everything else stays behind.
PASSED_ENV = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "JAVA_HOME",
              "SPARK_HOME", "SPARK_LOCAL_IP", "SPARK_CONF_DIR", "HADOOP_CONF_DIR",
              "LAKEHOUSE_AWS_ENDPOINT_URL", "LAKEHOUSE_CACHE_DIR")
_MASTER = re.compile(r"^spark://[^/\s]+:\d+(,[^/\s]+:\d+)*$")


def spark_home() -> Path:
    """``$SPARK_HOME``, else the installed ``pyspark`` package (a full Spark distribution)."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    try:
        import pyspark
    except ImportError as exc:
        raise RuntimeSubmissionError("no Spark to submit with",
                                     hint="set SPARK_HOME or install pyspark") from exc
    return Path(pyspark.__file__).parent


def job_environment() -> dict[str, str]:
    """The variables ``spark-submit`` (and through it the driver) gets: :data:`PASSED_ENV`,
    the ``AWS_*`` settings, and ``SPARK_HOME``."""
    env = {k: v for k, v in os.environ.items()
           if k in PASSED_ENV or k.startswith("AWS_")}
    env["SPARK_HOME"] = str(spark_home())
    return env


def submit_command(project: Project, args: JobArgs, artifacts: ArtifactSet, *, master: str,
                   driver_python: Path) -> list[str]:
    """``spark-submit`` for one run: the archive for the executors, the driver's unpacked copy,
    the JIT flag, the JARs, the project's Spark settings, the entry script and its arguments."""
    from lakehouse.spark.session import spark_submit_args

    archive = artifacts.root / artifacts.require(
        DEPS, "run `lakehouse package` without --skip-deps-archive").path
    settings = project.lake.spark
    conf = with_java_option({
        "spark.archives": f"{archive.resolve().as_uri()}#environment",
        "spark.pyspark.python": VENV_PYTHON,            # in each executor's work dir
        "spark.pyspark.driver.python": str(driver_python),
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        **settings.conf,
    })
    script = artifacts.root / artifacts.job(JOB_SCRIPT).path
    return [str(spark_home() / "bin" / "spark-submit"), "--master", master,
            "--deploy-mode", "client", "--driver-memory", settings.driver_memory,
            *spark_submit_args(), *submit_args(conf), str(script), *args.to_argv()]


def run_spark_cluster(project: Project, args: JobArgs, artifacts: ArtifactSet, *, master: str,
                      echo: Callable[[str], None] = print) -> SubmitResult:
    """Run the job on ``master`` (``spark://host:port``) from the packaged artifacts.

    Streams the driver's output; the exit code decides success.
    """
    if not master or not _MASTER.match(master):
        raise RuntimeSubmissionError(f"--master must be spark://host:port, got {master!r}",
                                     hint="the URL the standalone master prints at start")
    archive = artifacts.root / artifacts.require(
        DEPS, "run `lakehouse package` without --skip-deps-archive").path
    with tempfile.TemporaryDirectory(prefix="lakehouse-cluster-") as tmp:
        work = Path(tmp)
        echo(f"spark-cluster: unpacking {archive.name} for the driver...")
        with tarfile.open(archive) as tar:
            tar.extractall(work / "environment", filter="tar")
        conf_zip = resolved_conf_zip(project.conf_dir, project.lake.profile, work / "conf.zip")
        job_args = JobArgs(datasets=args.datasets, stage=args.stage, env=args.env,
                           conf=str(conf_zip), job_name=args.job_name, run_id=args.run_id,
                           runtime="spark-cluster")
        cmd = submit_command(project, job_args, artifacts, master=master,
                             driver_python=work / "environment" / "bin" / "python")
        return _run(cmd, cwd=work, echo=echo)


def _run(cmd: list[str], *, cwd: Path, echo: Callable[[str], None]) -> SubmitResult:
    app_id, tail = "", []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=job_environment(), cwd=cwd) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            echo(line)
            found = re.search(r"\b(app-\d{14}-\d{4})\b", line)
            app_id = app_id or (found.group(1) if found else "")
            tail = [*tail[-19:], line]
    ok = proc.returncode == 0
    errors = [t for t in tail if t.startswith("error:") or "Error: " in t or "Exception: " in t]
    return SubmitResult(
        target="spark-cluster", run_id=app_id or f"pid-{proc.pid}",
        state="SUCCEEDED" if ok else f"EXIT {proc.returncode}", succeeded=ok,
        reason=None if ok else (errors[-1] if errors else "\n".join(tail[-5:])),
        logs="driver: printed above; executors: <worker work dir>/<app id>/<executor>/stderr",
        request={"command": cmd})
