"""Rule specs in dataset YAML: shapes, severities, thresholds, column checks (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from lakehouse.config import load_project
from lakehouse.config.models import DatasetConfig
from lakehouse.config.quality_spec import GateRules, Threshold

REPO = Path(__file__).resolve().parents[3]
BASE = {
    "name": "t", "source": {"format": "csv", "path": "t"},
    "schema": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}],
    "primary_key": ["a"],
}


def test_a_plain_list_means_raw_to_curated() -> None:
    rules = GateRules.model_validate([{"name": "x", "rule": "not_null", "column": "a"}])
    assert [r.name for r in rules.for_gate("raw_to_curated")] == ["x"]
    assert rules.for_gate("curated_to_exportable") == []


def test_rules_per_gate_with_every_rule_type() -> None:
    rules = GateRules.model_validate({
        "raw_to_curated": [
            {"name": "nn", "rule": "not_null", "column": "a"},
            {"name": "tc", "rule": "type_castable", "column": "b", "type": "integer"},
            {"name": "ex", "rule": "expression", "expr": "a > 0"},
            {"name": "is", "rule": "in_set", "column": "b", "values": ["x"]},
            {"name": "bt", "rule": "between", "column": "a", "max": 3},
            {"name": "re", "rule": "regex", "column": "b", "pattern": "^x+$"},
            {"name": "ln", "rule": "length", "column": "b", "min": 1},
            {"name": "un", "rule": "unique", "column": "a"},
            {"name": "cu", "rule": "compound_unique", "columns": ["a", "b"]},
            {"name": "rf", "rule": "references", "column": "b", "dataset": "o"},
            {"name": "rc", "rule": "row_count", "min": 1},
            {"name": "fr", "rule": "freshness", "column": "a", "max_age": "36h"},
            {"name": "dr", "rule": "drift", "column": "a", "tolerance": 0.1},
        ],
        "curated_to_exportable": [
            {"name": "nn", "rule": "not_null", "column": "a", "severity": "fail",
             "threshold": {"max_ratio": 0.01}},
        ],
    })
    first = rules.for_gate("raw_to_curated")
    assert [r.rule for r in first][:3] == ["not_null", "type_castable", "expression"]
    assert first[1].type == "int"                              # normalized
    assert first[8].columns() == ["a", "b"]
    assert first[9].target_column == "b"
    assert first[10].severity == "fail" and first[11].severity == "warn"  # dataset defaults
    assert first[11].max_age_seconds == 36 * 3600
    assert len(rules) == 14 and bool(rules)


@pytest.mark.parametrize(("rule", "message"), [
    ({"name": "x", "rule": "not_null", "column": "a", "threshold": {"max_count": 1}},
     "only applies to severity 'fail'"),
    ({"name": "x", "rule": "row_count", "min": 1, "severity": "quarantine"},
     "cannot quarantine rows"),
    ({"name": "x", "rule": "regex", "column": "a", "pattern": "("}, "not a valid regular"),
    ({"name": "x", "rule": "between", "column": "a"}, "give 'min', 'max' or both"),
    ({"name": "x", "rule": "freshness", "column": "a", "max_age": "2 weeks"}, "unit s/m/h/d"),
    ({"name": "x", "rule": "nope", "column": "a"}, "does not match any of the expected tags"),
])
def test_invalid_rules_are_rejected_with_a_reason(rule: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        GateRules.model_validate([rule])


def test_rule_names_are_unique_per_gate() -> None:
    with pytest.raises(ValidationError, match="repeated"):
        GateRules.model_validate([{"name": "x", "rule": "not_null", "column": "a"},
                                  {"name": "x", "rule": "not_null", "column": "b"}])


def test_a_rule_on_an_undeclared_column_names_the_close_match() -> None:
    data = {**BASE, "rules": [{"name": "x", "rule": "not_null", "column": "bb"}]}
    with pytest.raises(ValidationError, match=r"rules.raw_to_curated\[x\].*'bb'.*did you mean 'b'"):
        DatasetConfig.model_validate(data)


@pytest.mark.parametrize(("threshold", "failing", "total", "exceeded"), [
    (Threshold(), 0, 100, False),
    (Threshold(), 1, 100, True),                      # no limit given: any failure blocks
    (Threshold(max_count=2), 2, 100, False),
    (Threshold(max_count=2), 3, 100, True),
    (Threshold(max_ratio=0.05), 5, 100, False),
    (Threshold(max_ratio=0.05), 6, 100, True),
    (Threshold(max_ratio=0.5, max_count=1), 2, 100, True),
])
def test_threshold(threshold: Threshold, failing: int, total: int, exceeded: bool) -> None:
    assert threshold.exceeded(failing, total) is exceeded


def test_the_shipped_conf_declares_sensible_flights_rules() -> None:
    project = load_project(REPO / "conf")
    rules = {r.name: r for r in project.datasets["flights"].rules.for_gate("raw_to_curated")}
    assert rules["dep_time_present"].severity == "warn"
    assert rules["distance_positive"].severity == "quarantine"
    assert rules["dest_known"].rule == "references" and rules["dest_known"].dataset == "airports"
    assert rules["tailnum_known"].dataset == "planes"
    exportable = project.datasets["flights"].rules.for_gate("curated_to_exportable")
    assert {r.rule for r in exportable} == {"compound_unique", "row_count"}
