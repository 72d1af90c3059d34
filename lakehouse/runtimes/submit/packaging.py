"""``lakehouse package``: the library wheel, job scripts, ``conf/`` zip, cluster requirements,
Glue's zip of pinned wheels, and (for EMR Serverless, EMR, a standalone cluster) a packed
self-contained Python environment, plus ``manifest.json``.

The cluster installs what the suite ran: the environment and the Glue wheels come from the
hash-pinned lock ``requirements/locks/cluster-pyXY.txt`` of the interpreter's Python
(``make lock`` writes it), never from version ranges resolved on the day of the run.

Builds are reproducible (``SOURCE_DATE_EPOCH``, fixed zip timestamps), so an unchanged
project gives the same checksums and the S3 upload is skipped.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from email.parser import Parser
from pathlib import Path

from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.jobscript import JOB_SCRIPT, JOB_STUB
from lakehouse.runtimes.submit.manifest import (
    CONF,
    DEPS,
    GLUE_PYTHON,
    GLUE_WHEELS,
    MANIFEST,
    REQUIREMENTS,
    REQUIREMENTS_SPARK4,
    WHEEL,
    ArtifactSet,
)

# Provided by every cluster runtime (Glue: --datalake-formats delta; EMR: the release).
PROVIDED_BY_CLUSTER = frozenset({"pyspark", "delta-spark"})
# Pins that exist only for PySpark 3.5 (numpy<2, pandas<3); Spark 4 runtimes (Glue 6.0, on
# Python 3.13 where numpy 1.x has no wheels) bring their own numpy and pandas.
SPARK35_ONLY = frozenset({"numpy", "pandas"})
_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "MANIFEST.in", "lakehouse")
LOCKS = Path("requirements") / "locks"
_EPOCH = "315532800"  # 1980-01-01: the earliest timestamp a zip entry can hold


def cluster_lock(project_dir: Path, python_xy: str) -> Path:
    """``requirements/locks/cluster-pyXY.txt`` for ``python_xy`` ("3.11"), which must exist."""
    name = f"cluster-py{python_xy.replace('.', '')}.txt"
    lock = project_dir / LOCKS / name
    if not lock.is_file():
        known = sorted(p.name for p in (project_dir / LOCKS).glob("cluster-py*.txt"))
        raise RuntimeSubmissionError(
            f"no lock {LOCKS}/{name} for Python {python_xy} in {project_dir}"
            + (f" (found: {', '.join(known)})" if known else ""),
            hint="run `make lock` (it writes the cluster locks), pass --python with the "
                 "cluster's Python, or --deps-requirement to install unpinned requirements")
    return lock


def build_package(project_dir: Path, out_dir: Path, *, deps_archive: bool = True,
                  deps_requirements: Sequence[str] | None = None,
                  pip_args: Sequence[str] = (), python: str | None = None,
                  cache_dir: Path | None = None, lock: Path | None = None,
                  glue_wheels: bool = True, glue_locks: dict[int, Path] | None = None,
                  glue_arch: str = "x86_64",
                  progress: Callable[[str], None] | None = None) -> ArtifactSet:
    """Build the artifact set for ``project_dir`` into ``out_dir`` and write its manifest.

    Args:
        project_dir: folder with ``pyproject.toml``, ``lakehouse/``, ``jobs/`` and ``conf/``.
        out_dir: where the set goes (replaced if it holds an earlier set; must be empty else).
        deps_archive: also build the packed venv for EMR Serverless / EMR.
        deps_requirements: install these into the venv instead of the locked requirements.
        pip_args: extra ``pip install`` options for the venv (``--no-index``, ``--find-links``).
        python: interpreter for the venv; it must match the cluster's (see the docs).
        cache_dir: cache of built venvs/archives (default ``~/.cache/lakehouse``).
        lock: the lock the environment installs (default ``requirements/locks/
            cluster-pyXY.txt`` of the venv's Python).
        glue_wheels: also build Glue's zip of locked wheels for each Spark line whose lock
            exists (``cluster-py311.txt``: Glue 5.x; ``cluster-py313.txt``: Glue 6.x).
        glue_locks: ``{spark major: lock}`` instead of the project's cluster locks.
        glue_arch: ``x86_64``, or ``aarch64`` for Graviton (``*.GRAVITON``) workers.
        progress: called with a line per slow step (the venv build).
    """
    project_dir, out_dir = project_dir.resolve(), out_dir.resolve()
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / MANIFEST).is_file():  # never wipe a folder we did not make
            raise RuntimeSubmissionError(
                f"{out_dir} is not empty and holds no {MANIFEST} from an earlier package",
                hint="pass --out with a new or empty folder (default dist/)")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel(project_dir, out_dir)
    meta = wheel_metadata(wheel)
    requirements = cluster_requirements(meta.get_all("Requires-Dist") or [])
    found = ArtifactSet(root=out_dir, version=meta["Version"], python=platform.python_version(),
                        requirements=requirements)
    found.add(WHEEL, wheel)
    (out_dir / "jobs").mkdir()
    for script in sorted((project_dir / "jobs").glob("*.py")):
        shutil.copyfile(script, out_dir / "jobs" / script.name)
    if not (out_dir / "jobs" / JOB_SCRIPT).is_file():  # projects without jobs/ of their own
        (out_dir / "jobs" / JOB_SCRIPT).write_text(JOB_STUB, encoding="utf-8")
    for script in sorted((out_dir / "jobs").glob("*.py")):
        found.add("job", script)
    found.add(CONF, zip_conf(project_dir / "conf", out_dir / "conf.zip"))
    for role, name, reqs in (
            (REQUIREMENTS, "requirements-cluster.txt", requirements),
            (REQUIREMENTS_SPARK4, "requirements-spark4.txt",
             cluster_requirements(meta.get_all("Requires-Dist") or [], drop=SPARK35_ONLY))):
        req_file = out_dir / name
        req_file.write_text("".join(f"{r}\n" for r in reqs), encoding="utf-8")
        found.add(role, req_file)
    if glue_wheels:
        from lakehouse.runtimes.submit.gluewheels import build_glue_wheels

        locks = glue_locks if glue_locks is not None else {
            major: project_dir / LOCKS / f"cluster-py{xy.replace('.', '')}.txt"
            for major, xy in GLUE_PYTHON.items()}
        for major, glue_lock in sorted(locks.items()):
            if glue_lock.is_file():
                found.add(GLUE_WHEELS[major], build_glue_wheels(
                    glue_lock, out_dir / "glue", python_xy=GLUE_PYTHON[major], arch=glue_arch,
                    pip_args=pip_args if glue_locks is not None else (), cache_dir=cache_dir,
                    progress=progress))
    if deps_archive:
        from lakehouse.runtimes.submit.depsarchive import Interpreter, build_deps_archive

        if deps_requirements is None and lock is None:
            lock = cluster_lock(project_dir, Interpreter.probe(python).xy)
        built = build_deps_archive(wheel, list(deps_requirements or []),
                                   out_dir / "deps" / "pyspark_venv.tar.gz",
                                   lock=None if deps_requirements is not None else lock,
                                   pip_args=pip_args, python=python, cache_dir=cache_dir,
                                   progress=progress)
        found.add(DEPS, built.path)
    found.write()
    return found


def build_wheel(project_dir: Path, out_dir: Path) -> Path:
    """``pip wheel --no-deps`` on a copy of the sources (never builds inside the work tree)."""
    if not (project_dir / "pyproject.toml").is_file():
        raise RuntimeSubmissionError(f"no pyproject.toml in {project_dir}",
                                     hint="run `lakehouse package` from the project root")
    with tempfile.TemporaryDirectory(prefix="lakehouse-wheel-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in _SOURCES:
            path = project_dir / name
            if path.is_dir():
                shutil.copytree(path, src / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            elif path.is_file():
                shutil.copyfile(path, src / name)
        env = {**os.environ, "SOURCE_DATE_EPOCH": _EPOCH}
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out_dir),
               str(src)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RuntimeSubmissionError(
                f"building the wheel failed (exit {done.returncode}):\n{_tail(done.stderr)}",
                hint="pip needs setuptools>=77 and wheel from your package index to build")
    wheels = sorted(out_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeSubmissionError(f"expected one wheel in {out_dir}, found {len(wheels)}")
    return wheels[0]


def wheel_metadata(wheel: Path):  # -> email.message.Message
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(zf.read(name).decode("utf-8"))


def cluster_requirements(requires_dist: Sequence[str],
                         drop: frozenset[str] = frozenset()) -> list[str]:
    """The wheel's requirements a cluster must install: no extras, nothing Spark provides."""
    from packaging.requirements import Requirement

    out = []
    for line in requires_dist:
        req = Requirement(line)
        if req.marker is not None and "extra" in str(req.marker):
            continue
        if req.name.lower().replace("_", "-") in PROVIDED_BY_CLUSTER | drop:
            continue
        out.append(str(req))
    return out


def zip_conf(conf_dir: Path, target: Path, *, lake_yaml: str | None = None) -> Path:
    """Zip ``conf_dir`` as ``conf/...`` with fixed timestamps (same content, same checksum).

    ``lake_yaml`` replaces ``lake.yaml``'s content (the resolved profile ``submit`` ships).
    """
    if not (conf_dir / "lake.yaml").is_file():
        raise RuntimeSubmissionError(f"no lake.yaml in {conf_dir}",
                                     hint="package from the project root holding conf/")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in conf_dir.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            name = path.relative_to(conf_dir).as_posix()
            info = zipfile.ZipInfo(f"conf/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = lake_yaml.encode() if name == "lake.yaml" and lake_yaml is not None \
                else path.read_bytes()
            zf.writestr(info, data)
    return target


def resolved_conf_zip(conf_dir: Path, profile: str, target: Path) -> Path:
    """``conf/`` zipped with ``lake.yaml`` resolved for ``profile`` on this machine
    (:func:`lakehouse.runtimes.submit.confresolve.resolved_lake_yaml`): what every cluster target
    receives. Deterministic: the same conf and environment give the same bytes."""
    from lakehouse.runtimes.submit.confresolve import resolved_lake_yaml

    return zip_conf(conf_dir, target, lake_yaml=resolved_lake_yaml(conf_dir, profile))


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
