"""The rule type registry: one declaration per rule type feeds config, GX, suggestions, docs."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest
from pydantic import ValidationError

from lakehouse.config.errors import format_validation_error
from lakehouse.config.loader import parse_yaml
from lakehouse.config.quality_spec import GateRules
from lakehouse.config.rule_types import (
    RowContext,
    RuleBase,
    RuleDoc,
    RuleType,
    render_docs,
    rule_type,
    rule_types,
)
from lakehouse.quality.gx_suite import expectations_for
from lakehouse.quality.rules import describe

DOCS = Path(__file__).resolve().parents[3] / "docs" / "quality.md"
NOW = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)


def _example(name: str):
    """The docs example of rule type ``name``, parsed as YAML and validated as a rule."""
    doc = parse_yaml(rule_type(name).doc.example, source=f"docs example of {name}")
    return GateRules.model_validate([doc]).for_gate("raw_to_curated")[0]


@pytest.mark.parametrize("name", [t.name for t in rule_types()])
def test_every_rule_type_is_declared_whole_and_its_example_validates(name: str) -> None:
    rt = rule_type(name)
    rule = _example(name)
    assert rule.rule == name and type(rule) is rt.spec
    assert rt.doc.keys and rt.doc.fails and rt.doc.gx
    if rt.level == "row":   # a reason text and a violation SQL for the engine
        assert describe(rule).startswith(f"{rule.name}: ")
        sql = rt.violation(rule, RowContext(now=NOW, ref_exists={rule.name: "true"}))
        assert isinstance(sql, str) and sql
    else:
        assert isinstance(rt.aggregates(rule), dict)


@pytest.mark.parametrize("name", [t.name for t in rule_types()])
def test_every_gx_mapping_builds_real_gx_expectations(name: str) -> None:
    rule = _example(name)
    baseline = {f"{m}:{getattr(rule, 'column', '')}": 1.0
                for m in ("mean", "stddev", "null_ratio", "distinct_count")}
    found = expectations_for(rule, gate="raw_to_curated", baseline=baseline, now=NOW)
    assert found, f"{name} states no GX expectation"
    assert all(e.meta["lakehouse_rule"] == rule.name for e in found)


def test_the_config_union_is_the_registry() -> None:
    """A rule type unknown to the registry is rejected with the registry's names listed."""
    with pytest.raises(ValidationError) as exc:
        GateRules.model_validate([{"name": "x", "rule": "not_in_futur", "column": "d"}])
    problems = format_validation_error(exc.value, GateRules, [{"name": "x"}])
    assert any("unknown rule type 'not_in_futur' (did you mean 'not_in_future'?)" in p
               for p in problems), problems


def test_committed_docs_table_is_the_generated_one() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert render_docs(text) == text, (
        "docs/quality.md is stale: run `python -m lakehouse.config.rule_types docs/quality.md`")
    for t in rule_types():
        assert f"| `{t.name}` |" in text


def test_a_rule_type_must_match_its_spec_and_state_its_violation() -> None:
    class Odd(RuleBase):
        rule: Literal["odd"]
        column: str

    doc = RuleDoc(keys="column", fails="never", gx="-", example="{}")
    with pytest.raises(TypeError, match="Literal"):
        RuleType(name="even", spec=Odd, doc=doc, position=1, expectations=lambda r, g: [],
                 describe=str, violation=lambda r, c: "false")
    with pytest.raises(TypeError, match="violation"):
        RuleType(name="odd", spec=Odd, doc=doc, position=1, expectations=lambda r, g: [],
                 describe=str)


def test_registry_and_specs_import_without_spark_or_gx() -> None:
    code = ("import sys; sys.modules['pyspark'] = None; sys.modules['great_expectations'] = None\n"
            "from lakehouse.config.rule_types import rule_types, markdown_table\n"
            "import lakehouse.config.quality_spec, lakehouse.onboard.suggest\n"
            "assert len(rule_types()) >= 14 and markdown_table()")
    subprocess.run([sys.executable, "-c", code], check=True)
