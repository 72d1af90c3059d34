"""The loaded project: lake settings, dataset contracts, exports, and where things live."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lakehouse.config.models import DatasetConfig, ExportConfig, LakeConfig, Zone
from lakehouse.errors import ConfigError
from lakehouse.storage.uri import join_uri, to_uri

GATES = ("raw_to_curated", "curated_to_exportable")


@dataclass(frozen=True)
class Project:
    """Everything ``conf/`` declares, with paths resolved to URIs."""

    lake: LakeConfig
    datasets: dict[str, DatasetConfig]
    exports: dict[str, ExportConfig]
    conf_dir: Path
    project_dir: Path

    @property
    def lake_root(self) -> str:
        return to_uri(self.lake.lake.root, base=self.project_dir)

    def zone_uri(self, zone: Zone) -> str:
        override = self.lake.lake.zones.get(zone)
        if override:
            return to_uri(override, base=self.project_dir)
        return join_uri(self.lake_root, zone)

    @property
    def runs_uri(self) -> str:
        if self.lake.lake.runs:
            return to_uri(self.lake.lake.runs, base=self.project_dir)
        return join_uri(self.lake_root, "_runs")

    def table_uri(self, zone: Zone, name: str) -> str:
        return join_uri(self.zone_uri(zone), name)

    def quarantine_uri(self, dataset: str, gate: str = "raw_to_curated") -> str:
        return join_uri(self.zone_uri("quarantine"), dataset, gate)

    def database(self, zone: Zone) -> str:
        domain = self.lake.catalog.domain or self.lake.project
        return self.lake.catalog.database_pattern.format(domain=domain, zone=zone)

    def select_datasets(self, names: Iterable[str] | None) -> list[DatasetConfig]:
        """Datasets named (all when ``names`` is empty), in a stable order; unknown names fail."""
        names = list(names or [])
        if not names:
            return [self.datasets[n] for n in sorted(self.datasets)]
        unknown = [n for n in names if n not in self.datasets and n not in self.exports]
        if unknown:
            bad = unknown[0]
            close = difflib.get_close_matches(bad, [*self.datasets, *self.exports], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"datasets: {sorted(self.datasets)}"
            raise ConfigError(str(self.conf_dir / "datasets"), [f"no dataset named {bad!r}"], hint=hint)
        return [self.datasets[n] for n in names if n in self.datasets]

    def select_exports(self, names: Iterable[str] | None) -> list[ExportConfig]:
        """Exports named directly, or fed by a named dataset (all when ``names`` is empty)."""
        names = set(names or [])
        return [e for n, e in sorted(self.exports.items())
                if not names or n in names or names & set(e.inputs)]
