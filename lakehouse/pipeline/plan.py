"""The plan of a run: which units run and what each waits for, built from typed keys (no Spark).

A *unit* is one stage for one dataset or export, named by a :class:`UnitKey`
(``UnitKey("curate", "flights")``, printed ``curate flights``). The rules of the graph live
here and nowhere else:

- ``ingest d`` waits for nothing;
- ``curate d`` waits for ``ingest d`` and for the curates of the datasets its ``references``
  rules read (so the keys it checks against are this run's), when those run too;
- an export waits for the curates of its inputs (and their ingests, through them).

Units are listed in a valid order (ingests, then curates with referenced datasets first, then
exports); a ``references`` cycle keeps the given order for the rest and leaves out the edge
that would close it. :mod:`lakehouse.pipeline.schedule` executes the graph;
:mod:`lakehouse.pipeline.driver` decides what a unit runs and what its outcome means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from lakehouse.errors import InvalidArgumentError

if TYPE_CHECKING:
    from lakehouse.config.models import DatasetConfig, ExportConfig
    from lakehouse.config.project import Project

StageName = Literal["ingest", "curate", "export"]
Stage = Literal["ingest", "curate", "export", "all"]
STAGES: tuple[str, ...] = ("ingest", "curate", "export", "all")


@dataclass(frozen=True)
class UnitKey:
    """One stage of one dataset or export: ``str(UnitKey("curate", "flights")) == "curate flights"``."""

    stage: StageName
    name: str

    def __str__(self) -> str:
        return f"{self.stage} {self.name}"


@dataclass(frozen=True)
class PlannedUnit:
    """A unit of the plan: its key, the dataset or export spec it runs on, what it waits for."""

    key: UnitKey
    spec: DatasetConfig | ExportConfig
    after: frozenset[UnitKey] = frozenset()


@dataclass(frozen=True)
class Plan:
    """The units of one run in a valid order (dependencies first)."""

    stage: Stage
    datasets: tuple[str, ...]          # the datasets selected (their names)
    units: tuple[PlannedUnit, ...]

    @property
    def keys(self) -> list[UnitKey]:
        return [u.key for u in self.units]

    def steps(self) -> list[tuple[str, str]]:
        """``(stage, name)`` per unit, in order: what run observers get."""
        return [(u.key.stage, u.key.name) for u in self.units]

    def position(self) -> dict[UnitKey, int]:
        """Each key's index in the plan (stage results are reported in this order)."""
        return {u.key: i for i, u in enumerate(self.units)}


def build_plan(project: Project, *, datasets: Sequence[str] | None = None,
               stage: Stage = "all") -> Plan:
    """The plan for ``stage`` (or all stages) of the selected datasets and exports.

    Raises:
        InvalidArgumentError: ``stage`` is not one of :data:`STAGES`.
        ConfigError: a dataset name is unknown.
    """
    if stage not in STAGES:
        raise InvalidArgumentError("stage", stage, STAGES)
    selected = project.select_datasets(datasets)
    exports = project.select_exports(datasets) if stage in ("export", "all") else []
    units: list[PlannedUnit] = []
    if stage in ("ingest", "all"):
        units += [PlannedUnit(UnitKey("ingest", d.name), d) for d in selected]
    if stage in ("curate", "all"):
        planned: set[UnitKey] = {u.key for u in units}
        for d in curate_order(selected):
            waits = {UnitKey("ingest", d.name)} | {UnitKey("curate", r) for r in referenced(d)}
            units.append(PlannedUnit(UnitKey("curate", d.name), d, frozenset(waits & planned)))
            planned.add(UnitKey("curate", d.name))
    curated = {u.key for u in units if u.key.stage == "curate"}
    for e in exports:
        waits = {UnitKey("curate", name) for name in e.inputs}
        units.append(PlannedUnit(UnitKey("export", e.name), e, frozenset(waits & curated)))
    return Plan(stage, tuple(d.name for d in selected), tuple(units))


def referenced(dataset: DatasetConfig) -> set[str]:
    """The datasets ``dataset``'s ``references`` rules read (itself excluded)."""
    return {r.dataset for r in dataset.rules.all() if r.rule == "references"} - {dataset.name}


def curate_order(datasets: Sequence[DatasetConfig]) -> list[DatasetConfig]:
    """Datasets referenced by another's ``references`` rules are curated first (stable order;
    a reference cycle keeps the given order for the rest)."""
    names = {d.name for d in datasets}
    needs = {d.name: referenced(d) & names for d in datasets}
    ordered: list[DatasetConfig] = []
    pending = list(datasets)
    while pending:
        done = {o.name for o in ordered}
        ready = [d for d in pending if needs[d.name] <= done] or pending[:1]
        ordered.extend(ready)
        pending = [d for d in pending if d not in ready]
    return ordered
