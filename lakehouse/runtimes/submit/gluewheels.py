"""Glue's "zip of wheels": the locked cluster requirements as wheels, installed offline.

Given a requirements file, Glue runs pip against PyPI at every job start: unpinned ranges
resolve to whatever is newest that day, and a job in a VPC without internet cannot start.
Glue 5.0+ takes ``--additional-python-modules s3://.../<name>.gluewheels.zip`` with
``--python-modules-installer-option --no-index`` instead (Glue's "Using Python libraries with
AWS Glue", zip of wheels): a zip holding ``wheels/requirements.txt`` (``name==version``) and
``wheels/*.whl``. This module downloads exactly the versions of ``requirements/locks/
cluster-pyXY.txt`` (``pip download --require-hashes --no-deps --only-binary=:all:`` for
Glue's Python and Linux platform), leaves out what Glue provides (pyspark, py4j, and
delta-spark with ``--datalake-formats delta``), and zips them reproducibly. Cached under
``$LAKEHOUSE_CACHE_DIR/gluewheels`` by the lock's content, Python and architecture.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from lakehouse.errors import RuntimeSubmissionError

PROVIDED_BY_GLUE = frozenset({"pyspark", "py4j", "delta-spark"})
# Glue 5.x workers run Amazon Linux 2023 (glibc 2.34): any manylinux tag up to 2_34.
_MANYLINUX = [f"manylinux_2_{minor}" for minor in range(34, 4, -1)] + \
    ["manylinux2014", "manylinux2010", "manylinux1"]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def wheels_name(python_xy: str, arch: str) -> str:
    return f"lakehouse-deps-py{python_xy.replace('.', '')}-{arch}.gluewheels.zip"


def locked_blocks(lock: Path, drop: frozenset[str] = PROVIDED_BY_GLUE) -> dict[str, str]:
    """``name -> block`` (the pin line with its hashes) of a uv/pip-compile lock."""
    out: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8")):
        match = _PIN.match(block)
        if not match:
            continue
        name = match.group(1).lower().replace("_", "-").replace(".", "-")
        if name not in drop:
            out[name] = "\n".join(line for line in block.splitlines()
                                  if not line.strip().startswith("#"))
    return out


def build_glue_wheels(lock: Path, target_dir: Path, *, python_xy: str, arch: str = "x86_64",
                      pip_args: Sequence[str] = (), cache_dir: Path | None = None,
                      progress: Callable[[str], None] | None = None) -> Path:
    """Write ``<target_dir>/lakehouse-deps-pyXY-<arch>.gluewheels.zip`` from ``lock``."""
    from lakehouse.runtimes.submit.depsarchive import default_cache_dir

    say = progress or (lambda _line: None)
    blocks = locked_blocks(lock)
    key = hashlib.sha256("\n".join([python_xy, arch, *pip_args, *blocks.values()])
                         .encode()).hexdigest()[:24]
    cache = (cache_dir or default_cache_dir()) / "gluewheels"
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / f"{key}.zip"
    target = target_dir / wheels_name(python_xy, arch)
    target_dir.mkdir(parents=True, exist_ok=True)
    if cached.is_file():
        say(f"glue wheels: reused {cached} ({len(blocks)} locked packages)")
        shutil.copyfile(cached, target)
        return target
    say(f"glue wheels: downloading {len(blocks)} locked packages for Python {python_xy} "
        f"({arch}, cache miss)...")
    with tempfile.TemporaryDirectory(prefix="lakehouse-gluewheels-") as tmp:
        wheels = Path(tmp) / "wheels"
        wheels.mkdir()
        reqs = Path(tmp) / "locked.txt"
        reqs.write_text("\n".join(blocks.values()) + "\n", encoding="utf-8")
        xy = python_xy.replace(".", "")
        platforms = [a for tag in _MANYLINUX for a in ("--platform", f"{tag}_{arch}")]
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--require-hashes", "--only-binary=:all:", "--implementation", "cp",
               "--python-version", python_xy, "--abi", f"cp{xy}", "--abi", "abi3",
               "--abi", "none", *platforms, *pip_args, "-r", str(reqs), "-d", str(wheels)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise RuntimeSubmissionError(
                f"downloading the locked wheels for Glue failed (exit {done.returncode}):\n{tail}",
                hint="check the package index is reachable; every locked package needs a "
                     f"wheel for CPython {python_xy} on manylinux {arch}")
        pins = sorted(f"{_PIN.match(b).group(1)}=={_PIN.match(b).group(2)}"  # type: ignore[union-attr]
                      for b in blocks.values())
        (wheels / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
        _zip_tree(wheels, cached.with_suffix(".part"))
        os.replace(cached.with_suffix(".part"), cached)
    shutil.copyfile(cached, target)
    return target


def _zip_tree(folder: Path, target: Path) -> None:
    """``wheels/...`` entries, sorted, fixed timestamps: the same wheels give the same bytes."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:  # wheels are zips
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(f"wheels/{path.name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
