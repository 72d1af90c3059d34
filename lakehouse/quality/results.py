"""What a gate found, per rule (Spark-free): counts, thresholds, and the blocked-gate error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from lakehouse.errors import QualityGateError

Status = Literal["passed", "failed", "skipped"]


@dataclass
class RuleResult:
    """One rule's outcome in one gate run.

    ``failing`` counts violating rows (row-level) or is 1/0 (dataset-level). ``blocking`` is
    True only for a ``fail`` rule whose violations exceed its threshold.
    """

    name: str
    rule: str
    severity: str
    level: str
    total: int
    failing: int = 0
    status: Status = "passed"
    blocking: bool = False
    description: str = ""
    observed: dict[str, Any] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status != "failed"

    @property
    def failing_ratio(self) -> float:
        if self.level == "dataset":
            return float(self.failing)
        return self.failing / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["passed"] = self.passed
        out["failing_ratio"] = self.failing_ratio
        return out


def row_result(rule, *, total: int, failing: int, description: str) -> RuleResult:
    """Result of a row-level rule from its failing count; applies the ``fail`` threshold."""
    blocking = rule.severity == "fail" and rule.effective_threshold.exceeded(failing, total)
    return RuleResult(name=rule.name, rule=rule.rule, severity=rule.severity, level="row",
                      total=total, failing=failing, status="failed" if failing else "passed",
                      blocking=blocking, description=description)


def blocked_error(results: Sequence[RuleResult], *, dataset: str, gate: str,
                  run_id: str | None, docs: str | None = None) -> QualityGateError:
    """The error a blocked gate raises: which rules failed, counts and up to 5 sample rows."""
    lines = []
    for r in (r for r in results if r.blocking):
        thr = ""
        if r.level == "row":
            thr = f" ({r.failing} of {r.total} rows, {r.failing_ratio:.2%})"
        lines.append(f"  - {r.name} [{r.rule}, severity fail]{thr}: {r.description}")
        for key, value in r.observed.items():
            if key != "samples":
                lines.append(f"      {key}: {value}")
        for sample in r.samples[:5]:
            lines.append(f"      sample: {_short(sample)}")
    hint = "fix the data or the rule (threshold/severity) in the dataset YAML and re-run"
    if docs:
        hint += f"; report: {docs}"
    err = QualityGateError(
        f"quality gate {gate} blocked {dataset}: nothing was written to the next zone\n"
        + "\n".join(lines),
        hint=hint, dataset=dataset, gate=gate, run_id=run_id)
    err.results = list(results)  # type: ignore[attr-defined]
    return err


def _short(row: dict[str, Any], limit: int = 240) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in row.items() if not k.startswith("__lh"))
    return text if len(text) <= limit else text[: limit - 1] + "…"
