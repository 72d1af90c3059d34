"""The rule type registry: each rule type is declared once, as one :class:`RuleType`.

Spark-free and GX-free: a rule type states what violates it as a Spark SQL string (row
level) or as aggregate SQL plus a Python verdict (dataset level), and its Great
Expectations mapping as expectation class names and keyword arguments. The engine
(``lakehouse.quality``) turns those into Spark columns and GX objects; the config model
(``lakehouse.config.quality_spec``), onboarding suggestions (``lakehouse.onboard.suggest``)
and the rule table of ``docs/quality.md`` all iterate :func:`rule_types`.

A rule type lives in one module of this package that calls :func:`register` at import;
every module here is discovered (imported) the first time the registry is read, so adding
a rule type means adding one module (see CONTRIBUTING.md, "Add a rule type").
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from lakehouse.config.rule_types.base import Level, RuleBase

# modules of this package that declare no rule type
_CORE = {"base", "docs", "registry"}


@dataclass(frozen=True)
class RowContext:
    """What a row-level violation may depend on besides the rule.

    Attributes:
        now: the run's current time (timezone-aware, UTC), the same for every rule of a gate.
        ref_exists: rule name -> SQL that is true when the row's key exists in the referenced
            table (referential rules; absent when the table is not available).
    """

    now: datetime
    ref_exists: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetFacts:
    """What a dataset-level verdict reads: the gate's one aggregated row and its context."""

    row: Mapping[str, Any]
    total: int
    stats: Mapping[str, float]
    baseline: Mapping[str, float] | None
    now: datetime


@dataclass(frozen=True)
class GxContext:
    """What a GX mapping may depend on: ``mostly`` (from a ``fail`` rule's ``max_ratio``)."""

    mostly: Mapping[str, float]
    now: datetime
    baseline: Mapping[str, float] | None = None


@dataclass(frozen=True)
class SuggestContext:
    """What onboarding knows when it suggests rules: the sample profile (a
    ``lakehouse.onboard.profile.DataProfile``) and the natural primary key (empty when
    rows are keyed by content)."""

    profile: Any
    key: Sequence[str]


@dataclass(frozen=True)
class Suggestion:
    """A suggested rule (a dict as the YAML holds it), the gate it goes to and its evidence."""

    rule: dict[str, Any]
    note: str
    gate: str = "raw_to_curated"


@dataclass(frozen=True)
class RuleDoc:
    """The rule's row in docs/quality.md: ``keys`` it takes, when it ``fails``, the ``gx``
    expectation that states it, and an ``example`` (one YAML flow mapping, validated by a
    test)."""

    keys: str
    fails: str
    gx: str
    example: str


Expectation = tuple[str, dict[str, Any]]  # (class in great_expectations.expectations, kwargs)
Verdict = tuple[bool, dict[str, Any], str]  # (ok, observed, what failed)


@dataclass(frozen=True)
class RuleType:
    """One rule type, declared once.

    Attributes:
        name: the ``rule:`` value in YAML (the discriminator).
        spec: its pydantic config model (a :class:`RuleBase` with ``rule: Literal[name]``).
        doc: its row in the docs.
        position: where it sorts in the docs table and among suggestions.
        expectations: rule -> GX expectations stating it (class names + kwargs).
        gx_result: how GX results show it: ``values`` (column-value counts and values),
            ``rows`` (unexpected rows of an SQL expectation) or ``dataset`` (an observed value).
        describe: rule -> the reason text of a failing row (row level).
        violation: (rule, context) -> Spark SQL true when a row violates it (row level);
            None when it cannot be evaluated now (reported skipped). Nulls need not be
            handled: the engine treats a null violation as a pass.
        aggregates: rule -> {alias: aggregate SQL} folded into the gate's one aggregation
            (dataset level; equal aliases are computed once).
        evaluate: (rule, facts) -> (ok, observed, what failed) (dataset level).
        gx_observed: (rule, result, expectation type) -> GX observed value (dataset level).
        suggest_column: (column profile, context) -> a suggestion for that column, or None.
        suggest_group: suggestions of one group are exclusive per column (first wins).
        suggest_dataset: context -> suggestions for the whole dataset.
    """

    name: str
    spec: type[RuleBase]
    doc: RuleDoc
    position: int
    expectations: Callable[[Any, GxContext], list[Expectation]]
    gx_result: Literal["values", "rows", "dataset"] = "values"
    describe: Callable[[Any], str] | None = None
    violation: Callable[[Any, RowContext], str | None] | None = None
    aggregates: Callable[[Any], dict[str, str]] | None = None
    evaluate: Callable[[Any, DatasetFacts], Verdict] | None = None
    gx_observed: Callable[[Any, Any, str], Any] | None = None
    suggest_column: Callable[[Any, SuggestContext], Suggestion | None] | None = None
    suggest_group: str | None = None
    suggest_dataset: Callable[[SuggestContext], list[Suggestion]] | None = None

    @property
    def level(self) -> Level:
        return self.spec.level

    def __post_init__(self) -> None:
        tag = self.spec.model_fields.get("rule")
        if tag is None or getattr(tag.annotation, "__args__", None) != (self.name,):
            raise TypeError(f"rule type {self.name!r}: its spec needs rule: Literal[{self.name!r}]")
        needs = ("violation", "describe") if self.level == "row" else ("aggregates", "evaluate")
        missing = [n for n in needs if getattr(self, n) is None]
        if missing:
            raise TypeError(f"{self.level}-level rule type {self.name!r} needs {missing}")


_TYPES: dict[str, RuleType] = {}
_lock = threading.RLock()
_loaded = False


def register(rule_type: RuleType) -> RuleType:
    """Add ``rule_type`` (called by its module at import). Names are unique."""
    with _lock:
        if rule_type.name in _TYPES and _TYPES[rule_type.name] is not rule_type:
            raise ValueError(f"rule type {rule_type.name!r} is registered twice")
        _TYPES[rule_type.name] = rule_type
    return rule_type


def _discover() -> None:
    global _loaded
    with _lock:
        if _loaded:
            return
        package = importlib.import_module(__package__)
        for mod in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not mod.name.startswith("_") and mod.name not in _CORE:
                importlib.import_module(f"{__package__}.{mod.name}")
        _loaded = True


def rule_types() -> list[RuleType]:
    """Every rule type, in docs order (row level first)."""
    _discover()
    return sorted(_TYPES.values(), key=lambda t: (t.level != "row", t.position, t.name))


def rule_type(name: str) -> RuleType:
    """The rule type called ``name`` (KeyError when there is none)."""
    _discover()
    try:
        return _TYPES[name]
    except KeyError:
        raise KeyError(f"unknown rule type {name!r}; known: {sorted(_TYPES)}") from None
