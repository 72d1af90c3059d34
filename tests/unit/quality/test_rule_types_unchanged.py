"""Moving the rule types into the registry (issue #26) changed no reason text and no GX mapping.

The oracle is the per-type code of ``quality/rules.py`` (``describe``) and
``quality/gx_suite.py`` (``expectations_for``) as it was before the registry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lakehouse.config.quality_spec import GateRules
from lakehouse.quality.gx_suite import expectations_for, ref_view
from lakehouse.quality.rules import describe

NOW = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
BASELINE = {"mean:d": 10.0, "stddev:d": 2.0, "null_ratio:d": 0.1, "distinct_count:d": 40.0}
FAIL = {"severity": "fail", "threshold": {"max_ratio": 0.1}}

CASES = [
    ({"rule": "not_null", "column": "flight no"}, "flight no is null"),
    ({"rule": "not_null", "column": "c", **FAIL, "description": "why"}, "c is null"),
    ({"rule": "type_castable", "column": "n", "type": "int"}, "n does not cast to int"),
    ({"rule": "type_castable", "column": "d", "type": "date", "format": "dd.MM.yyyy"},
     "d does not cast to date"),
    ({"rule": "expression", "expr": "a > 0 -- positive"}, "not (a > 0 -- positive)"),
    ({"rule": "in_set", "column": "c", "values": ["O'Hare", 2, 2.5]},
     "c not in [\"O'Hare\", 2, 2.5]"),
    ({"rule": "in_set", "column": "c", "values": list(range(12))},
     "c not in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"),
    ({"rule": "between", "column": "c", "min": 0}, "c outside [0, …]"),
    ({"rule": "between", "column": "c", "max": 2.5, **FAIL}, "c outside […, 2.5]"),
    ({"rule": "regex", "column": "c", "pattern": r"^\d{3}$"}, "c does not match /^\\d{3}$/"),
    ({"rule": "length", "column": "c", "max": 4}, "length(c) outside [None, 4]"),
    ({"rule": "unique", "column": "id"}, "id is duplicated"),
    ({"rule": "compound_unique", "columns": ["a", "b"]}, "(a, b) is duplicated"),
    ({"rule": "references", "column": "dest", "dataset": "airports", "ref_column": "faa"},
     "dest not found in airports.faa"),
    ({"rule": "references", "column": "dest", "dataset": "airports"},
     "dest not found in airports.dest"),
    ({"rule": "row_count", "min": 1}, None),
    ({"rule": "freshness", "column": "ts", "max_age": "36h"}, None),
    ({"rule": "drift", "column": "d"}, None),
    ({"rule": "drift", "column": "d", "metrics": ["null_ratio"], "severity": "fail"}, None),
]


def _rule(spec: dict):
    return GateRules.model_validate([{"name": "r", **spec}]).raw_to_curated[0]


def _former_expectations(rule) -> list:
    import great_expectations.expectations as gxe

    sev = {"warn": "warning", "quarantine": "critical", "fail": "critical"}
    common = {"meta": {"lakehouse_rule": rule.name, "lakehouse_severity": rule.severity,
                       "gate": "raw_to_curated"}, "severity": sev[rule.severity]}
    if rule.description:
        common["description"] = rule.description
    mostly = {}
    if rule.severity == "fail" and rule.threshold and rule.threshold.max_ratio is not None:
        mostly = {"mostly": 1.0 - rule.threshold.max_ratio}
    col = getattr(rule, "column", None)
    q = f"`{col}`" if col else ""
    kind = rule.rule
    simple = {
        "not_null": lambda: gxe.ExpectColumnValuesToNotBeNull(column=col, **mostly, **common),
        "in_set": lambda: gxe.ExpectColumnValuesToBeInSet(
            column=col, value_set=list(rule.values), **mostly, **common),
        "between": lambda: gxe.ExpectColumnValuesToBeBetween(
            column=col, min_value=rule.min, max_value=rule.max, **mostly, **common),
        "regex": lambda: gxe.ExpectColumnValuesToMatchRegex(
            column=col, regex=rule.pattern, **mostly, **common),
        "length": lambda: gxe.ExpectColumnValueLengthsToBeBetween(
            column=col, min_value=rule.min, max_value=rule.max, **mostly, **common),
        "unique": lambda: gxe.ExpectColumnValuesToBeUnique(column=col, **mostly, **common),
        "compound_unique": lambda: gxe.ExpectCompoundColumnsToBeUnique(
            column_list=rule.columns(), ignore_row_if="any_value_is_missing",
            **mostly, **common),
        "row_count": lambda: gxe.ExpectTableRowCountToBeBetween(
            min_value=rule.min, max_value=rule.max, **common),
    }
    if kind in simple:
        return [simple[kind]()]
    if kind == "expression":
        sql = f"SELECT * FROM {{batch}} WHERE NOT coalesce(({rule.expr}), true)"
        return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=sql, **common)]
    if kind == "type_castable":
        sql = (f"SELECT * FROM {{batch}} WHERE {q} IS NOT NULL AND "
               f"try_cast({q} AS {rule.type}) IS NULL")
        return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=sql, **common)]
    if kind == "references":
        view, ref = ref_view(rule.dataset, rule.target_column), f"`{rule.target_column}`"
        sql = (f"SELECT * FROM {{batch}} WHERE {q} IS NOT NULL AND {q} NOT IN "
               f"(SELECT {ref} FROM {view} WHERE {ref} IS NOT NULL)")
        return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=sql, **common)]
    if kind == "freshness":
        oldest = NOW - timedelta(seconds=rule.max_age_seconds)
        return [gxe.ExpectColumnMaxToBeBetween(
            column=col, min_value=oldest.replace(tzinfo=None).isoformat(), **common)]
    out = []  # drift
    for metric in rule.metrics:
        base = BASELINE[f"{metric}:{rule.column}"]
        tol = rule.tolerance
        if metric == "null_ratio":
            out.append(gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
                column=col, min_value=max(0.0, 1 - base - tol), max_value=min(1.0, 1 - base + tol),
                **common))
            continue
        cls = {"mean": gxe.ExpectColumnMeanToBeBetween, "stddev": gxe.ExpectColumnStdevToBeBetween,
               "distinct_count": gxe.ExpectColumnUniqueValueCountToBeBetween}[metric]
        out.append(cls(column=col, min_value=base - abs(base) * tol,
                       max_value=base + abs(base) * tol, **common))
    return out


def _configs(expectations: list) -> list[dict]:
    return [e.configuration.to_json_dict() for e in expectations]


@pytest.mark.parametrize(("spec", "reason"), CASES,
                         ids=[f"{s['rule']}-{i}" for i, (s, _) in enumerate(CASES)])
def test_reason_text_and_gx_expectations_are_the_former_ones(spec, reason) -> None:
    rule = _rule(spec)
    if reason is not None:
        assert describe(rule) == f"r: {reason}"
    got = expectations_for(rule, gate="raw_to_curated", baseline=BASELINE, now=NOW)
    assert _configs(got) == _configs(_former_expectations(rule))
    assert got, "every former rule type stated at least one expectation here"


def test_drift_without_a_baseline_states_nothing() -> None:
    assert expectations_for(_rule({"rule": "drift", "column": "d"}), gate="raw_to_curated",
                            baseline=None, now=NOW) == []
