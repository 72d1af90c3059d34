"""The Spark 4 leg installs the library with --no-deps on top of requirements/spark4.txt:
every dependency of pyproject.toml must be named there, or that leg would miss it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_spark4_requirements_cover_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]} - {"ruff", "import-linter", "uv"}
    lines = (REPO / "requirements" / "spark4.txt").read_text().splitlines()
    listed = {_name(line) for line in lines if line.strip() and not line.startswith("#")}
    assert wanted - listed == set(), "add these to requirements/spark4.txt"


def test_spark4_leg_pins_spark_4_1_and_delta_4():
    lines = (REPO / "requirements" / "spark4.txt").read_text().splitlines()
    assert "pyspark==4.1.1" in lines
    assert any(re.fullmatch(r"delta-spark==4\.\d+\.\d+", line) for line in lines)
