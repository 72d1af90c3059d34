"""Run summary: per dataset and stage, rows read / written / quarantined / deduplicated."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

from lakehouse.terminal import render_table

Status = Literal["succeeded", "skipped", "failed", "blocked", "running"]


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique run id: ``20261122T010203Z-1a2b3c4d``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@dataclass
class StageResult:
    """What one stage did for one dataset (or export). Row accounting must balance:
    ``rows_read == rows_written + rows_quarantined + rows_deduplicated``."""

    dataset: str
    stage: str
    status: Status = "running"
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    rows_deduplicated: int = 0
    rows_warned: int = 0
    inputs: list[str] = field(default_factory=list)
    table_versions: dict[str, int | None] = field(default_factory=dict)
    writer: str = ""                     # Delta write path of its table: "native" | "portable"
    duration_s: float = 0.0
    message: str = ""
    details: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_written + self.rows_quarantined + self.rows_deduplicated


@dataclass
class RunSummary:
    """The record of one run: trigger, stages, timings, status."""

    run_id: str
    profile: str
    stage: str
    datasets: list[str]
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    finished_at: str | None = None
    status: Status = "running"
    trigger: dict = field(default_factory=dict)
    stages: list[StageResult] = field(default_factory=list)
    error: str | None = None
    workers: int | None = None           # units run at once (runs/schedule.choose_workers)
    notes: list[str] = field(default_factory=list)   # run-wide remarks, e.g. workers lowered

    def add(self, result: StageResult) -> StageResult:
        self.stages.append(result)
        return result

    def finish(self, status: Status, error: str | None = None) -> None:
        self.status = status
        self.error = error
        self.finished_at = datetime.now(UTC).isoformat()

    @property
    def balanced(self) -> bool:
        return all(s.balanced for s in self.stages if s.status == "succeeded")

    @property
    def exit_code(self) -> int:
        """0 when every stage ran, 3 when only quality gates blocked, 1 when a stage failed."""
        return {"succeeded": 0, "blocked": 3}.get(self.status, 1)

    @property
    def failed_stages(self) -> list[StageResult]:
        return [s for s in self.stages if s.status in ("failed", "blocked")]

    def to_dict(self) -> dict:
        data = asdict(self)
        for stage, raw in zip(self.stages, data["stages"], strict=True):
            raw["balanced"] = stage.balanced
        data["balanced"] = self.balanced
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def render(self) -> str:
        """A fixed-width table for the terminal."""
        head = ("dataset", "stage", "status", "read", "written", "quarant.", "dedup", "versions",
                "delta", "secs")
        rows = []
        for s in self.stages:
            versions = ",".join(f"{k}@{v}" for k, v in s.table_versions.items() if v is not None)
            rows.append((s.dataset, s.stage, s.status, f"{s.rows_read:,}", f"{s.rows_written:,}",
                         f"{s.rows_quarantined:,}", f"{s.rows_deduplicated:,}", versions or "-",
                         s.writer or "-", f"{s.duration_s:.1f}"))
        lines = render_table(head, rows, right={3, 4, 5, 6, 9}).split("\n")
        notes = [f"  {s.dataset}/{s.stage}: {s.message}" for s in self.stages if s.message]
        notes += [f"  {s.dataset}/{s.stage}: warning: {w}" for s in self.stages for w in s.warnings]
        notes += [f"  note: {n}" for n in self.notes]
        footer = f"run {self.run_id}: {self.status}"
        if self.failed_stages:
            footer += " (" + ", ".join(f"{s.dataset} {s.stage} {s.status}"
                                       for s in self.failed_stages) + ")"
        if not self.balanced:
            footer += "  (row accounting does NOT balance - see stage details)"
        return "\n".join([*lines, *notes, footer])
