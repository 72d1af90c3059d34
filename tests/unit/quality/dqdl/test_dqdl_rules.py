"""YAML rules <-> DQDL through the rule registry: exact forms, identity round trips, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.config.rule_types import rule_type, rule_types
from lakehouse.quality.dqdl import ast, parse, to_dqdl
from lakehouse.quality.dqdl.rules import (
    FORMS,
    DqdlForm,
    DqdlUnmappableError,
    NoForm,
    dqdl_to_rules,
    rule_to_dqdl,
    rules_to_dqdl,
)
from lakehouse.quality.dqdl.validate import validate

REPO = Path(__file__).resolve().parents[4]
UNMAPPABLE_IN_CONF = {"dest_known", "tailnum_known", "dep_delay_drift", "too_many_bad_delays",
                      "key_unique"}


def make(**data):
    return rule_type(data["rule"]).spec.model_validate(data)


def through_text(rules):
    """YAML rules -> DQDL text -> parsed -> YAML rules."""
    export = rules_to_dqdl(rules)
    assert not export.unmappable, [str(e) for e in export.unmappable]
    text = to_dqdl(export.ruleset)
    parsed = parse(text)
    assert parsed == export.ruleset
    return text, dqdl_to_rules(parsed)


def test_every_rule_type_declares_its_dqdl_form():
    assert set(FORMS) == {t.name for t in rule_types()}
    for name, how in FORMS.items():
        assert isinstance(how, DqdlForm | NoForm), name
        if isinstance(how, NoForm):
            assert len(how.reason) > 30, name


@pytest.fixture(scope="module")
def project():
    return load_project(REPO / "conf")


def test_conf_rules_round_trip_and_validate(project):
    left = set()
    for ds in project.datasets.values():
        for gate in ("raw_to_curated", "curated_to_exportable"):
            rules = ds.rules.for_gate(gate)
            export = rules_to_dqdl(rules)
            left |= {e.rule for e in export.unmappable}
            if export.ruleset is None:
                continue
            text = to_dqdl(export.ruleset)
            parsed = parse(text, file=f"{ds.name}.{gate}.dqdl")
            errors = [str(p) for p in validate(parsed, columns=ds.columns) if p.is_error]
            assert not errors, (text, errors)
            mapped = [r for r in rules if r.name not in UNMAPPABLE_IN_CONF]
            assert dqdl_to_rules(parsed) == mapped
    assert left == UNMAPPABLE_IN_CONF


HAND_MADE = [
    {"name": "id_set", "rule": "not_null", "column": "id"},
    {"name": "id_set_w", "rule": "not_null", "column": "odd col", "severity": "warn",
     "description": 'says "hi" \\ there'},
    {"name": "id_unique", "rule": "unique", "column": "id", "severity": "fail"},
    {"name": "positive", "rule": "expression", "expr": "distance > 0 AND air_time >= 1"},
    {"name": "known", "rule": "in_set", "column": "code", "values": ["A", 'q"uote', "b\\s", "1"]},
    {"name": "nums", "rule": "in_set", "column": "n", "values": [1, 2.5, -3], "severity": "fail",
     "threshold": {"max_ratio": 0.05}},
    {"name": "range", "rule": "between", "column": "x", "min": -1.5, "max": 10},
    {"name": "low", "rule": "between", "column": "x", "min": 0, "severity": "warn"},
    {"name": "high", "rule": "between", "column": "x", "max": 2359.25},
    {"name": "shape", "rule": "regex", "column": "code", "pattern": r"^[A-Z]\d{2,3}$"},
    {"name": "len", "rule": "length", "column": "code", "min": 3, "max": 4},
    {"name": "len_max", "rule": "length", "column": "code", "max": 8, "severity": "fail"},
    {"name": "rows", "rule": "row_count", "min": 1, "max": 1000000},
    {"name": "rows_max", "rule": "row_count", "max": 5, "severity": "warn"},
]


def test_hand_made_rules_of_every_mappable_type_round_trip():
    rules = [make(**d) for d in HAND_MADE]
    mappable = {n for n, how in FORMS.items() if isinstance(how, DqdlForm)}
    assert {r.rule for r in rules} == mappable
    text, back = through_text(rules)
    assert back == rules, text
    columns = {"id": "bigint", "odd col": "string", "code": "string", "n": "int", "x": "double"}
    assert not [p for p in validate(parse(text), columns=columns) if p.is_error]


def test_forms_keep_glue_semantics():
    def text(**d):
        return to_dqdl(ast.Ruleset(rules=(rule_to_dqdl(make(**d)),)))

    between = text(name="b", rule="between", column="x", min=1, max=5)
    assert ">= 1 where" in between and "<= 5 where" in between and " between " not in between
    assert 'in ["A", NULL]' in text(name="s", rule="in_set", column="c", values=["A"])
    assert "with threshold >= 0.95" in text(name="s", rule="in_set", column="c", values=["A"],
                                            severity="fail", threshold={"max_ratio": 0.05})
    assert 'labels=["name"="n", "severity"="warn"]' in text(name="n", rule="not_null",
                                                            column="c", severity="warn")


@pytest.mark.parametrize("data, why", [
    ({"rule": "compound_unique", "columns": ["a", "b"]}, "IsPrimaryKey"),
    ({"rule": "references", "column": "a", "dataset": "airports"}, "ReferentialIntegrity"),
    ({"rule": "type_castable", "column": "a", "type": "int"}, "ColumnDataType"),
    ({"rule": "not_in_future", "column": "a"}, "now()"),
    ({"rule": "freshness", "column": "a", "max_age": "1d"}, "newest"),
    ({"rule": "drift", "column": "a"}, "last run"),
    ({"rule": "regex", "column": "a", "pattern": "[A-Z]+"}, "anchored"),
    ({"rule": "regex", "column": "a", "pattern": "^[A-Z]*$"}, "empty string"),
    ({"rule": "between", "column": "a", "min": 0, "severity": "fail",
      "threshold": {"max_ratio": 0.1}}, "threshold"),
    ({"rule": "in_set", "column": "a", "values": ["x"], "severity": "fail",
      "threshold": {"max_count": 3}}, "max_count"),
    ({"rule": "length", "column": "a"}, "no bound"),
    ({"rule": "expression", "expr": "a > 0 -- positive"}, "comment"),
    ({"rule": "not_null", "column": 'a"b'}, "double quote"),
])
def test_rules_without_an_exact_form_are_refused_by_name(data, why):
    rule = make(name="the_rule", severity=data.pop("severity", "warn"), **data)
    with pytest.raises(DqdlUnmappableError) as err:
        rule_to_dqdl(rule)
    assert err.value.rule == "the_rule" and err.value.rule_type == data["rule"]
    assert "'the_rule'" in str(err.value) and data["rule"] in str(err.value)
    assert why in err.value.reason


def test_hand_written_dqdl_without_labels():
    rules = dqdl_to_rules(parse('Rules = [ IsComplete "id", RowCount >= 1,\n'
                                ' ColumnValues "c" in ["a", NULL] with threshold >= 0.9 ]'))
    assert [(r.name, r.rule, r.severity) for r in rules] == [
        ("dqdl_1", "not_null", "fail"), ("dqdl_2", "row_count", "fail"),
        ("dqdl_3", "in_set", "fail")]
    assert rules[2].threshold.max_ratio == pytest.approx(0.1)


@pytest.mark.parametrize("text", [
    'Rules = [ ColumnValues "c" in ["a"] ]',              # nulls fail in Glue, pass in YAML
    'Rules = [ ColumnValues "c" between 1 and 5 ]',       # exclusive, and nulls fail
    'Rules = [ ColumnValues "c" >= 1 ]',                  # nulls fail
    'Rules = [ Mean "c" > 3 ]',
    'Rules = [ IsComplete "c" with threshold >= 0.9 ]',
    'Rules = [ (IsComplete "a") or (IsComplete "b") ]',
])
def test_dqdl_with_no_yaml_meaning_is_refused(text):
    with pytest.raises(DqdlUnmappableError, match="no YAML rule type means"):
        dqdl_to_rules(parse(text))


def test_docs_table_is_generated_from_the_forms():
    from lakehouse.quality.dqdl.rules import render_docs

    page = (REPO / "docs" / "quality-dqdl.md").read_text(encoding="utf-8")
    assert render_docs(page) == page, (
        "regenerate: python -m lakehouse.quality.dqdl.rules docs/quality-dqdl.md")


def test_bad_labels_are_reported_with_the_rule():
    with pytest.raises(DqdlUnmappableError, match=r"'c_set' .*severity"):
        dqdl_to_rules(parse('Rules = [ IsComplete "c" labels=["name"="c_set", "severity"="loud"] ]'))


def test_the_mapping_imports_without_pyspark():
    import subprocess
    import sys

    code = ("import sys; sys.modules['pyspark'] = None; sys.modules['delta'] = None\n"
            "from lakehouse.config.rule_types import rule_type\n"
            "from lakehouse.quality.dqdl.rules import dqdl_to_rules, rules_to_dqdl\n"
            "r = rule_type('not_null').spec.model_validate("
            "{'name': 'a_set', 'rule': 'not_null', 'column': 'a'})\n"
            "assert dqdl_to_rules(rules_to_dqdl([r]).ruleset) == [r]\n"
            "assert 'pyspark.sql' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
