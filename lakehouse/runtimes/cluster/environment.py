"""Which Python a cluster job runs, on the driver and on the executors, for its run record.

When the job ships its environment with ``spark.archives`` (EMR Serverless, EMR, a standalone
cluster), a wrong ``PYSPARK_PYTHON`` or an archive that is not self-contained shows up only as
an import error deep in a task. The entry point records, in the run's ``trigger``, the
interpreter, ``sys.prefix`` and the library's location on the driver and on each executor
that ran a probe task: one small Spark job, run only when ``spark.archives`` is set.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def python_here() -> dict[str, str]:
    """This process's interpreter, prefixes and where ``lakehouse`` was imported from."""
    import lakehouse

    return {"host": socket.gethostname(), "pid": str(os.getpid()), "executable": sys.executable,
            "prefix": sys.prefix, "base_prefix": sys.base_prefix,
            "version": sys.version.split()[0], "lakehouse": lakehouse.__file__ or "",
            "cwd": os.getcwd()}


def _probe(_: Any) -> tuple[tuple[str, str], ...]:
    info = python_here()
    info.pop("pid")
    return tuple(sorted(info.items()))


def describe_python(spark: SparkSession) -> dict[str, Any] | None:
    """Driver and executor Python details, or None when the job ships no environment."""
    archives = spark.sparkContext.getConf().get("spark.archives", "")
    if not archives:
        return None
    tasks = max(2, spark.sparkContext.defaultParallelism)
    seen = spark.sparkContext.parallelize(range(tasks), tasks).map(_probe).distinct().collect()
    return {"archives": archives, "driver": python_here(),
            "executors": sorted((dict(row) for row in seen), key=lambda d: d["cwd"])}
