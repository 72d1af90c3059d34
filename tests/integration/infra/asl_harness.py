"""Run a Step Functions definition through aws-local-stepfunctions (``asl/run_asl.mjs``).

Every Task state answers with a scripted outcome; the harness reports the terminal state and
each task's evaluated Parameters (what Step Functions would send to the service), which the
tests then send to the moto server to check that the service accepts them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ASL_DIR = Path(__file__).resolve().parent / "asl"


def need_harness() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the state machine cannot be executed here")
    if not (ASL_DIR / "node_modules" / "aws-local-stepfunctions").is_dir():
        pytest.skip(f"aws-local-stepfunctions is not installed: run `make asl-harness` "
                    f"(npm ci in {ASL_DIR})")


def execution(definition: dict[str, Any], execution_input: dict[str, Any],
              outcomes: dict[str, list[dict[str, Any]]], *, execution_id: str) -> dict[str, Any]:
    """One execution to :func:`run`: ``outcomes`` scripts each Task state's calls, in order."""
    return {"definition": definition, "input": execution_input, "outcomes": outcomes,
            "context": {"Execution": {"Id": execution_id, "Input": execution_input,
                                      "Name": execution_id.rsplit(":", 1)[-1]}}}


def run(executions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the executions in one node process; one report per execution, in order."""
    done = subprocess.run(["node", str(ASL_DIR / "run_asl.mjs")], input=json.dumps(executions),
                          capture_output=True, text=True, timeout=300, cwd=ASL_DIR)
    assert done.returncode == 0, f"harness failed:\n{done.stderr[-4000:]}"
    return json.loads(done.stdout)


def resources(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every resource of ``terraform show -json`` output, child modules included."""
    def walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from module.get("resources", [])
        for child in module.get("child_modules", []):
            yield from walk(child)

    yield from walk(state["values"]["root_module"])


def applied(state: dict[str, Any], address_suffix: str) -> dict[str, Any]:
    """The applied values of the one resource whose address ends with ``address_suffix``."""
    [found] = [r["values"] for r in resources(state) if r["address"].endswith(address_suffix)]
    return found
