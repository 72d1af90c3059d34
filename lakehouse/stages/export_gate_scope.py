"""The ``curated_to_exportable`` gate of an incremental export, over the changed partitions.

An incremental export reads only the driving input's changed partitions; its gate can do the
same when evaluating those rows alone gives the outcome a gate over the whole input would.
That holds when every rule of the gate is one of:

- a row rule whose verdict depends on the row alone (``between``, ``in_set``, ``regex``,
  ``not_null``, ``expression``...), with no ``threshold`` (a ratio or count limit over the
  whole input): rows of unchanged partitions passed it when they were exported;
- ``unique`` / ``compound_unique`` on columns that determine the partition values (each is
  a partition column or an ``expr`` of those columns): a duplicate lies in one partition;
- ``row_count``: evaluated against the input's total row count, read from the Delta log's
  per-file statistics (no scan);

and the previous export version was gated by the same rules (a fingerprint of them is kept
in its manifest: a rule added since must see every row). Anything else (references to other
tables, thresholds, drift, freshness, DQDL rulesets) gates the whole input, as before, and
the reason is logged. Written by hand: a decision over this project's rule specs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.config.models import DatasetConfig, ExportConfig

if TYPE_CHECKING:
    from lakehouse.config import Project

GATE = "curated_to_exportable"
_ROW_LOCAL_EXCLUDED = ("references",)        # depends on another table's current keys
_UNIQUENESS = ("unique", "compound_unique")


@dataclass(frozen=True)
class Scope:
    """Gate ``dataset`` over the changed partitions only; ``total_rows`` is the whole
    input's row count (what ``row_count`` rules check; None without such a rule)."""

    dataset: str
    total_rows: int | None


def fingerprints(project: Project, spec: ExportConfig) -> dict[str, str]:
    """A short hash of each input's ``curated_to_exportable`` rules (kept in the manifest)."""
    out = {}
    for name in spec.inputs:
        dataset = project.datasets.get(name)
        rules = dataset.rules.for_gate(GATE) if dataset else []
        text = json.dumps([r.model_dump(mode="json", by_alias=True) for r in rules],
                          sort_keys=True, default=str)
        out[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def scope(project: Project, spec: ExportConfig, *, driving: str, version: int,
          previous: dict | None) -> tuple[Scope | None, str]:
    """(the scope, why) or (None, why the whole input is gated)."""
    dataset = project.datasets.get(driving)
    if dataset is None:
        return None, f"{driving} is not a dataset of this project"
    rules = list(dataset.rules.for_gate(GATE))
    if dataset.rules.dqdl_for(GATE) is not None or any(getattr(r, "dqdl", False) for r in rules):
        return None, "a DQDL ruleset evaluates the whole input"
    for rule in rules:
        why = _not_local(rule, dataset)
        if why:
            return None, f"rule {rule.name!r} {why}"
    before = (previous or {}).get("gate_rules") or {}
    if before.get(driving) != fingerprints(project, spec)[driving]:
        return None, "the previous version was gated by other rules (or its manifest predates this)"
    total = None
    if any(r.rule == "row_count" for r in rules):
        total = table_rows(project.table_uri("curated", driving), version)
        if total is None:
            return None, "a file of the Delta log has no row count statistics"
    return Scope(driving, total), \
        f"gate over the changed partitions of {driving} ({len(rules)} partition-local rule(s))"


def _not_local(rule, dataset: DatasetConfig) -> str | None:
    """Why ``rule``'s outcome over some partitions differs from its outcome over all, or None."""
    if rule.level != "row":
        return None if rule.rule == "row_count" else f"({rule.rule}) is evaluated over all rows"
    if rule.rule in _ROW_LOCAL_EXCLUDED:
        return "checks another table, which may have changed"
    if rule.threshold is not None:
        return "has a threshold over all rows"
    if rule.rule in _UNIQUENESS and not dataset.partitions_follow(rule.columns()):
        return "compares rows across partitions (its columns do not determine the partition)"
    return None


def table_rows(uri: str, version: int) -> int | None:
    """Rows of a Delta table version from its log's per-file ``numRecords`` (delta-rs reads
    the log; no data file is opened), or None when a file has no statistics."""
    import pyarrow as pa
    from deltalake import DeltaTable

    from lakehouse.tables.fs import delta_rs_uri, storage_options

    actions = pa.table(DeltaTable(delta_rs_uri(uri), version=version,
                                  storage_options=storage_options(uri))
                       .get_add_actions(flatten=True))
    if "num_records" not in actions.column_names:
        return None
    counts = actions.column("num_records").to_pylist()
    return None if any(c is None for c in counts) else int(sum(counts))
