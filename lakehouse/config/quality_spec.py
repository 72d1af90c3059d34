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

The rule types (their config models, violations, GX mapping, suggestions and docs) are
declared once each in :mod:`lakehouse.config.rule_types`; this module assembles their models
into the ``rule``-discriminated :data:`RuleSpec` and holds the per-gate lists. Spec names
(``config/quality_spec.py``) vs engine (``lakehouse.quality``, which evaluates them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lakehouse.config.rule_types import RuleBase, Severity, Threshold, rule_types
from lakehouse.config.rule_types.dataset import DriftMetric, DriftRule, FreshnessRule, RowCountRule
from lakehouse.config.rule_types.references import ReferencesRule
from lakehouse.config.rule_types.uniqueness import CompoundUniqueRule, UniqueRule
from lakehouse.config.rule_types.values import (
    BetweenRule,
    ExpressionRule,
    InSetRule,
    LengthRule,
    NotNullRule,
    RegexRule,
    TypeCastableRule,
)

__all__ = [
    "GATE_NAMES", "BetweenRule", "CompoundUniqueRule", "DqdlSource", "DriftMetric", "DriftRule",
    "ExpressionRule", "FreshnessRule", "Gate", "GateRules", "InSetRule", "LengthRule",
    "NotNullRule", "ReferencesRule", "RegexRule", "RowCountRule", "RuleBase", "RuleSpec",
    "Severity", "Threshold", "TypeCastableRule", "UniqueRule",
]

Gate = Literal["raw_to_curated", "curated_to_exportable"]
GATE_NAMES: tuple[str, ...] = ("raw_to_curated", "curated_to_exportable")

# every registered rule type's config model, told apart by its ``rule`` key
RuleSpec = Annotated[
    Union[tuple(t.spec for t in rule_types())],  # noqa: UP007 (a runtime tuple of models)
    Field(discriminator="rule"),
]


class DqdlSource(BaseModel):
    """A DQDL ruleset file beside a dataset contract (``conf/datasets/<name>.dqdl``), as text.

    The loader reads it; the quality package parses, checks and compiles it (config stays
    below quality in the layers, so it never parses DQDL itself).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    text: str


class GateRules(BaseModel):
    """Rules of one dataset, per gate. A plain list in YAML means ``raw_to_curated``.

    ``dqdl``: the dataset's DQDL ruleset (``<name>.dqdl`` beside the contract), evaluated in
    the ``raw_to_curated`` gate together with its YAML rules; set by the loader.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    raw_to_curated: list[RuleSpec] = Field(default_factory=list)
    curated_to_exportable: list[RuleSpec] = Field(default_factory=list)
    dqdl: DqdlSource | None = None

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
        return bool(self.all()) or self.dqdl is not None

    def dqdl_for(self, gate: str) -> DqdlSource | None:
        """The DQDL ruleset evaluated in ``gate`` (only ``raw_to_curated`` has one)."""
        return self.dqdl if gate == "raw_to_curated" else None
