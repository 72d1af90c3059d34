"""Dataset-level rules: row_count, freshness, drift (one aggregation, then a Python verdict).

They never quarantine rows: severity ``warn`` or ``fail``. Drift compares this run's column
statistics (``metric:column``, collected by the gate and stored as the next baseline) with
the last run that did not block.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from lakehouse.config.rule_types.base import Level, RuleBase, Severity, ident
from lakehouse.config.rule_types.registry import (
    DatasetFacts,
    GxContext,
    RuleDoc,
    RuleType,
    Suggestion,
    Verdict,
    register,
)

DriftMetric = Literal["mean", "stddev", "null_ratio", "distinct_count"]
STAT_KEY = "{metric}:{column}"
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_AGE_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# ----------------------------------------------------------------------------- row_count
class RowCountRule(RuleBase):
    level: ClassVar[Level] = "dataset"
    rule: Literal["row_count"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    severity: Severity = "fail"


def _row_count(rule: RowCountRule, facts: DatasetFacts) -> Verdict:
    total = facts.total
    ok = (rule.min is None or total >= rule.min) and (rule.max is None or total <= rule.max)
    return ok, {"row_count": total, "min": rule.min, "max": rule.max}, \
        f"row count {total} outside [{rule.min}, {rule.max}]"


register(RuleType(
    name="row_count", spec=RowCountRule, position=10, gx_result="dataset",
    aggregates=lambda r: {}, evaluate=_row_count,
    expectations=lambda r, gx: [("ExpectTableRowCountToBeBetween",
                                 {"min_value": r.min, "max_value": r.max})],
    gx_observed=lambda r, res, exp_type: res.total,
    suggest_dataset=lambda ctx: [Suggestion(
        {"name": "not_empty", "rule": "row_count", "min": 1, "severity": "fail"},
        "a delivery with no rows blocks the gate")],
    doc=RuleDoc(keys="min, max", fails="row count outside bounds",
                gx="ExpectTableRowCountToBeBetween",
                example="{name: not_empty, rule: row_count, min: 1}")))


# ----------------------------------------------------------------------------- freshness
class FreshnessRule(RuleBase):
    """The newest ``column`` timestamp is at most ``max_age`` (e.g. ``36h``, ``7d``) old."""

    level: ClassVar[Level] = "dataset"
    rule: Literal["freshness"]
    column: str
    max_age: str
    severity: Severity = "warn"

    @field_validator("max_age")
    @classmethod
    def _age(cls, value: str) -> str:
        if not _AGE.match(value):
            raise ValueError("expected a number and a unit s/m/h/d, e.g. '36h' or '7d'")
        return value

    @property
    def max_age_seconds(self) -> float:
        number, unit = _AGE.match(self.max_age).groups()  # type: ignore[union-attr]
        return float(number) * _AGE_SECONDS[unit]


def _age_seconds(newest: Any, now: datetime) -> float | None:
    if newest is None:
        return None
    if not isinstance(newest, datetime):  # a date
        newest = datetime(newest.year, newest.month, newest.day)
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return (now - newest) / timedelta(seconds=1)


def _freshness(rule: FreshnessRule, facts: DatasetFacts) -> Verdict:
    newest = facts.row.get(f"__lh_max:{rule.column}")
    age = _age_seconds(newest, facts.now)
    ok = age is not None and age <= rule.max_age_seconds
    observed = {"newest": str(newest), "age_hours": None if age is None else age / 3600,
                "max_age": rule.max_age}
    return ok, observed, f"newest {rule.column} is {observed['newest']}, older than {rule.max_age}"


def _freshness_gx(rule: FreshnessRule, gx: GxContext) -> list:
    oldest = gx.now - timedelta(seconds=rule.max_age_seconds)
    return [("ExpectColumnMaxToBeBetween",
             {"column": rule.column, "min_value": oldest.replace(tzinfo=None).isoformat()})]


register(RuleType(
    name="freshness", spec=FreshnessRule, position=20, gx_result="dataset",
    aggregates=lambda r: {f"__lh_max:{r.column}": f"max({ident(r.column)})"},
    evaluate=_freshness, expectations=_freshness_gx,
    gx_observed=lambda r, res, exp_type: res.observed.get("newest"),
    doc=RuleDoc(keys="column, max_age (`36h`, `7d`)", fails="newest value older than max_age",
                gx="ExpectColumnMaxToBeBetween",
                example="{name: recent, rule: freshness, column: time_hour, max_age: 36h}")))


# --------------------------------------------------------------------------------- drift
class DriftRule(RuleBase):
    """Statistics of ``column`` stay within ``tolerance`` (relative) of the last passed run."""

    level: ClassVar[Level] = "dataset"
    rule: Literal["drift"]
    column: str
    metrics: list[DriftMetric] = Field(
        default_factory=lambda: ["mean", "stddev", "null_ratio", "distinct_count"], min_length=1)
    tolerance: float = Field(default=0.25, gt=0)
    severity: Severity = "warn"


def _drift_aggregates(rule: DriftRule) -> dict[str, str]:
    c = ident(rule.column)
    key = lambda m: STAT_KEY.format(metric=m, column=rule.column)  # noqa: E731
    sql = {key("mean"): f"avg(CAST({c} AS DOUBLE))",
           key("stddev"): f"stddev(CAST({c} AS DOUBLE))",
           f"__lh_nulls:{rule.column}": f"sum(CASE WHEN {c} IS NULL THEN 1 ELSE 0 END)",
           key("distinct_count"): f"approx_count_distinct({c})"}
    wanted = {"mean": key("mean"), "stddev": key("stddev"),
              "null_ratio": f"__lh_nulls:{rule.column}", "distinct_count": key("distinct_count")}
    return {wanted[m]: sql[wanted[m]] for m in rule.metrics}


def _drift(rule: DriftRule, facts: DatasetFacts) -> Verdict:
    """Relative change for mean/stddev/distinct count; absolute change for null_ratio."""
    ok, observed = _drift_check(rule, facts.stats, facts.baseline)
    drifted = ", ".join(k for k, v in observed.get("drifted", {}).items())
    return ok, observed, f"{rule.column} drifted beyond ±{rule.tolerance:.0%}: {drifted}"


def _drift_check(rule: DriftRule, stats, baseline) -> tuple[bool, dict[str, Any]]:
    current = {m: stats.get(STAT_KEY.format(metric=m, column=rule.column)) for m in rule.metrics}
    if not baseline:
        return True, {"current": current, "baseline": None, "note": "no previous passed run"}
    base = {m: baseline.get(STAT_KEY.format(metric=m, column=rule.column)) for m in rule.metrics}
    drifted = {}
    for metric, value in current.items():
        ref = base.get(metric)
        if value is None or ref is None:
            continue
        change = abs(value - ref) if metric == "null_ratio" else abs(value - ref) / max(abs(ref), 1e-9)
        if change > rule.tolerance:
            drifted[metric] = round(change, 6)
    return not drifted, {"current": current, "baseline": base, "drifted": drifted,
                         "tolerance": rule.tolerance}


_DRIFT_GX = {"mean": "ExpectColumnMeanToBeBetween", "stddev": "ExpectColumnStdevToBeBetween",
             "distinct_count": "ExpectColumnUniqueValueCountToBeBetween"}


def _drift_gx(rule: DriftRule, gx: GxContext) -> list:
    """Bounds around the baseline (none without one: drift then states nothing)."""
    if not gx.baseline:
        return []
    out = []
    tol = rule.tolerance
    for metric in rule.metrics:
        base = gx.baseline.get(f"{metric}:{rule.column}")
        if base is None:
            continue
        if metric == "null_ratio":
            lo, hi = max(0.0, 1 - base - tol), min(1.0, 1 - base + tol)
            out.append(("ExpectColumnProportionOfNonNullValuesToBeBetween",
                        {"column": rule.column, "min_value": lo, "max_value": hi}))
            continue
        lo, hi = base - abs(base) * tol, base + abs(base) * tol
        out.append((_DRIFT_GX[metric], {"column": rule.column, "min_value": lo, "max_value": hi}))
    return out


_GX_METRIC = {"expect_column_mean_to_be_between": "mean",
              "expect_column_stdev_to_be_between": "stddev",
              "expect_column_unique_value_count_to_be_between": "distinct_count",
              "expect_column_proportion_of_non_null_values_to_be_between": "null_ratio"}


def _drift_observed(rule: DriftRule, res, exp_type: str) -> Any:
    key = _GX_METRIC.get(exp_type)
    value = res.observed.get("current", {}).get(key)
    return 1 - value if key == "null_ratio" and value is not None else value


register(RuleType(
    name="drift", spec=DriftRule, position=30, gx_result="dataset",
    aggregates=_drift_aggregates, evaluate=_drift, expectations=_drift_gx,
    gx_observed=_drift_observed,
    doc=RuleDoc(keys="column, metrics, tolerance",
                fails="mean/stddev/distinct count moved more than `tolerance` (relative), or null "
                      "ratio more than `tolerance` (absolute), vs the last run that did not block",
                gx="ExpectColumnMean/Stdev/UniqueValueCount/ProportionOfNonNullValues…ToBeBetween",
                example="{name: delay_stable, rule: drift, column: dep_delay, "
                        "metrics: [mean, null_ratio], tolerance: 0.3}")))
