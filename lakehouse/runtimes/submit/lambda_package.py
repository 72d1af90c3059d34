"""The trigger Lambda's deployment zip (``lakehouse package --lambda``): the file Terraform deploys.

Lambda unpacks the zip into ``/var/task`` (first on ``sys.path``, and the working directory).
The zip holds:

* the Spark-free dependencies, exactly as ``requirements/locks/lambda-py311.txt`` pins them
  (with hashes). That lock is derived, not hand-written: ``make lock`` compiles the trigger's
  direct imports (``requirements/lambda.in``) with the project's lock as constraints, so the
  Lambda runs the versions the tests run. They are installed for Lambda's platform
  (``pip --platform manylinux2014_x86_64 --implementation cp --python-version 3.11
  --only-binary=:all:``, as AWS documents for compiled packages), so any machine builds it;
* the library, unpacked from the artifact set's wheel: the code the cluster runs;
* ``conf/``, with ``lake.yaml`` resolved for one profile: ``${env:...}`` references take this
  machine's values now (the Lambda's environment does not have them), except variables whose
  name says secret (``*SECRET*``, ``*PASSWORD*``, ``*TOKEN*``, ...), which stay references;
* ``dist/``: the artifact set (``manifest.json`` and its files), so the handler submits runs
  with ``triggers.package_dir: dist`` and builds nothing. The EMR Serverless venv archive is
  too large for a Lambda: it is left out and marked ``remote`` in the manifest (it must
  already be in S3, where ``lakehouse submit --target emr-serverless`` puts it).

The zip is reproducible (entries sorted, fixed timestamps and modes, no bytecode, no console
scripts): the same inputs give the same sha256, so Terraform redeploys only real changes.
Installed dependencies are cached under ``$LAKEHOUSE_CACHE_DIR/lambda/<key>``. The zip
builder is hand-written because pip has no "bundle these locked wheels for another platform
into a reproducible zip" command, and no maintained library does all of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.submit.depsarchive import default_cache_dir
from lakehouse.runtimes.submit.manifest import DEPS, WHEEL, ArtifactSet, sha256_of

LAMBDA_LOCK = Path("requirements") / "locks" / "lambda-py311.txt"
LAMBDA_ZIP = "trigger.zip"
PACKAGE_DIR = "dist"  # triggers.package_dir inside the function
# Lambda's python3.11 runtime on x86_64 (the Terraform module's defaults).
PLATFORM_ARGS = ("--platform", "manylinux2014_x86_64", "--implementation", "cp",
                 "--python-version", "3.11", "--only-binary=:all:")
LEFT_OUT_ROLES = frozenset({DEPS})  # too large for a function; read from S3 by the cluster
_SECRET = re.compile(r"SECRET|PASSW|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_KEY", re.IGNORECASE)
_DATE = (1980, 1, 1, 0, 0, 0)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class LambdaZip:
    """The zip written, its checksum, and what is in it."""

    path: Path
    profile: str
    sha256: str
    size: int
    requirements: tuple[str, ...]  # name==version, from the lock
    remote: tuple[str, ...]  # artifact files the function expects in S3


def is_secret_name(var: str) -> bool:
    """Whether an environment variable's name says it holds a secret (kept as a reference)."""
    return bool(_SECRET.search(var))


def build_lambda_zip(artifacts: ArtifactSet, conf_dir: Path, profile: str | None, target: Path, *,
                     lock: Path, pip_args: Sequence[str] = (), cache_dir: Path | None = None,
                     progress: Progress | None = None) -> LambdaZip:
    """Write the trigger Lambda's zip for ``profile`` to ``target``.

    Args:
        artifacts: the set ``lakehouse package`` built (its wheel is the function's library).
        conf_dir: the project's ``conf/``.
        profile: the ``lake.yaml`` profile the function runs (Terraform sets ``LAKEHOUSE_ENV``
            to it); None: ``lake.yaml``'s ``default_profile``.
        target: the zip to write.
        lock: the Lambda requirements lock (``requirements/locks/lambda-py311.txt``).
        pip_args: extra ``pip install`` options (``--no-index``, ``--find-links DIR``).
        cache_dir: cache of installed requirements (default ``~/.cache/lakehouse``).
        progress: called with a line per slow step.

    Raises:
        RuntimeSubmissionError: no lock, a requirement pip cannot install, no wheel in the set,
            or the profile's lake is not on S3.
        ConfigError: ``lake.yaml`` has no such profile, a non-secret variable it needs is
            unset, or the resolved ``conf/`` does not load.
    """
    if not lock.is_file():
        raise RuntimeSubmissionError(f"no Lambda requirements lock at {lock}",
                                     hint="run `make lock` in the lakehouse checkout")
    wheel = artifacts.require(WHEEL, "run `lakehouse package`")
    with tempfile.TemporaryDirectory(prefix="lakehouse-lambda-") as tmp:
        conf = Path(tmp) / "conf"
        profile = _write_conf(conf_dir, profile, conf)
        _check_profile(conf, profile)  # fail here, not in the function
        site = _installed_requirements(lock, pip_args, cache_dir or default_cache_dir(), progress)
        root = Path(tmp) / "task"
        shutil.copytree(site, root)
        with zipfile.ZipFile(artifacts.root / wheel.path) as zf:
            zf.extractall(root)  # a wheel's members are package paths (pip checked it)
        shutil.copytree(conf, root / "conf")
        remote = _write_dist(artifacts, root / PACKAGE_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        _zip_tree(root, target)
    return LambdaZip(path=target, profile=profile, sha256=sha256_of(target),
                     size=target.stat().st_size, requirements=tuple(_pins(lock)),
                     remote=tuple(remote))


def _pins(lock: Path) -> list[str]:
    pin = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*==[^\s;\\]+)", re.MULTILINE)
    return pin.findall(lock.read_text(encoding="utf-8"))


def _installed_requirements(lock: Path, pip_args: Sequence[str], cache_dir: Path,
                            progress: Progress | None) -> Path:
    """The lock installed for Lambda's platform into a cached folder (built once per lock)."""
    key = hashlib.sha256(json.dumps([lock.read_text(encoding="utf-8"), PLATFORM_ARGS,
                                     list(pip_args)]).encode()).hexdigest()[:24]
    site = cache_dir / "lambda" / f"site-{key}"
    if site.is_dir():
        return site
    if progress:
        progress(f"installing {len(_pins(lock))} locked requirements for Lambda (python3.11, "
                 "x86_64)")
    site.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"site-{key}-", dir=site.parent))
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--no-compile", "--no-deps", "--require-hashes", "--target", str(building),
           *PLATFORM_ARGS, *pip_args, "-r", str(lock)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeSubmissionError(
            f"installing the Lambda requirements from {lock} failed (exit {done.returncode}):\n"
            f"{tail}", hint="pip needs the package index (or --pip-arg=--find-links=DIR with "
                            "manylinux2014 x86_64 cp311 wheels)")
    # console scripts carry this machine's interpreter path; the function runs none of them
    shutil.rmtree(building / "bin", ignore_errors=True)
    try:
        building.rename(site)
    except OSError:  # another build finished first: same lock, same content
        shutil.rmtree(building, ignore_errors=True)
    return site


def _write_conf(conf_dir: Path, profile: str | None, target: Path) -> str:
    """``conf/`` with ``lake.yaml`` holding only ``profile``, resolved (secrets stay references)."""
    from lakehouse.config.loader import resolved_lake_settings

    if profile is None:
        raw = yaml.safe_load((conf_dir / "lake.yaml").read_text(encoding="utf-8")) or {}
        profile = str(raw.get("default_profile") or "local")
    settings = resolved_lake_settings(conf_dir, profile, keep=is_secret_name)
    shutil.copytree(conf_dir, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    header = (f"# Resolved by `lakehouse package --lambda` for profile {profile!r} from "
              f"{conf_dir / 'lake.yaml'}.\n")
    body = yaml.safe_dump({**settings, "default_profile": profile, "profiles": {profile: {}}},
                          sort_keys=False)
    (target / "lake.yaml").write_text(header + body, encoding="utf-8")
    return profile


def _check_profile(conf: Path, profile: str) -> None:
    """The resolved conf loads, and its lake is on S3 (a function cannot see this machine)."""
    from lakehouse.config.loader import load_project

    landing = load_project(conf, profile).zone_uri("landing")
    if not landing.startswith("s3://"):
        raise RuntimeSubmissionError(
            f"profile {profile!r} keeps the landing zone at {landing}: the trigger Lambda "
            "receives arrivals from S3 and dispatches runs to AWS",
            hint="pass --env with an AWS profile (lake.root: s3://...)")


def _write_dist(artifacts: ArtifactSet, target: Path) -> list[str]:
    """Copy the set into ``target``; the roles a function cannot hold are marked remote."""
    remote = []
    for item in artifacts.artifacts:
        if item.role in LEFT_OUT_ROLES:
            remote.append(item.path)
            continue
        dest = target / item.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifacts.root / item.path, dest)
    copy = ArtifactSet(root=target, version=artifacts.version, python=artifacts.python,
                       requirements=list(artifacts.requirements),
                       artifacts=list(artifacts.artifacts), remote=sorted(remote))
    target.mkdir(parents=True, exist_ok=True)
    copy.write()
    return sorted(remote)


def _zip_tree(root: Path, target: Path) -> None:
    """Zip ``root`` reproducibly: sorted entries, fixed date, 0644 files, no bytecode."""
    files = sorted(p for p in root.rglob("*") if p.is_file()
                   and "__pycache__" not in p.parts and p.suffix != ".pyc")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    tmp.replace(target)

