"""Run summary: per dataset and stage, rows read / written / quarantined / deduplicated.

A failed or blocked stage keeps its whole error (every line, the hint) and, for a blocked
quality gate, each rule's result; a stage that refused landing files lists them with the
reason. The terminal rendering shows all of it, so a run says why it did not succeed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict

from lakehouse.errors import LakehouseError, QualityGateError
from lakehouse.records.details import (
    AnyDetails,
    GateDetails,
    RuleRecord,
    StageDetails,
    details_from_json,
)
from lakehouse.terminal import render_table

Status = Literal["succeeded", "skipped", "failed", "blocked", "running"]
# The run record's format: bump on a change that is not only an added field, and publish the
# new schema next to the old (docs/schemas/run-record.v<N>.json). A record without the field
# was written before it existed and is read as version 1.
SCHEMA_VERSION = 1


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique run id: ``20261122T010203Z-1a2b3c4d``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@dataclass
class StageResult:
    """What one stage did for one dataset (or export). Row accounting must balance:
    ``rows_read == rows_written + rows_quarantined + rows_deduplicated``."""

    # the published schema (lakehouse.records.schema) refuses keys a record does not define
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

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
    details: AnyDetails = field(default_factory=StageDetails)
    warnings: list[str] = field(default_factory=list)
    error: str = ""                      # a failed/blocked stage: the whole error, hint included
    refused: dict[str, str] = field(default_factory=dict)   # ingest: landing file -> why

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_written + self.rows_quarantined + self.rows_deduplicated

    @classmethod
    def from_error(cls, dataset: str, stage: str, exc: BaseException, *,
                   duration_s: float = 0.0, details: StageDetails | None = None) -> StageResult:
        """The result of a stage that raised ``exc``: ``blocked`` for a quality gate, else
        ``failed``; ``message`` is the error's first line, ``error`` all of it (a
        :class:`LakehouseError`'s message and hint, without its location). A gate's
        rule results (``exc.results``) go to ``details.gates``, the files an ingest
        refused (``exc.refused``) to ``refused``."""
        blocked = isinstance(exc, QualityGateError)
        text = str(exc)
        if isinstance(exc, LakehouseError):  # the dataset and stage are the result's own
            text = exc.message + (f"\n  hint: {exc.hint}" if exc.hint else "")
        out = cls(dataset, stage, status="blocked" if blocked else "failed",
                  message=text.split("\n")[0], error=text, duration_s=duration_s,
                  details=details or StageDetails(),
                  refused=dict(getattr(exc, "refused", {}) or {}))
        results = getattr(exc, "results", None)
        if blocked and results:
            rules = [RuleRecord(**(r.to_dict() if hasattr(r, "to_dict") else dict(r)))
                     for r in results]
            where = exc.context if isinstance(exc, QualityGateError) else {}
            out.details.gates = [GateDetails(
                dataset=where.get("dataset", dataset), gate=where.get("gate", stage),
                blocked=True, rows_in=max((r.total for r in rules), default=0),
                rows_quarantined=0, results=rules, run_id=where.get("run_id"))]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The stage's entry in the run record."""
        data = asdict(self)
        data["details"] = self.details.to_json()
        data["balanced"] = self.balanced
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StageResult:
        """A stage of a run record (keys it does not know, e.g. ``balanced``, are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "details"}
        out = cls(**values)
        out.details = details_from_json(out.stage, out.status, data.get("details"))
        return out


@dataclass
class RunSummary:
    """The record of one run: trigger, stages, timings, status."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

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
    workers: int | None = None           # units run at once (pipeline/schedule.choose_workers)
    notes: list[str] = field(default_factory=list)   # run-wide remarks, e.g. workers lowered
    schema_version: int = SCHEMA_VERSION  # of the run record (docs/schemas/run-record.v1.json)

    def add(self, result: StageResult) -> StageResult:
        self.stages.append(result)
        return result

    def finish(self, status: Status, error: str | None = None) -> None:
        """Record the end. A run that refused landing files did not succeed, though the rest
        of its data went through: it ends ``failed`` (exit code 1), the files named."""
        refusals = [f"ingest {s.dataset} refused {rel}: {why}"
                    for s in self.stages if s.status == "succeeded"
                    for rel, why in sorted(s.refused.items())]
        if refusals:
            status = "failed" if status in ("succeeded", "blocked") else status
            error = "\n".join([*([error] if error else []), *refusals])
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

    @property
    def refused_files(self) -> dict[str, dict[str, str]]:
        """Per dataset, the landing files its ingest refused (relative path -> why)."""
        return {s.dataset: dict(s.refused) for s in self.stages if s.refused}

    def to_dict(self) -> dict[str, Any]:
        """The run record: every field, each stage's ``balanced``, the run's ``balanced``."""
        data = asdict(self)
        data["stages"] = [s.to_dict() for s in self.stages]
        data["balanced"] = self.balanced
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary:
        """A run record read back; one written before ``schema_version`` existed is version 1.

        Raises:
            ValueError: the record's ``schema_version`` is newer than this code reads.
        """
        version = data.get("schema_version", 1)
        if not isinstance(version, int) or version > SCHEMA_VERSION:
            raise ValueError(f"run record {data.get('run_id')!r} has schema_version {version!r}; "
                             f"this lakehouse reads up to {SCHEMA_VERSION} (upgrade lakehouse)")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and k != "stages"}
        values["schema_version"] = version
        return cls(**values, stages=[StageResult.from_dict(s) for s in data.get("stages", [])])

    @classmethod
    def from_json(cls, text: str) -> RunSummary:
        return cls.from_dict(json.loads(text))

    def render(self) -> str:
        """A fixed-width table for the terminal, then what went wrong, in full: each failed
        stage's whole error (a blocked gate's failing checks with their numbers and hint),
        each refused file with the reason, messages and warnings."""
        head = ("dataset", "stage", "status", "read", "written", "quarant.", "dedup", "versions",
                "delta", "secs")
        rows = []
        for s in self.stages:
            versions = ",".join(f"{k}@{v}" for k, v in s.table_versions.items() if v is not None)
            rows.append((s.dataset, s.stage, s.status, f"{s.rows_read:,}", f"{s.rows_written:,}",
                         f"{s.rows_quarantined:,}", f"{s.rows_deduplicated:,}", versions or "-",
                         s.writer or "-", f"{s.duration_s:.1f}"))
        lines = render_table(head, rows, right={3, 4, 5, 6, 9}).split("\n")
        notes = []
        for s in self.stages:
            if s.error:
                notes.append(_indent(f"{s.dataset}/{s.stage} {s.status}: {s.error}"))
            elif s.message:
                notes.append(f"  {s.dataset}/{s.stage}: {s.message}")
            if s.refused and s.status == "succeeded":
                notes += [_indent(f"{s.dataset}/{s.stage} refused {why}") for why in
                          (s.refused[rel] for rel in sorted(s.refused))]
        notes += [f"  {s.dataset}/{s.stage}: changes: {_changes(s.details)}" for s in self.stages
                  if getattr(s.details, "changes", None) is not None]
        notes += [f"  {s.dataset}/{s.stage}: warning: {w}" for s in self.stages for w in s.warnings]
        notes += [f"  note: {n}" for n in self.notes]
        footer = f"run {self.run_id}: {self.status}"
        problems = [f"{s.dataset} {s.stage} {s.status}" for s in self.failed_stages]
        problems += [f"{s.dataset} ingest refused {len(s.refused)} file(s)" for s in self.stages
                     if s.refused and s.status == "succeeded"]
        if problems:
            footer += " (" + ", ".join(problems) + ")"
        if not self.balanced:
            footer += "  (row accounting does NOT balance - see stage details)"
        return "\n".join([*lines, *notes, footer])


def _changes(details) -> str:
    """A change dataset's curate counts, for the summary (docs/changes.md)."""
    c = details.changes
    return (f"{c.inserted:,} inserted, {c.updated:,} updated, {c.deleted:,} deleted, "
            f"{c.deletes_unknown:,} deletes of unknown keys, {c.ignored:,} ignored, "
            f"{c.superseded:,} superseded")


def _indent(text: str) -> str:
    """``text`` as a note: two spaces before its first line, four before the others."""
    return "  " + text.replace("\n", "\n    ")
