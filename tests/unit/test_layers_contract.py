"""The layers contract of ``pyproject.toml`` says no more than the code needs, and the
architecture doc draws exactly it.

``lint-imports`` proves no import goes upward; it cannot see a row that no import crosses (a
"slack" row, which promises an order the code does not need). Here grimp (import-linter's
own graph) finds one: some package of every row must import a package of the row below.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import pytest

# import-linter's graph library: a dev tool of the 3.11 venv (like ruff), not of the Spark 4 leg
grimp = pytest.importorskip("grimp")

ROOT = Path(__file__).resolve().parents[2]


def _rows() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [layers] = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return [[p.strip() for p in row.split("|")] for row in layers["layers"]]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("lakehouse")


def _imports(graph, upper: str, lower: str) -> bool:
    lower_modules = graph.find_descendants(f"lakehouse.{lower}") | {f"lakehouse.{lower}"}
    for module in graph.find_descendants(f"lakehouse.{upper}") | {f"lakehouse.{upper}"}:
        if graph.find_modules_directly_imported_by(module) & lower_modules:
            return True
    return False


def test_every_row_of_the_layers_contract_is_needed(graph) -> None:
    rows = _rows()
    slack = [f"{' | '.join(up)} over {' | '.join(down)}"
             for up, down in itertools.pairwise(rows)
             if not any(_imports(graph, u, d) for u in up for d in down)]
    assert not slack, f"no import crosses these rows; merge them into one: {slack}"


def test_the_architecture_doc_draws_the_contract() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = text.split("## Layers", 1)[1].split("```", 2)[1]
    drawn = [line.strip() for line in diagram.splitlines() if line.strip() not in ("", "│")]
    expected = [" | ".join(row) for row in _rows()]
    assert len(drawn) == len(expected), drawn
    wrong = [(row, line) for row, line in zip(expected, drawn, strict=True)
             if not re.match(re.escape(row) + r"(\s|$)", line)]
    assert not wrong, f"docs/architecture.md draws other layers than pyproject.toml: {wrong}"
