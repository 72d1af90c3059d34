"""A packed virtual environment for ``spark.archives`` (EMR Serverless, EMR on EC2).

The cluster unpacks ``pyspark_venv.tar.gz#environment`` into each container and runs
``./environment/bin/python``. The venv holds the library wheel (``--no-deps``) plus the
cluster requirements; Spark itself comes from the cluster. The venv's interpreter links to
the Python that built it, so build the archive with the cluster's Python on the cluster's
OS (an ``amazonlinux:2023`` container for EMR 7.x) — see ``docs/running-on-aws.md``.

Builds are cached under ``$LAKEHOUSE_CACHE_DIR`` (default ``~/.cache/lakehouse``) at two
levels, so an unchanged project reuses its archive in seconds:

* ``deps/venv-<key>``: the venv with the requirements only, keyed by the sorted requirement
  lines, the pip options and the target interpreter's version and platform (``deps_key``);
* ``deps/archive-<key>-<wheel sha256>.tar.gz``: the packed venv with the library wheel.

A changed library wheel reuses the requirements venv (copy + ``pip install --no-deps``); a
changed requirement or Python rebuilds from the package index. Hand-written because pip has
no cache of whole environments and venv-pack/conda-pack do not cache either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lakehouse.errors import RuntimeSubmissionError

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class DepsArchive:
    """The archive written, its cache key, and which cache level served it."""

    path: Path
    key: str
    cache: str  # "archive" (reused as is), "venv" (requirements reused), or "miss"


def default_cache_dir() -> Path:
    """``$LAKEHOUSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/lakehouse``, else ``~/.cache/lakehouse``."""
    if os.environ.get("LAKEHOUSE_CACHE_DIR"):
        return Path(os.environ["LAKEHOUSE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lakehouse"


def deps_key(requirements: Sequence[str], *, pip_args: Sequence[str] = (),
             python: str | None = None) -> str:
    """Hash of what the requirements venv depends on: requirements, pip options, interpreter."""
    probe = ("import platform, sys, sysconfig; "
             "print(platform.python_implementation(), sys.version.split()[0], "
             "sysconfig.get_platform())")
    done = subprocess.run([python or sys.executable, "-c", probe], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise RuntimeSubmissionError(f"cannot run the venv interpreter {python!r}",
                                     hint="pass --python with a working Python 3 interpreter")
    blob = json.dumps({"python": done.stdout.strip(), "pip_args": list(pip_args),
                       "requirements": sorted(r.strip() for r in requirements)})
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def build_deps_archive(wheel: Path, requirements: Sequence[str], target: Path, *,
                       pip_args: Sequence[str] = (), python: str | None = None,
                       cache_dir: Path | None = None,
                       progress: Progress | None = None) -> DepsArchive:
    """Write the venv archive (requirements + ``wheel``) to ``target``, reusing cached builds.

    Args:
        wheel: the library wheel, installed with ``--no-deps``.
        requirements: the cluster requirements installed into the venv.
        target: where the ``.tar.gz`` goes.
        pip_args: extra ``pip install`` options (part of the cache key).
        python: interpreter for the venv (its version and platform are part of the key).
        cache_dir: cache root (default :func:`default_cache_dir`); delete it to force a
            rebuild.
        progress: called with one line per step (the CLI prints them).
    """
    say = progress or log.info
    target.parent.mkdir(parents=True, exist_ok=True)
    cache = (cache_dir or default_cache_dir()) / "deps"
    cache.mkdir(parents=True, exist_ok=True)
    key = deps_key(requirements, pip_args=pip_args, python=python)
    wheel_sha = hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    cached_archive = cache / f"archive-{key}-{wheel_sha}.tar.gz"
    if cached_archive.is_file():
        say(f"dependency archive: reused {cached_archive} (requirements and Python unchanged)")
        _link_or_copy(cached_archive, target)
        return DepsArchive(target, key, "archive")
    venv_cache = cache / f"venv-{key}"
    hit = (venv_cache / ".complete").is_file()
    with tempfile.TemporaryDirectory(prefix="lakehouse-venv-") as tmp:
        venv = Path(tmp) / "environment"
        if hit:
            say(f"dependency archive: requirements venv reused ({venv_cache.name}); "
                f"adding {wheel.name}")
            shutil.copytree(venv_cache / "environment", venv, symlinks=True)
        else:
            say(f"dependency archive: building the venv ({len(requirements)} requirement(s), "
                "cache miss; this can take minutes)...")
            _run([python or sys.executable, "-m", "venv", str(venv)], "creating the venv")
            if requirements:
                say("dependency archive: installing the cluster requirements...")
                _run([*_pip(venv, pip_args), *requirements], "installing the cluster requirements")
            _store_venv(venv, venv_cache)
        _run([*_pip(venv, pip_args), "--no-deps", "--force-reinstall", str(wheel)],
             f"installing {wheel.name}")
        say("dependency archive: packing...")
        pack_venv(venv, target)
    for old in cache.glob(f"archive-{key}-*.tar.gz"):  # one archive per requirements key
        old.unlink(missing_ok=True)
    tmp_copy = cached_archive.with_suffix(".part")
    shutil.copyfile(target, tmp_copy)
    os.replace(tmp_copy, cached_archive)
    return DepsArchive(target, key, "venv" if hit else "miss")


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard link (no 200 MB copy; the archive is never written in place), else copy."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not supported
        shutil.copyfile(source, target)


def _pip(venv: Path, pip_args: Sequence[str]) -> list[str]:
    return [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
            "--disable-pip-version-check", *pip_args]


def _store_venv(venv: Path, venv_cache: Path) -> None:
    """Keep the requirements-only venv; ``.complete`` marks a finished copy."""
    shutil.rmtree(venv_cache, ignore_errors=True)
    shutil.copytree(venv, venv_cache / "environment", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (venv_cache / ".complete").write_text("ok\n", encoding="utf-8")


def pack_venv(venv: Path, target: Path) -> Path:
    """Tar the venv with paths relative to its root (symlinks kept, caches left out)."""
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if "__pycache__" in info.name.split("/"):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(target, "w:gz", compresslevel=6) as tar:  # 9 is ~3x slower, ~2% smaller
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
