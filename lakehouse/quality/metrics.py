"""Dataset-level rules: one aggregation gathers every count and statistic, then Python decides.

:func:`aggregate_exprs` returns the expressions folded into the gate's single ``agg`` (each
rule type's aggregate SQL); :func:`dataset_results` turns the collected row (plus the drift
baseline) into results with each rule type's verdict. :func:`column_stats` is the drift
baseline this run stores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lakehouse.config.rule_types import DatasetFacts, rule_type
from lakehouse.config.rule_types.dataset import STAT_KEY
from lakehouse.quality.results import RuleResult

if TYPE_CHECKING:
    from pyspark.sql import Column


def stat_columns(rules: Sequence) -> list[str]:
    """Columns whose statistics are collected (drift rules), in a stable order."""
    return sorted({r.column for r in rules if r.rule == "drift"})


def aggregate_exprs(rules: Sequence) -> list[Column]:
    """The aggregate expressions the dataset-level ``rules`` read (each alias computed once)."""
    from pyspark.sql import functions as F

    wanted: dict[str, str] = {}
    for rule in rules:
        rt = rule_type(rule.rule)
        if rt.level == "dataset" and rt.aggregates is not None:
            wanted.update(rt.aggregates(rule))
    return [F.expr(sql).alias(alias) for alias, sql in sorted(wanted.items())]


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
    """Evaluate the dataset-level rules (row count, freshness, drift...) from the aggregated
    ``row``: each rule type's verdict (:mod:`lakehouse.config.rule_types`)."""
    facts = DatasetFacts(row=row, total=total, stats=column_stats(row, rules, total),
                         baseline=baseline, now=now)
    out = []
    for rule in rules:
        rt = rule_type(rule.rule)
        if rt.level != "dataset" or rt.evaluate is None:
            continue
        ok, observed, text = rt.evaluate(rule, facts)
        failing = 0 if ok else 1
        out.append(RuleResult(
            name=rule.name, rule=rule.rule, severity=rule.severity, level="dataset",
            total=total, failing=failing, status="passed" if ok else "failed",
            blocking=rule.severity == "fail" and not ok, observed=observed,
            description=f"{rule.name}: {text}" if not ok else f"{rule.name}: ok"))
    return out
