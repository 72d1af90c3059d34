"""A packed virtual environment for ``spark.archives`` (EMR Serverless, EMR on EC2).

The cluster unpacks ``pyspark_venv.tar.gz#environment`` into each container and runs
``./environment/bin/python``. The venv holds the library wheel (``--no-deps``) plus the
cluster requirements; Spark itself comes from the cluster. The venv's interpreter links to
the Python that built it, so build the archive with the cluster's Python on the cluster's
OS (an ``amazonlinux:2023`` container for EMR 7.x) — see ``docs/running-on-aws.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lakehouse.errors import RuntimeSubmissionError


def build_deps_archive(wheel: Path, requirements: Sequence[str], target: Path, *,
                       pip_args: Sequence[str] = (), python: str | None = None) -> Path:
    """Create a venv, install ``wheel`` and ``requirements`` into it, pack it to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lakehouse-venv-") as tmp:
        venv = Path(tmp) / "environment"
        _run([python or sys.executable, "-m", "venv", str(venv)], "creating the venv")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
               "--disable-pip-version-check", *pip_args]
        _run([*pip, "--no-deps", str(wheel)], f"installing {wheel.name}")
        if requirements:
            _run([*pip, *requirements], "installing the cluster requirements")
        pack_venv(venv, target)
    return target


def pack_venv(venv: Path, target: Path) -> Path:
    """Tar the venv with paths relative to its root (symlinks kept, caches left out)."""
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if "__pycache__" in info.name.split("/"):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(target, "w:gz") as tar:
        for entry in sorted(venv.iterdir()):
            tar.add(entry, arcname=entry.name, filter=keep)
    return target


def _run(cmd: list[str], what: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeSubmissionError(
            f"{what} for the dependency archive failed (exit {done.returncode}):\n{tail}",
            hint="check the package index is reachable, or pass --pip-arg/--skip-deps-archive")
