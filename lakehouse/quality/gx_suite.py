"""Rules compiled to a Great Expectations 1.x ExpectationSuite, and GX validation results
built from the counts the one-pass gate already computed (GX never rescans the data here).

The same suite can be validated by GX itself, expectation by expectation (see
``bench/bench_quality.py``): the expectations mean exactly what the gate checks.
SQL expectations refer to referenced tables as temp views named :func:`ref_view`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )

    from lakehouse.quality.outcome import GateOutcome

# SQL below is built from the dataset contract (trusted config), never from data.
_GX_SEVERITY = {"warn": "warning", "quarantine": "critical", "fail": "critical"}


def ref_view(dataset: str, column: str) -> str:
    """Temp view name a referential SQL expectation reads (distinct keys of ``dataset``)."""
    return f"lakehouse_ref_{dataset}_{column}"


def suite_name(dataset: str, gate: str) -> str:
    return f"{dataset}.{gate}"


def expectations_for(rule, *, gate: str, baseline: Mapping[str, float] | None = None,
                     now: datetime | None = None) -> list:
    """The GX expectations that state ``rule`` (drift without a baseline states nothing)."""
    import great_expectations.expectations as gxe

    common: dict[str, Any] = {
        "meta": {"lakehouse_rule": rule.name, "lakehouse_severity": rule.severity, "gate": gate},
        "severity": _GX_SEVERITY[rule.severity],
    }
    if rule.description:
        common["description"] = rule.description
    mostly = {}
    if rule.severity == "fail" and rule.threshold and rule.threshold.max_ratio is not None:
        mostly = {"mostly": 1.0 - rule.threshold.max_ratio}
    col = getattr(rule, "column", None)
    q = f"`{col}`" if col else ""
    kind = rule.rule
    if kind == "not_null":
        return [gxe.ExpectColumnValuesToNotBeNull(column=col, **mostly, **common)]
    if kind == "in_set":
        return [gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(rule.values),
                                                **mostly, **common)]
    if kind == "between":
        return [gxe.ExpectColumnValuesToBeBetween(column=col, min_value=rule.min,
                                                  max_value=rule.max, **mostly, **common)]
    if kind == "regex":
        return [gxe.ExpectColumnValuesToMatchRegex(column=col, regex=rule.pattern,
                                                   **mostly, **common)]
    if kind == "length":
        return [gxe.ExpectColumnValueLengthsToBeBetween(column=col, min_value=rule.min,
                                                        max_value=rule.max, **mostly, **common)]
    if kind == "unique":
        return [gxe.ExpectColumnValuesToBeUnique(column=col, **mostly, **common)]
    if kind == "compound_unique":
        return [gxe.ExpectCompoundColumnsToBeUnique(column_list=rule.columns(),
                                                    ignore_row_if="any_value_is_missing",
                                                    **mostly, **common)]
    if kind == "expression":
        sql = f"SELECT * FROM {{batch}} WHERE NOT coalesce(({rule.expr}), true)"  # noqa: S608
        return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=sql, **common)]
    if kind == "type_castable":
        sql = (f"SELECT * FROM {{batch}} WHERE {q} IS NOT NULL AND "  # noqa: S608
               f"try_cast({q} AS {rule.type}) IS NULL")
        return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=sql, **common)]
    if kind == "references":
        view, ref = ref_view(rule.dataset, rule.target_column), f"`{rule.target_column}`"
        sql = (f"SELECT * FROM {{batch}} WHERE {q} IS NOT NULL AND {q} NOT IN "  # noqa: S608
               f"(SELECT {ref} FROM {view} WHERE {ref} IS NOT NULL)")
        return [gxe.UnexpectedRowsExpectation(unexpected_rows_query=sql, **common)]
    if kind == "row_count":
        return [gxe.ExpectTableRowCountToBeBetween(min_value=rule.min, max_value=rule.max,
                                                   **common)]
    if kind == "freshness":
        oldest = (now or datetime.now(UTC)) - timedelta(seconds=rule.max_age_seconds)
        return [gxe.ExpectColumnMaxToBeBetween(
            column=col, min_value=oldest.replace(tzinfo=None).isoformat(), **common)]
    if kind == "drift":
        return _drift_expectations(rule, baseline, common)
    raise ValueError(f"no GX expectation for rule type {kind!r}")


def _drift_expectations(rule, baseline: Mapping[str, float] | None, common: dict) -> list:
    import great_expectations.expectations as gxe

    if not baseline:
        return []
    out = []
    tol = rule.tolerance
    for metric in rule.metrics:
        base = baseline.get(f"{metric}:{rule.column}")
        if base is None:
            continue
        if metric == "null_ratio":
            lo, hi = max(0.0, 1 - base - tol), min(1.0, 1 - base + tol)
            out.append(gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
                column=rule.column, min_value=lo, max_value=hi, **common))
            continue
        lo, hi = base - abs(base) * tol, base + abs(base) * tol
        cls = {"mean": gxe.ExpectColumnMeanToBeBetween, "stddev": gxe.ExpectColumnStdevToBeBetween,
               "distinct_count": gxe.ExpectColumnUniqueValueCountToBeBetween}[metric]
        out.append(cls(column=rule.column, min_value=lo, max_value=hi, **common))
    return out


def build_suite(rules: Sequence, *, dataset: str, gate: str,
                baseline: Mapping[str, float] | None = None, now: datetime | None = None):
    """An ``ExpectationSuite`` named ``<dataset>.<gate>`` with every rule's expectations."""
    import great_expectations as gx

    expectations = [e for r in rules
                    for e in expectations_for(r, gate=gate, baseline=baseline, now=now)]
    return gx.ExpectationSuite(name=suite_name(dataset, gate), expectations=expectations,
                               meta={"lakehouse_dataset": dataset, "gate": gate})


def validation_result(outcome: GateOutcome, *, baseline: Mapping[str, float] | None = None,
                      ) -> tuple[Any, ExpectationSuiteValidationResult]:
    """(suite, GX suite validation result) for a finished gate run, from its own counts."""
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    by_name = {r.name: r for r in outcome.results}
    results = []
    expectations = []
    for rule in outcome.rules:
        res = by_name[rule.name]
        for exp in expectations_for(rule, gate=outcome.gate, baseline=baseline,
                                    now=outcome.started_at):
            expectations.append(exp)
            results.append(ExpectationValidationResult(
                success=_success(res), expectation_config=exp.configuration,
                result=_result_dict(rule, res, exp), meta={"lakehouse": res.to_dict()},
                exception_info=_skipped(res)))
    suite = gx.ExpectationSuite(name=suite_name(outcome.dataset, outcome.gate),
                                expectations=expectations,
                                meta={"lakehouse_dataset": outcome.dataset, "gate": outcome.gate})
    ok = sum(1 for r in results if r.success)
    run_time = outcome.started_at.isoformat()
    suite_result = ExpectationSuiteValidationResult(
        success=not outcome.blocked, results=results, suite_name=suite.name,
        statistics={"evaluated_expectations": len(results), "successful_expectations": ok,
                    "unsuccessful_expectations": len(results) - ok,
                    "success_percent": 100.0 * ok / len(results) if results else 100.0},
        meta={"great_expectations_version": gx.__version__,
              "expectation_suite_name": suite.name,
              "run_id": {"run_name": outcome.run_id or "adhoc", "run_time": run_time},
              "validation_time": outcome.started_at.strftime("%Y%m%dT%H%M%S.%fZ"),
              "active_batch_definition": {
                  "datasource_name": "lakehouse", "data_connector_name": outcome.gate,
                  "data_asset_name": outcome.dataset, "batch_identifiers": {}},
              "batch_spec": {"data_asset_name": f"{outcome.dataset} ({outcome.gate})",
                             "rows": outcome.total},
              "lakehouse": {"rows_in": outcome.total, "rows_passed": outcome.passed_count,
                            "rows_quarantined": outcome.quarantined_count,
                            "blocked": outcome.blocked}},
        batch_id=f"{outcome.dataset}-{outcome.run_id}")
    return suite, suite_result


def _success(res) -> bool | None:
    if res.status == "skipped":
        return None
    if res.severity == "fail":
        return not res.blocking
    return res.status == "passed"


def _skipped(res) -> dict | None:
    if res.status != "skipped":
        return None
    # GX's renderer formats the traceback as a string template: never hand it None
    return {"raised_exception": True, "exception_traceback": f"not evaluated: {res.description}",
            "exception_message": res.description}


def _result_dict(rule, res, exp) -> dict:
    if res.status == "skipped":
        return {}
    if rule.rule in ("expression", "type_castable", "references"):
        return {"observed_value": res.failing,
                "details": {"unexpected_rows": res.samples}}
    if res.level == "dataset":
        return {"observed_value": _observed(rule, res, exp)}
    col = getattr(rule, "column", None)
    cols = rule.columns()
    values = [s.get(col) if col else {c: s.get(c) for c in cols} for s in res.samples]
    pct = 100.0 * res.failing / res.total if res.total else 0.0
    return {"element_count": res.total, "unexpected_count": res.failing,
            "unexpected_percent": pct, "unexpected_percent_total": pct,
            "unexpected_percent_nonmissing": pct, "missing_count": 0, "missing_percent": 0.0,
            "partial_unexpected_list": values}


def _observed(rule, res, exp) -> Any:
    if rule.rule == "row_count":
        return res.total
    if rule.rule == "freshness":
        return res.observed.get("newest")
    metric = {"expect_column_mean_to_be_between": "mean",
              "expect_column_stdev_to_be_between": "stddev",
              "expect_column_unique_value_count_to_be_between": "distinct_count",
              "expect_column_proportion_of_non_null_values_to_be_between": "null_ratio"}
    key = metric.get(exp.expectation_type)
    value = res.observed.get("current", {}).get(key)
    return 1 - value if key == "null_ratio" and value is not None else value
