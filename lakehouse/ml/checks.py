"""Leakage and sanity checks of an ML export, as gate results (Spark-free).

:func:`evaluate` turns the statistics Spark computed (:class:`SplitStats`) into
:class:`~lakehouse.quality.results.RuleResult` objects with the usual severities; a blocking
result makes the export raise the gate's :class:`~lakehouse.errors.QualityGateError` before
anything is written (:func:`raise_if_blocked`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lakehouse.config.ml_spec import MLSpec
from lakehouse.errors import QualityGateError
from lakehouse.ml import classes
from lakehouse.quality.results import RuleResult, blocked_error

GATE = "ml_export"


@dataclass
class SplitStats:
    """What the checks need, computed in a few Spark aggregations (see ``lakehouse.ml.stats``)."""

    splits: list[str]                                   # splits expected (fraction > 0)
    features: list[str]
    label_sources: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    class_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # split -> class name
    label: dict[str, Any] | None = None                 # classification: lakehouse.ml.classes.fit
    null_labels: int = 0
    unassigned: int = 0                                 # rows without a split (null time)
    null_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    time_ranges: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    overlaps: dict[str, dict[str, Any]] = field(default_factory=dict)   # column -> count, samples
    psi: dict[str, float | None] = field(default_factory=dict)
    non_numeric: dict[str, str] = field(default_factory=dict)          # column -> type (CSV)

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.unassigned


def _result(name: str, rule: str, severity: str, ok: bool, description: str, total: int,
            observed: dict | None = None, samples: list | None = None) -> RuleResult:
    return RuleResult(name=name, rule=rule, severity=severity, level="dataset", total=total,
                      failing=0 if ok else 1, status="passed" if ok else "failed",
                      blocking=not ok and severity == "fail", description=description,
                      observed=observed or {}, samples=samples or [])


def evaluate(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    """Every check of ``spec.checks`` against ``stats``; see the module docstring."""
    return [_label_not_feature(stats, spec), _label_present(stats, spec),
            *_label_classes(stats, spec), *_no_overlap(stats, spec), _time_order(stats, spec),
            _splits_not_empty(stats), *_class_balance(stats, spec), *_null_ratios(stats, spec),
            *_drift(stats, spec), *_numeric_csv(stats, spec)]


def raise_if_blocked(results: Sequence[RuleResult], *, export: str, run_id: str | None) -> None:
    """Raise the gate's error (exit code 3) naming each failed check when one blocks."""
    if any(r.blocking for r in results):
        base = blocked_error(results, dataset=export, gate=GATE, run_id=run_id)
        err = QualityGateError(base.message, **base.context,
                               hint=f"fix the data, or ml.split / ml.features / ml.checks in "
                                    f"conf/exports/{export}.yaml, and re-run")
        err.results = list(results)  # type: ignore[attr-defined]
        raise err


def _label_not_feature(stats: SplitStats, spec: MLSpec) -> RuleResult:
    label = spec.label.name
    leaks = sorted({label, *stats.label_sources} & set(stats.features))
    what = f"label {label!r}" + (f" (computed from {', '.join(stats.label_sources)})"
                                  if stats.label_sources else "")
    desc = (f"{what} is not among the features" if not leaks else
            f"the features include {leaks}, which the {what} is made of: the model would see "
            "its answer; exclude them in ml.features")
    return _result("label_not_feature", "leakage", "fail", not leaks, desc, stats.total,
                   {"leaking_features": leaks})


def _label_present(stats: SplitStats, spec: MLSpec) -> RuleResult:
    ok = stats.null_labels == 0
    desc = (f"every row has a label {spec.label.name!r}" if ok else
            f"{stats.null_labels} rows have a null label {spec.label.name!r} (counted on the "
            "export's rows as its SQL yields them, before any conversion); filter them in the "
            "export SQL (e.g. WHERE <column> IS NOT NULL)")
    return _result("label_present", "label", "fail", ok, desc, stats.total,
                   {"null_labels": stats.null_labels})


def _label_classes(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    if spec.label.kind != "classification" or stats.label is None:
        return []
    problem = classes.numeric_problem(stats.label)
    found = stats.label["classes"]
    desc = problem or (f"{len(found)} classes of label {spec.label.name!r}, indexed by value: "
                       f"{classes.describe(stats.label)}")
    return [_result("label_classes", "label", "fail", problem is None, desc, stats.total,
                    {"classes": [classes.class_name(c) for c in found]})]


def _no_overlap(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    out = []
    for column, found in stats.overlaps.items():
        n = int(found.get("count", 0))
        role = "id" if column == spec.id else "group"
        desc = (f"no {role} value of {column!r} is in two splits" if not n else
                f"{n} values of {role} column {column!r} are in more than one split (leakage "
                f"between splits); " + ("deduplicate by id (transforms.dedup)" if role == "id"
                                        else "use split.method 'group'"))
        out.append(_result(f"no_{role}_in_two_splits", "leakage", "fail", not n, desc,
                           stats.total, {"values_in_two_splits": n}, found.get("samples", [])))
    return out


def _time_order(stats: SplitStats, spec: MLSpec) -> RuleResult:
    severity = spec.checks.time_order or "fail"
    if not spec.time or (spec.split.method != "out_of_time" and not spec.checks.time_order):
        why = "no ml.time column" if not spec.time else (
            f"not required for split {spec.split.method!r} (set checks.time_order to enforce)")
        return RuleResult(name="time_order", rule="leakage", severity=severity, level="dataset",
                          total=stats.total, status="skipped", description=why)
    problems = []
    if stats.unassigned:
        problems.append(f"{stats.unassigned} rows have a null {spec.time!r}")
    ranges = [(s, stats.time_ranges.get(s)) for s in stats.splits]
    ranges = [(s, r) for s, r in ranges if r and r[0] is not None]
    for (a, ra), (b, rb) in itertools.pairwise(ranges):
        if not ra[1] < rb[0]:
            problems.append(f"{a} ends at {ra[1]} but {b} starts at {rb[0]}")
    ok = not problems
    desc = (f"{' < '.join(s for s, _ in ranges)} in time by {spec.time!r}" if ok else
            f"time order by {spec.time!r} is not respected: " + "; ".join(problems))
    return _result("time_order", "leakage", severity, ok, desc, stats.total,
                   {s: [str(r[0]), str(r[1])] for s, r in ranges})


def _splits_not_empty(stats: SplitStats) -> RuleResult:
    empty = [s for s in stats.splits if not stats.counts.get(s)]
    desc = ("no split is empty" if not empty else
            f"split(s) {empty} are empty; adjust split.fractions (or the boundaries) or add data")
    return _result("no_split_empty", "splits", "fail", not empty, desc, stats.total,
                   {"counts": dict(stats.counts)})


def _class_balance(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    if spec.label.kind != "classification":
        return []
    floor = spec.checks.min_minority_ratio
    out = []
    for split in stats.splits:
        counts = stats.class_counts.get(split, {})
        n = sum(counts.values())
        ratio = min(counts.values()) / n if n and len(counts) > 1 else 0.0
        ok = floor is None or (ratio >= floor and n > 0)
        severity = spec.checks.class_balance_severity if floor is not None else "warn"
        desc = f"{split}: classes {counts}, minority ratio {ratio:.4f}"
        if floor is not None:
            desc += f" ({'>=' if ok else '<'} the configured {floor})"
        out.append(_result(f"class_balance:{split}", "class_balance", severity, ok, desc, n,
                           {"class_counts": counts, "minority_ratio": round(ratio, 6)}))
    return out


def _null_ratios(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    limit, severity = spec.checks.max_null_ratio, spec.checks.null_ratio_severity
    train = stats.null_counts.get("train", {})
    n = stats.counts.get("train", 0)
    out = []
    for feature in stats.features:
        ratio = train.get(feature, 0) / n if n else 0.0
        ok = ratio <= limit
        desc = f"{feature}: {ratio:.2%} null in train (limit {limit:.0%})"
        out.append(_result(f"null_ratio:{feature}", "null_ratio", severity, ok, desc, n,
                           {"null_ratio": round(ratio, 6)}))
    return out


def _drift(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    limit, severity = spec.checks.drift_psi, spec.checks.drift_severity
    out = []
    for feature, value in sorted(stats.psi.items()):
        ok = value is None or value <= limit
        shown = "n/a" if value is None else f"{value:.4f}"
        desc = f"{feature}: PSI train->test {shown} (limit {limit})"
        out.append(_result(f"drift:{feature}", "drift", severity, ok, desc, stats.total,
                           {"psi": value}))
    return out


def _numeric_csv(stats: SplitStats, spec: MLSpec) -> list[RuleResult]:
    if not spec.outputs.sagemaker_csv:
        return []
    bad = dict(sorted(stats.non_numeric.items()))
    desc = ("every CSV column is numeric" if not bad else
            f"SageMaker CSV needs numeric columns; {bad} are not: encode them "
            "(transforms.encode) or exclude them from ml.features")
    return [_result("csv_numeric", "format", "fail", not bad, desc, stats.total,
                    {"non_numeric": bad})]
