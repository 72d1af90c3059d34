"""Dataset-level rules: one aggregation gathers every count and statistic, then Python decides.

:func:`aggregate_exprs` returns the expressions folded into the gate's single ``agg``;
:func:`dataset_results` turns the collected row (plus the drift baseline) into results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from lakehouse.quality.results import RuleResult

if TYPE_CHECKING:
    from pyspark.sql import Column

STAT_KEY = "{metric}:{column}"


def stat_columns(rules: Sequence) -> list[str]:
    """Columns whose statistics are collected (drift rules), in a stable order."""
    return sorted({r.column for r in rules if r.rule == "drift"})


def aggregate_exprs(rules: Sequence) -> list[Column]:
    """Aggregate expressions for freshness (max) and drift statistics of ``rules``."""
    from pyspark.sql import functions as F

    out = []
    for col in sorted({r.column for r in rules if r.rule == "freshness"}):
        out.append(F.max(F.col(f"`{col}`")).alias(f"__lh_max:{col}"))
    for col in stat_columns(rules):
        wanted = {m for r in rules if r.rule == "drift" and r.column == col for m in r.metrics}
        out += _stat_exprs(col, wanted)
    return out


def _stat_exprs(col: str, wanted: set[str]) -> list[Column]:
    from pyspark.sql import functions as F

    c = F.col(f"`{col}`")
    out = []
    if "mean" in wanted:
        out.append(F.avg(c.cast("double")).alias(STAT_KEY.format(metric="mean", column=col)))
    if "stddev" in wanted:
        out.append(F.stddev(c.cast("double")).alias(STAT_KEY.format(metric="stddev", column=col)))
    if "null_ratio" in wanted:
        out.append(F.sum(F.when(c.isNull(), 1).otherwise(0)).alias(f"__lh_nulls:{col}"))
    if "distinct_count" in wanted:
        out.append(F.approx_count_distinct(c).alias(
            STAT_KEY.format(metric="distinct_count", column=col)))
    return out


def column_stats(row: Mapping[str, Any], rules: Sequence, total: int) -> dict[str, float]:
    """The drift statistics of this run, keyed ``metric:column`` (what the baseline stores)."""
    stats: dict[str, float] = {}
    for col in stat_columns(rules):
        for metric in ("mean", "stddev", "distinct_count"):
            value = row.get(STAT_KEY.format(metric=metric, column=col))
            if value is not None:
                stats[STAT_KEY.format(metric=metric, column=col)] = float(value)
        if f"__lh_nulls:{col}" in row:
            nulls = row[f"__lh_nulls:{col}"] or 0
            stats[STAT_KEY.format(metric="null_ratio", column=col)] = nulls / total if total else 0.0
    return stats


def dataset_results(rules: Sequence, row: Mapping[str, Any], *, total: int,
                    baseline: Mapping[str, float] | None, now: datetime) -> list[RuleResult]:
    """Evaluate row-count, freshness and drift rules from the aggregated ``row``."""
    stats = column_stats(row, rules, total)
    out = []
    for rule in rules:
        if rule.level != "dataset":
            continue
        if rule.rule == "row_count":
            ok = (rule.min is None or total >= rule.min) and (rule.max is None or total <= rule.max)
            observed: dict[str, Any] = {"row_count": total, "min": rule.min, "max": rule.max}
            text = f"row count {total} outside [{rule.min}, {rule.max}]"
        elif rule.rule == "freshness":
            newest = row.get(f"__lh_max:{rule.column}")
            age = _age_seconds(newest, now)
            ok = age is not None and age <= rule.max_age_seconds
            observed = {"newest": str(newest), "age_hours": None if age is None else age / 3600,
                        "max_age": rule.max_age}
            text = f"newest {rule.column} is {observed['newest']}, older than {rule.max_age}"
        else:  # drift
            ok, observed = _drift(rule, stats, baseline)
            drifted = ", ".join(k for k, v in observed.get("drifted", {}).items())
            text = f"{rule.column} drifted beyond ±{rule.tolerance:.0%}: {drifted}"
        failing = 0 if ok else 1
        out.append(RuleResult(
            name=rule.name, rule=rule.rule, severity=rule.severity, level="dataset",
            total=total, failing=failing, status="passed" if ok else "failed",
            blocking=rule.severity == "fail" and not ok, observed=observed,
            description=f"{rule.name}: {text}" if not ok else f"{rule.name}: ok"))
    return out


def _age_seconds(newest: Any, now: datetime) -> float | None:
    if newest is None:
        return None
    if not isinstance(newest, datetime):  # a date
        newest = datetime(newest.year, newest.month, newest.day)
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return (now - newest) / timedelta(seconds=1)


def _drift(rule, stats: Mapping[str, float],
           baseline: Mapping[str, float] | None) -> tuple[bool, dict[str, Any]]:
    """Relative change for mean/stddev/distinct count; absolute change for null_ratio."""
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
