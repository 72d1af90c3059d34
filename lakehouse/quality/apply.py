"""Run a gate end to end for a stage: evaluate, stop if blocked, quarantine, record.

``curate`` drives the ``raw_to_curated`` gate itself (it quarantines rows as received).
:func:`gate_inputs` is the ``curated_to_exportable`` gate for the export stage: each curated
input of an export goes through its dataset's rules before the export SQL reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.quality import store
from lakehouse.quality.gate import GateContext, run_gate
from lakehouse.quality.outcome import GateOutcome

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.config import Project
    from lakehouse.quality.references import ReferenceCache

EXPORT_GATE = "curated_to_exportable"


def gate_inputs(spark: SparkSession, project: Project, inputs: dict[str, DataFrame], *,
                run_id: str | None, references: ReferenceCache | None = None,
                table_rows: dict[str, int] | None = None,
                ) -> tuple[dict[str, DataFrame], dict[str, GateOutcome]]:
    """Gate every input (dataset name -> curated rows) at ``curated_to_exportable``.

    Returns the passing rows per dataset and the outcomes (for run records). Datasets without
    rules for this gate pass through untouched. Raises
    :class:`~lakehouse.errors.QualityGateError` (exit code 3) before anything is exported if
    one blocks; its results and Data Docs are recorded first. ``references``: the run's
    reference keys (read once per run), else each gate reads the tables it references.
    ``table_rows``: the whole table's row count of an input given as some of its partitions.
    """
    passed: dict[str, DataFrame] = {}
    outcomes: dict[str, GateOutcome] = {}
    for name, df in inputs.items():
        dataset = project.datasets.get(name)
        if dataset is None or not dataset.rules.for_gate(EXPORT_GATE):
            passed[name] = df
            continue
        outcome = run_gate(df, rules=dataset.rules, gate=EXPORT_GATE, dataset=name,
                           run_id=run_id, context=GateContext(
                               spark=spark, project=project, reference_cache=references,
                               table_rows=(table_rows or {}).get(name)))
        if outcome.blocked:
            store.record(project, outcome)
            outcome.raise_if_blocked()
        outcomes[name] = outcome
        passed[name] = outcome.passed
    return passed, outcomes


def finish(project: Project, outcomes: dict[str, GateOutcome]) -> None:
    """After the export is written: append quarantined rows and record results + Data Docs."""
    for outcome in outcomes.values():
        store.write_quarantine(project, outcome)
        store.record(project, outcome)
