"""The result of one gate run, as a value (``run_gate`` returns it; ``store`` persists it).

Below ``gate``, ``store``, ``docs`` and ``gx_suite``: they all read it, it imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lakehouse.quality.results import RuleResult, blocked_error

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

FAILED = "_failed_rules"
QUARANTINE_COLUMNS = (FAILED, "_reason", "_gate", "_run_id", "_quarantined_at")


@dataclass
class GateOutcome:
    """What the gate decided. ``passed`` + ``quarantined`` rows = ``total`` rows."""

    dataset: str
    gate: str
    run_id: str | None
    started_at: datetime
    passed: DataFrame
    quarantined: DataFrame
    results: list[RuleResult]
    total: int
    quarantined_count: int
    stats: dict[str, float] = field(default_factory=dict)
    rules: list = field(default_factory=list)
    baseline: Mapping[str, float] | None = None
    _annotated: DataFrame | None = None
    docs_uri: str | None = None

    @property
    def passed_count(self) -> int:
        return self.total - self.quarantined_count

    @property
    def blocked(self) -> bool:
        return any(r.blocking for r in self.results)

    @property
    def warnings(self) -> dict[str, int]:
        return {r.name: r.failing for r in self.results
                if r.severity == "warn" and r.status == "failed"}

    def error(self):
        """The :class:`QualityGateError` describing why the gate blocked."""
        return blocked_error(self.results, dataset=self.dataset, gate=self.gate,
                             run_id=self.run_id, docs=self.docs_uri)

    def raise_if_blocked(self) -> None:
        if self.blocked:
            raise self.error()

    def summary(self) -> dict[str, Any]:
        """Row accounting and per-rule results, JSON-ready (for run records)."""
        return {"dataset": self.dataset, "gate": self.gate, "run_id": self.run_id,
                "blocked": self.blocked, "rows_in": self.total, "rows_passed": self.passed_count,
                "rows_quarantined": self.quarantined_count, "warnings": self.warnings,
                "results": [r.to_dict() for r in self.results]}

    def release(self) -> None:
        """Unpersist the cached projection (``store.record`` calls it when done)."""
        if self._annotated is not None and self._annotated.is_cached:
            self._annotated.unpersist()
