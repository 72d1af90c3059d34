"""Typed details of a stage result, as the run record stores them (no Spark).

Each stage fills its own dataclass: :class:`IngestDetails` (per landing file rows, refused and
empty files), :class:`CurateDetails` (merge counts, failed rules, column statistics, the
gate), :class:`ExportDetails` / :class:`MlExportDetails`; a failed, blocked or skipped stage
carries only :class:`StageDetails` (a blocked gate's rule results, the ``--profile`` jobs).
Gates are :class:`GateDetails` with one :class:`RuleRecord` per rule.

``to_json()`` gives the JSON-ready mapping written in the run record; fields listed in
``OPTIONAL`` are left out while None (they appear only when something happened: a profile,
a gate, refused files), so the record keeps the shape it had when ``details`` was a dict.
``details_from_json`` reads one back; pydantic's ``TypeAdapter`` does the conversion of
nested dataclasses, and the published JSON Schema is generated from these same classes
(:mod:`lakehouse.records.schema`). ``extra="forbid"`` makes the schema reject unknown keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, TypeAdapter

_STRICT = ConfigDict(extra="forbid")


@dataclass(kw_only=True)
class RuleRecord:
    """One rule's result in a gate (:class:`lakehouse.quality.results.RuleResult`, JSON side)."""

    __pydantic_config__: ClassVar[ConfigDict] = _STRICT

    name: str
    rule: str
    severity: str
    level: str
    total: int
    failing: int = 0
    status: str = "passed"
    blocking: bool | None = None   # None: a record older than the field (a failed fail rule blocked)
    description: str = ""
    observed: dict[str, Any] = field(default_factory=dict)
    passed: bool = True
    failing_ratio: float = 0.0
    samples: list[dict[str, Any]] | None = None   # a blocked gate's sample rows

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        if out["samples"] is None:
            del out["samples"]
        return out


@dataclass(kw_only=True)
class GateDetails:
    """A quality gate's accounting and per-rule results (row samples only when it blocked)."""

    __pydantic_config__: ClassVar[ConfigDict] = _STRICT

    dataset: str
    gate: str
    blocked: bool
    rows_in: int
    rows_quarantined: int
    results: list[RuleRecord] = field(default_factory=list)
    run_id: str | None = None
    rows_passed: int | None = None        # unknown for a gate that blocked before splitting
    warnings: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_summary(cls, data: Mapping[str, Any]) -> GateDetails:
        """From a gate outcome's ``summary()`` (:class:`lakehouse.quality.outcome.GateOutcome`)."""
        return _adapter(cls).validate_python(dict(data))

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["results"] = [r.to_json() for r in self.results]
        return out


@dataclass(kw_only=True)
class StageDetails:
    """What any stage may carry; alone, the details of a failed, blocked or skipped stage."""

    __pydantic_config__: ClassVar[ConfigDict] = _STRICT
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"gates", "spark_jobs", "spark_job_count"})

    gates: list[GateDetails] | None = None
    spark_jobs: list[dict[str, Any]] | None = None   # --profile: lakehouse.spark.job_profile
    spark_job_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready mapping of the run record (None-valued ``OPTIONAL`` fields left out)."""
        out = asdict(self)
        if self.gates is not None:
            out["gates"] = [g.to_json() for g in self.gates]
        return {k: v for k, v in out.items() if not (v is None and k in self.OPTIONAL)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StageDetails:
        return _adapter(cls).validate_python(dict(data))


@dataclass(kw_only=True)
class IngestedFile:
    __pydantic_config__: ClassVar[ConfigDict] = _STRICT

    rows: int
    malformed: int = 0


@dataclass(kw_only=True)
class IngestDetails(StageDetails):
    """Per landing file of the batch: rows read and malformed; files refused and empty."""

    OPTIONAL: ClassVar[frozenset[str]] = StageDetails.OPTIONAL | {"refused", "empty_files"}

    files: dict[str, IngestedFile] = field(default_factory=dict)
    refused: list[str] | None = None          # relative paths (the reasons: StageResult.refused)
    empty_files: dict[str, str] | None = None  # relative path -> "0 bytes" / "header only" / ...


@dataclass(kw_only=True)
class ChangeDetails:
    """A change dataset's curate (docs/changes.md): per key, its latest new change against
    the table before the run (SCD1) or every new change (SCD2). ``inserted + updated +
    deleted + deletes_unknown`` are the stage's ``rows_written``, ``ignored + superseded``
    its ``rows_deduplicated``."""

    __pydantic_config__: ClassVar[ConfigDict] = _STRICT

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    deletes_unknown: int = 0     # a delete of a key the table does not hold
    ignored: int = 0             # stale (not newer than the key's last applied change) or duplicate
    superseded: int = 0          # SCD1: a later change to the same key in the same run wins


@dataclass(kw_only=True)
class CurateDetails(StageDetails):
    """The merge's counts, quarantine reasons per rule, warnings, column statistics, the gate;
    ``changes`` for a change dataset only."""

    OPTIONAL: ClassVar[frozenset[str]] = StageDetails.OPTIONAL | {"changes"}

    inserted: int = 0
    updated: int = 0
    failed_rules: dict[str, int] = field(default_factory=dict)   # rule (or column:cast) -> rows
    warnings: dict[str, int] = field(default_factory=dict)       # warn rule -> rows
    column_stats: dict[str, dict[str, float | None]] = field(default_factory=dict)
    changes: ChangeDetails | None = None


@dataclass(kw_only=True)
class ExportDetails(StageDetails):
    """Where a table export was written, its columns and their lineage, its gates, and
    whether it was recomputed in full or only in the partitions whose inputs changed."""

    OPTIONAL: ClassVar[frozenset[str]] = StageDetails.OPTIONAL | {
        "mode", "mode_reason", "partitions_rewritten"}

    location: str
    partitions: int = 0
    columns: list[tuple[str, str]] = field(default_factory=list)   # (name, Spark type)
    column_lineage: dict[str, list[list[str]]] | None = None      # None: plan not readable
    mode: Literal["full", "incremental"] | None = None   # None: a record older than the field
    mode_reason: str | None = None     # why this mode (docs/exports.md, "Incremental exports")
    partitions_rewritten: int | None = None   # incremental: output partitions recomputed


@dataclass(kw_only=True)
class MlExportDetails(StageDetails):
    """Where an ML export was written, its rows per split, its file count."""

    OPTIONAL: ClassVar[frozenset[str]] = StageDetails.OPTIONAL | {"mode", "mode_reason"}

    location: str
    splits: dict[str, int] = field(default_factory=dict)
    files: int = 0
    mode: Literal["full"] | None = None   # always full: transforms are fitted over all rows
    mode_reason: str | None = None


@dataclass(kw_only=True)
class TableMaintenance:
    """One table's compaction and VACUUM: live files before and after."""

    __pydantic_config__: ClassVar[ConfigDict] = _STRICT

    files_before: int
    files_after: int
    files_compacted: int = 0     # small files the compaction replaced
    files_written: int = 0       # files it wrote in their place
    files_vacuumed: int = 0      # unreferenced files deleted (dry run: that would be)


@dataclass(kw_only=True)
class MaintainDetails(StageDetails):
    """``lakehouse maintain``: per table (``zone.name[.gate]``), compaction and VACUUM."""

    dry_run: bool = False
    retention_hours: float = 168.0
    tables: dict[str, TableMaintenance] = field(default_factory=dict)


AnyDetails = (IngestDetails | CurateDetails | ExportDetails | MlExportDetails | MaintainDetails
              | StageDetails)


def details_from_json(stage: str, status: str, data: Mapping[str, Any] | None) -> AnyDetails:
    """The typed details of a recorded stage: its stage's class when it succeeded, else the
    common :class:`StageDetails`."""
    data = dict(data or {})
    kind: type[StageDetails] = StageDetails
    if status == "succeeded":
        kind = {"ingest": IngestDetails, "curate": CurateDetails,
                "maintain": MaintainDetails}.get(stage, StageDetails)
        if stage == "export":
            kind = MlExportDetails if "splits" in data else ExportDetails
    return kind.from_json(data)


@cache
def _adapter(kind: type) -> TypeAdapter:
    return TypeAdapter(kind)
