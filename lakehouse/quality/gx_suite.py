"""Rules compiled to a Great Expectations 1.x ExpectationSuite, and GX validation results
built from the counts the one-pass gate already computed (GX never rescans the data here).

The same suite can be validated by GX itself, expectation by expectation (see
``bench/bench_quality.py``): the expectations mean exactly what the gate checks.
SQL expectations refer to referenced tables as temp views named :func:`ref_view`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lakehouse.config.rule_types import GxContext, rule_type
from lakehouse.config.rule_types.references import ref_view

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )

    from lakehouse.quality.outcome import GateOutcome

__all__ = ["build_suite", "expectations_for", "ref_view", "suite_name", "validation_result"]

# SQL in expectations is built from the dataset contract (trusted config), never from data.
_GX_SEVERITY = {"warn": "warning", "quarantine": "critical", "fail": "critical"}


def suite_name(dataset: str, gate: str) -> str:
    return f"{dataset}.{gate}"


def expectations_for(rule, *, gate: str, baseline: Mapping[str, float] | None = None,
                     now: datetime | None = None) -> list:
    """The GX expectations that state ``rule`` (drift without a baseline states nothing):
    its rule type's mapping (:mod:`lakehouse.config.rule_types`) as GX objects."""
    import great_expectations.expectations as gxe

    if getattr(rule, "dqdl", False):
        return []  # DQDL rules have no GX expectation: their results carry Glue's metrics
    common: dict[str, Any] = {
        "meta": {"lakehouse_rule": rule.name, "lakehouse_severity": rule.severity, "gate": gate},
        "severity": _GX_SEVERITY[rule.severity],
    }
    if rule.description:
        common["description"] = rule.description
    mostly = {}
    if rule.severity == "fail" and rule.threshold and rule.threshold.max_ratio is not None:
        mostly = {"mostly": 1.0 - rule.threshold.max_ratio}
    ctx = GxContext(mostly=mostly, now=now or datetime.now(UTC), baseline=baseline)
    return [getattr(gxe, cls)(**kwargs, **common)
            for cls, kwargs in rule_type(rule.rule).expectations(rule, ctx)]


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
    rt = rule_type(rule.rule)
    if rt.gx_result == "rows":
        return {"observed_value": res.failing,
                "details": {"unexpected_rows": res.samples}}
    if res.level == "dataset":
        observed = rt.gx_observed(rule, res, exp.expectation_type) if rt.gx_observed else None
        return {"observed_value": observed}
    col = getattr(rule, "column", None)
    cols = rule.columns()
    values = [s.get(col) if col else {c: s.get(c) for c in cols} for s in res.samples]
    pct = 100.0 * res.failing / res.total if res.total else 0.0
    return {"element_count": res.total, "unexpected_count": res.failing,
            "unexpected_percent": pct, "unexpected_percent_total": pct,
            "unexpected_percent_nonmissing": pct, "missing_count": 0, "missing_percent": 0.0,
            "partial_unexpected_list": values}
