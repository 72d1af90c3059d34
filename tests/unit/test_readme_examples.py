"""The README and docs/*.md examples, checked so the docs cannot drift from the code.

- every ``lakehouse ...`` line in a bash block is parsed by the real click command tree
  (unknown commands or options, bad choices and missing arguments fail);
- the cheap ones (``runs ls/show/report``, ``--help``) also run, in a throwaway project;
- every python block compiles; blocks preceded by ``<!-- test: run -->`` are executed;
- every yaml block parses; ``rules:`` blocks validate as gate rules and lake.yaml fragments
  (``lineage:``, ``reports:``, ...) as lake settings.

Expensive examples (``make demo``, ``lakehouse run``, ``dataset init``) are only parsed.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from lakehouse.cli.main import cli
from lakehouse.config.models import LakeConfig
from lakehouse.config.quality_spec import GateRules
from lakehouse.records.details import CurateDetails
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.testing.project import write_project

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"(?P<marker><!-- test: run -->\s*)?^```(?P<lang>\w+)\n(?P<body>.*?)^```", re.M | re.S)
CHEAP = {("runs", "ls"), ("runs", "show"), ("runs", "report")}


def blocks(lang: str) -> list[tuple[str, str, bool]]:
    out = []
    for doc in DOCS:
        for m in FENCE.finditer(doc.read_text(encoding="utf-8")):
            if m["lang"] == lang:
                line = doc.read_text(encoding="utf-8")[: m.start("body")].count("\n") + 1
                out.append((f"{doc.name}:{line}", m["body"], bool(m["marker"])))
    return out


def cli_lines() -> list[tuple[str, list[str]]]:
    out = []
    for where, body, _ in blocks("bash"):
        for raw in body.replace("\\\n", " ").splitlines():
            text = raw.split(" #", 1)[0].strip()
            for part in re.split(r"\s*(?:&&|\|)\s*", text):
                words = shlex.split(part) if part else []
                if words and words[0] in ("lakehouse", ".venv/bin/lakehouse") and not any(
                        "[" in w or "|" in w for w in words):
                    out.append((where, words[1:]))
    return out


def resolve(args: list[str]) -> tuple[tuple[str, ...], click.Context | None]:
    """Parse ``args`` down the command tree; returns the command path."""
    path: list[str] = []
    cmd: click.Command = cli
    ctx = None
    name = "lakehouse"
    while True:
        if "--help" in args or "-h" in args:
            return tuple(path), None
        ctx = cmd.make_context(name, list(args), parent=ctx)
        if not isinstance(cmd, click.Group):
            return tuple(path), ctx
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            return tuple(path), ctx
        name, sub, args = cmd.resolve_command(ctx, rest)
        assert sub is not None
        path.append(name)
        cmd = sub


def command_path(args: list[str]) -> tuple[str, ...]:
    """The subcommand names at the start of ``args`` (no option parsing)."""
    path: list[str] = []
    cmd: click.Command = cli
    for word in args:
        if not isinstance(cmd, click.Group):
            break
        if word.startswith("-"):
            continue  # group flags (--debug, -q) take no value
        if word not in cmd.commands:
            break
        path.append(word)
        cmd = cmd.commands[word]
    return tuple(path)


LINES = cli_lines()


def test_the_docs_have_cli_examples() -> None:
    assert len(LINES) > 20
    assert {("dataset", "init"), ("dataset", "check"), ("runs", "show"), ("run",)} <= {
        command_path(a) for _, a in LINES}


@pytest.mark.parametrize(("where", "args"), LINES, ids=[f"{w} {' '.join(a)}" for w, a in LINES])
def test_cli_example_parses(where: str, args: list[str]) -> None:
    try:
        resolve(args)
    except click.BadParameter as exc:
        if "does not exist" not in str(exc):  # example paths (~/Downloads/...) are not on this machine
            raise AssertionError(f"{where}: lakehouse {' '.join(args)}: {exc}") from exc
    except click.UsageError as exc:
        raise AssertionError(f"{where}: lakehouse {' '.join(args)}: {exc.format_message()}") from exc


@pytest.fixture(scope="module")
def project_with_a_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    conf = write_project(root, datasets={"birds": {
        "name": "birds", "source": {"format": "csv", "path": "birds"},
        "schema": [{"name": "id", "type": "int"}], "primary_key": ["id"]}})
    summary = RunSummary("20260101T000000Z-0000abcd", "local", "all", ["birds"])
    summary.add(StageResult("birds", "ingest", "succeeded", 4, 4, table_versions={"raw": 0}))
    summary.add(StageResult("birds", "curate", "succeeded", 4, 3, 1, table_versions={"curated": 0},
                            details=CurateDetails(column_stats={"id": {"null_ratio": 0.0, "mean": 2.0}})))
    summary.finish("succeeded")
    runs = root / ".lake" / "_runs" / "runs"
    runs.mkdir(parents=True)
    (runs / f"{summary.run_id}.json").write_text(summary.to_json())
    return conf


@pytest.mark.parametrize(("where", "args"), [(w, a) for w, a in LINES
                                             if command_path(a) in CHEAP and "RUN_ID" not in a])
def test_cheap_cli_example_runs(where: str, args: list[str], project_with_a_run: Path) -> None:
    result = CliRunner().invoke(cli, args, env={"LAKEHOUSE_CONF": str(project_with_a_run)})
    assert result.exit_code == 0, f"{where}: lakehouse {' '.join(args)}\n{result.output}{result.exception}"
    if args[:2] == ["runs", "show"] and "--json" in args:
        assert json.loads(result.output)["stages"][1]["rows_quarantined"] == 1


PY = blocks("python")


@pytest.mark.parametrize(("where", "body", "run"), PY, ids=[w for w, _, _ in PY])
def test_python_example(where: str, body: str, run: bool) -> None:
    code = compile(body, where, "exec")
    if run:
        exec(code, {"__name__": "docs_example"})


YAML = blocks("yaml")


@pytest.mark.parametrize(("where", "body", "_run"), YAML, ids=[w for w, _, _ in YAML])
def test_yaml_example(where: str, body: str, _run: bool) -> None:
    doc = yaml.safe_load(body)
    if not isinstance(doc, dict):
        return
    if set(doc) == {"rules"}:
        GateRules.model_validate(doc["rules"])
    elif set(doc) <= set(LakeConfig.model_fields) - {"project"}:
        LakeConfig.model_validate({"project": "docs", **doc})
