"""Quality rule specs as declared in dataset contracts (Spark-free).

A dataset declares rules per gate::

    rules:
      raw_to_curated:
        - {name: distance_positive, rule: expression, expr: "distance > 0"}
      curated_to_exportable:
        - {name: rows, rule: row_count, min: 1, severity: fail}

A plain list is accepted too and means ``raw_to_curated``. Row-level rules compile to one
boolean violation column each and are evaluated in one pass (see ``lakehouse.quality``);
dataset-level rules (row count, freshness, drift) read one aggregation.

Severities: ``warn`` records only, ``quarantine`` moves failing rows out, ``fail`` blocks the
gate when violations exceed the rule's ``threshold`` (default: any violation). Rows failing a
``fail`` rule within its threshold are quarantined.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lakehouse.config.types import normalize_type

Severity = Literal["warn", "quarantine", "fail"]
Gate = Literal["raw_to_curated", "curated_to_exportable"]
GATE_NAMES: tuple[str, ...] = ("raw_to_curated", "curated_to_exportable")
DriftMetric = Literal["mean", "stddev", "null_ratio", "distinct_count"]
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_AGE_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Threshold(BaseModel):
    """How many failing rows a ``fail`` rule tolerates before it blocks the gate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_ratio: float | None = Field(default=None, ge=0, le=1)
    max_count: int | None = Field(default=None, ge=0)

    def exceeded(self, failing: int, total: int) -> bool:
        """True when ``failing`` of ``total`` rows is more than this threshold allows."""
        if self.max_count is not None and failing > self.max_count:
            return True
        if self.max_ratio is not None:
            return total > 0 and failing / total > self.max_ratio
        return self.max_count is None and failing > 0


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    level: ClassVar[Literal["row", "dataset"]] = "row"

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_:.\-]{0,127}$")
    severity: Severity = "quarantine"
    description: str = ""
    threshold: Threshold | None = None

    @model_validator(mode="after")
    def _severity_fits(self) -> _Rule:
        if self.threshold is not None and self.severity != "fail":
            raise ValueError(f"rule {self.name!r}: 'threshold' only applies to severity 'fail'")
        if self.level == "dataset" and self.severity == "quarantine":
            raise ValueError(f"rule {self.name!r}: a dataset-level rule cannot quarantine rows;"
                             " use severity 'warn' or 'fail'")
        return self

    @property
    def effective_threshold(self) -> Threshold:
        return self.threshold or Threshold(max_count=0)

    def columns(self) -> list[str]:
        """Columns of the checked DataFrame this rule reads (for validation and samples)."""
        col = getattr(self, "column", None)
        return [col] if col else list(getattr(self, "columns_", []) or [])


# ---------------------------------------------------------------------------- row level
class NotNullRule(_Rule):
    rule: Literal["not_null"]
    column: str


class TypeCastableRule(_Rule):
    """Non-null values of ``column`` (usually a raw string) cast to ``type`` (``format`` for dates)."""

    rule: Literal["type_castable"]
    column: str
    type: str
    format: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return normalize_type(value)


class ExpressionRule(_Rule):
    """A Spark SQL boolean expression that must hold for every row (null counts as pass)."""

    rule: Literal["expression"]
    expr: str


class InSetRule(_Rule):
    rule: Literal["in_set"]
    column: str
    values: list[str | int | float] = Field(min_length=1)


class BetweenRule(_Rule):
    """``min <= column <= max`` (either bound optional); nulls pass."""

    rule: Literal["between"]
    column: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _a_bound(self) -> BetweenRule:
        if self.min is None and self.max is None:
            raise ValueError(f"rule {self.name!r}: give 'min', 'max' or both")
        return self


class RegexRule(_Rule):
    """Non-null values of ``column`` match ``pattern`` (Java regex, searched anywhere)."""

    rule: Literal["regex"]
    column: str
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class LengthRule(_Rule):
    """``min <= length(column) <= max``; nulls pass."""

    rule: Literal["length"]
    column: str
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class UniqueRule(_Rule):
    """Every row whose non-null ``column`` value occurs more than once fails."""

    rule: Literal["unique"]
    column: str


class CompoundUniqueRule(_Rule):
    """Every row whose combination of ``columns`` (all non-null) occurs more than once fails."""

    rule: Literal["compound_unique"]
    columns_: list[str] = Field(alias="columns", min_length=2)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ReferencesRule(_Rule):
    """Non-null ``column`` values exist in ``ref_column`` of the curated table of ``dataset``."""

    rule: Literal["references"]
    column: str
    dataset: str
    ref_column: str | None = None

    @property
    def target_column(self) -> str:
        return self.ref_column or self.column


# ------------------------------------------------------------------------ dataset level
class RowCountRule(_Rule):
    level: ClassVar[Literal["row", "dataset"]] = "dataset"
    rule: Literal["row_count"]
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)
    severity: Severity = "fail"


class FreshnessRule(_Rule):
    """The newest ``column`` timestamp is at most ``max_age`` (e.g. ``36h``, ``7d``) old."""

    level: ClassVar[Literal["row", "dataset"]] = "dataset"
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


class DriftRule(_Rule):
    """Statistics of ``column`` stay within ``tolerance`` (relative) of the last passed run."""

    level: ClassVar[Literal["row", "dataset"]] = "dataset"
    rule: Literal["drift"]
    column: str
    metrics: list[DriftMetric] = Field(
        default_factory=lambda: ["mean", "stddev", "null_ratio", "distinct_count"], min_length=1)
    tolerance: float = Field(default=0.25, gt=0)
    severity: Severity = "warn"


RuleSpec = Annotated[
    NotNullRule | TypeCastableRule | ExpressionRule | InSetRule | BetweenRule | RegexRule
    | LengthRule | UniqueRule | CompoundUniqueRule | ReferencesRule | RowCountRule
    | FreshnessRule | DriftRule,
    Field(discriminator="rule"),
]


class GateRules(BaseModel):
    """Rules of one dataset, per gate. A plain list in YAML means ``raw_to_curated``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    raw_to_curated: list[RuleSpec] = Field(default_factory=list)
    curated_to_exportable: list[RuleSpec] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _list_means_first_gate(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            return {"raw_to_curated": list(data)}
        return data

    @model_validator(mode="after")
    def _unique_names(self) -> GateRules:
        for gate in GATE_NAMES:
            names = [r.name for r in getattr(self, gate)]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{gate}: rule names must be unique, repeated: {dupes}")
        return self

    def for_gate(self, gate: str) -> list:
        """The rules of ``gate`` (``raw_to_curated`` or ``curated_to_exportable``)."""
        if gate not in GATE_NAMES:
            raise ValueError(f"unknown gate {gate!r}; expected one of {GATE_NAMES}")
        return list(getattr(self, gate))

    def all(self) -> list:
        return [*self.raw_to_curated, *self.curated_to_exportable]

    def __len__(self) -> int:
        return len(self.all())

    def __bool__(self) -> bool:
        return bool(self.all())
