"""Dataset-level rule decisions, the GX suite compiler, GX results and Data Docs (no Spark)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import great_expectations as gx
import pytest
from great_expectations.core.expectation_validation_result import (
    ExpectationSuiteValidationResult,
)

from lakehouse.config.quality_spec import GateRules
from lakehouse.errors import QualityGateError
from lakehouse.quality.docs import render_validation_html
from lakehouse.quality.gate import GateOutcome
from lakehouse.quality.gx_suite import build_suite, validation_result
from lakehouse.quality.metrics import dataset_results
from lakehouse.quality.results import RuleResult, blocked_error, row_result

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)


def _rules(specs: list[dict]) -> list:
    return GateRules.model_validate(specs).for_gate("raw_to_curated")


def test_row_count_and_freshness() -> None:
    rules = _rules([
        {"name": "rc", "rule": "row_count", "min": 5, "max": 10},
        {"name": "fresh", "rule": "freshness", "column": "ts", "max_age": "1d"},
        {"name": "stale", "rule": "freshness", "column": "old", "max_age": "1d", "severity": "fail"},
    ])
    row = {"__lh_max:ts": datetime(2026, 1, 2, 0, 0), "__lh_max:old": datetime(2025, 12, 1)}
    out = {r.name: r for r in dataset_results(rules, row, total=4, baseline=None, now=NOW)}
    assert out["rc"].status == "failed" and out["rc"].blocking     # default severity fail
    assert out["fresh"].status == "passed" and out["fresh"].observed["age_hours"] == 12
    assert out["stale"].blocking and "older than 1d" in out["stale"].description


def test_drift_compares_with_the_baseline() -> None:
    rules = _rules([{"name": "d", "rule": "drift", "column": "x", "tolerance": 0.2}])
    row = {"mean:x": 15.0, "stddev:x": 2.0, "__lh_nulls:x": 50, "distinct_count:x": 10}
    first = dataset_results(rules, row, total=100, baseline=None, now=NOW)[0]
    assert first.status == "passed" and first.observed["note"] == "no previous passed run"
    base = {"mean:x": 10.0, "stddev:x": 2.1, "null_ratio:x": 0.1, "distinct_count:x": 10}
    res = dataset_results(rules, row, total=100, baseline=base, now=NOW)[0]
    assert res.status == "failed" and not res.blocking               # warn by default
    assert set(res.observed["drifted"]) == {"mean", "null_ratio"}    # +50%, +0.4 absolute
    same = dataset_results(rules, row, total=100, baseline={**base, "mean:x": 14.0,
                                                            "null_ratio:x": 0.45}, now=NOW)[0]
    assert same.status == "passed"


SPECS = [
    {"name": "nn", "rule": "not_null", "column": "a", "severity": "warn"},
    {"name": "tc", "rule": "type_castable", "column": "s", "type": "int"},
    {"name": "ex", "rule": "expression", "expr": "a > 0"},
    {"name": "is", "rule": "in_set", "column": "s", "values": ["x", "y"]},
    {"name": "bt", "rule": "between", "column": "a", "min": 0, "max": 9, "severity": "fail",
     "threshold": {"max_ratio": 0.1}},
    {"name": "re", "rule": "regex", "column": "s", "pattern": "^[xy]$"},
    {"name": "ln", "rule": "length", "column": "s", "min": 1, "max": 1},
    {"name": "un", "rule": "unique", "column": "a"},
    {"name": "cu", "rule": "compound_unique", "columns": ["a", "s"]},
    {"name": "rf", "rule": "references", "column": "s", "dataset": "other"},
    {"name": "rc", "rule": "row_count", "min": 1},
    {"name": "fr", "rule": "freshness", "column": "ts", "max_age": "7d"},
    {"name": "dr", "rule": "drift", "column": "a", "metrics": ["mean", "null_ratio"]},
]


def test_every_rule_compiles_to_a_real_gx_expectation() -> None:
    rules = _rules(SPECS)
    suite = build_suite(rules, dataset="t", gate="raw_to_curated",
                        baseline={"mean:a": 4.0, "null_ratio:a": 0.0}, now=NOW)
    assert isinstance(suite, gx.ExpectationSuite) and suite.name == "t.raw_to_curated"
    types = [e.expectation_type for e in suite.expectations]
    assert types == [
        "expect_column_values_to_not_be_null", "unexpected_rows_expectation",
        "unexpected_rows_expectation", "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
        "expect_column_value_lengths_to_be_between", "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique", "unexpected_rows_expectation",
        "expect_table_row_count_to_be_between", "expect_column_max_to_be_between",
        "expect_column_mean_to_be_between",
        "expect_column_proportion_of_non_null_values_to_be_between",
    ]
    between = suite.expectations[4]
    assert between.mostly == pytest.approx(0.9) and between.severity == "critical"
    assert suite.expectations[0].severity == "warning"
    assert suite.expectations[0].meta["lakehouse_rule"] == "nn"
    assert "lakehouse_ref_other_s" in suite.expectations[9].unexpected_rows_query
    json.dumps(suite.to_json_dict(), default=str)


def _outcome(rules: list, results: list[RuleResult], total: int = 10) -> GateOutcome:
    return GateOutcome(dataset="t", gate="raw_to_curated", run_id="run-1", started_at=NOW,
                       passed=None, quarantined=None, results=results, total=total,  # type: ignore[arg-type]
                       quarantined_count=2, rules=rules)


def test_gx_validation_result_and_data_docs_from_gate_counts() -> None:
    rules = _rules(SPECS[:5])
    results = [row_result(r, total=10, failing=n, description=f"{r.name}: bad")
               for r, n in zip(rules, [1, 0, 2, 0, 3], strict=True)]
    results[2].samples = [{"a": -1, "s": "x"}]
    results[4].samples = [{"a": 42, "s": "y"}]
    outcome = _outcome(rules, results)
    assert outcome.blocked and outcome.warnings == {"nn": 1}
    suite, res = validation_result(outcome)
    assert isinstance(res, ExpectationSuiteValidationResult) and not res.success
    assert len(suite.expectations) == len(res.results) == 5
    by_rule = {r.expectation_config.meta["lakehouse_rule"]: r for r in res.results}
    assert by_rule["nn"].result["unexpected_count"] == 1 and not by_rule["nn"].success
    assert by_rule["ex"].result["details"]["unexpected_rows"] == [{"a": -1, "s": "x"}]
    assert by_rule["bt"].result["partial_unexpected_list"] == [42]
    assert res.statistics["unsuccessful_expectations"] == 3
    html = render_validation_html(res)
    assert "t.raw_to_curated" in html and "run-1" in html and "42" in html


def test_blocked_error_lists_rules_counts_and_at_most_five_samples() -> None:
    rule = _rules([{"name": "bad_a", "rule": "between", "column": "a", "max": 1,
                    "severity": "fail"}])[0]
    res = row_result(rule, total=100, failing=7, description="bad_a: a outside […, 1]")
    res.samples = [{"a": i + 10} for i in range(7)]
    err = blocked_error([res], dataset="t", gate="raw_to_curated", run_id="r9",
                        docs="file:///x.html")
    text = str(err)
    assert isinstance(err, QualityGateError) and err.exit_code == 3
    assert "bad_a" in text and "7 of 100 rows" in text and "nothing was written" in text
    assert text.count("sample:") == 5 and "file:///x.html" in text
    assert "run_id=r9" in text


def test_skipped_rule_is_reported_as_such() -> None:
    rule = _rules([{"name": "rf", "rule": "references", "column": "s", "dataset": "o"}])[0]
    res = RuleResult(name="rf", rule="references", severity="quarantine", level="row", total=3,
                     status="skipped", description="rf: skipped")
    _, out = validation_result(_outcome([rule], [res], total=3))
    assert out.results[0].success is None
    assert out.results[0].exception_info["exception_message"] == "rf: skipped"


def test_freshness_bound_is_relative_to_the_run() -> None:
    rule = _rules([{"name": "fr", "rule": "freshness", "column": "ts", "max_age": "2d"}])[0]
    suite = build_suite([rule], dataset="t", gate="raw_to_curated", now=NOW)
    assert suite.expectations[0].min_value == (NOW - timedelta(days=2)).replace(tzinfo=None)
