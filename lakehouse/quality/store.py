"""Where gates keep state, all through the tables layer (Delta):

* quarantine: ``project.quarantine_uri(dataset, gate)`` — rejected rows (append per run);
* results: ``<lake root>/_quality/results`` — one row per rule per gate run, plus one
  ``__gate__`` row with the row accounting and the column statistics the drift rule compares
  against (its baseline is the newest run that did not block).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.config import Project
    from lakehouse.quality.gate import GateOutcome
    from lakehouse.tables.base import CommitResult, DeltaTableStore

GATE_ROW = "__gate__"
_RESULT_FIELDS = (
    ("run_id", "string"), ("dataset", "string"), ("gate", "string"), ("rule", "string"),
    ("rule_type", "string"), ("severity", "string"), ("level", "string"), ("status", "string"),
    ("blocking", "boolean"), ("rows_evaluated", "bigint"), ("failing", "bigint"),
    ("failing_ratio", "double"), ("description", "string"), ("observed", "string"),
    ("metrics", "map<string,double>"), ("gate_blocked", "boolean"), ("rows_passed", "bigint"),
    ("rows_quarantined", "bigint"), ("evaluated_at", "timestamp"),
)
RESULTS_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in _RESULT_FIELDS)


def results_uri(project: Project) -> str:
    return join_uri(project.lake_root, "_quality", "results")


def table(spark: SparkSession, project: Project, uri: str) -> DeltaTableStore:
    """The Delta table at ``uri`` with the project's table settings."""
    from lakehouse.tables import open_table_with

    return open_table_with(spark, uri, project.lake.tables)


def read_curated(spark: SparkSession, project: Project, dataset: str) -> DataFrame | None:
    """The current curated table of ``dataset``, or None when it does not exist yet."""
    t = table(spark, project, project.table_uri("curated", dataset))
    return t.read() if t.exists() else None


def append_quarantine(project: Project, outcome: GateOutcome) -> CommitResult:
    """Append ``outcome.quarantined`` (one write, idempotent per run id)."""
    spark = outcome.quarantined.sparkSession
    key = f"lakehouse-quarantine-{outcome.dataset}-{outcome.gate}-{outcome.run_id}" \
        if outcome.run_id else None
    q = table(spark, project, project.quarantine_uri(outcome.dataset, outcome.gate))
    return q.append(outcome.quarantined, idempotency_key=key, schema_mode="merge")


def result_rows(outcome: GateOutcome) -> list[tuple]:
    """The results-table rows of one gate run (one per rule, one ``__gate__`` row)."""
    at = outcome.started_at.replace(tzinfo=None)
    common = dict(gate_blocked=outcome.blocked, rows_passed=outcome.passed_count,
                  rows_quarantined=outcome.quarantined_count, evaluated_at=at)
    rows = []
    for r in outcome.results:
        observed = {k: v for k, v in r.observed.items()}
        rows.append(_row(outcome, rule=r.name, rule_type=r.rule, severity=r.severity,
                         level=r.level, status=r.status, blocking=r.blocking,
                         rows_evaluated=r.total, failing=r.failing,
                         failing_ratio=r.failing_ratio, description=r.description,
                         observed=json.dumps({**observed, "samples": r.samples[:5]}, default=str),
                         metrics=_numbers(r.observed.get("current") or {}), **common))
    rows.append(_row(outcome, rule=GATE_ROW, rule_type="gate", severity=None, level="gate",
                     status="blocked" if outcome.blocked else "passed", blocking=outcome.blocked,
                     rows_evaluated=outcome.total, failing=outcome.quarantined_count,
                     failing_ratio=outcome.quarantined_count / outcome.total if outcome.total else 0.0,
                     description=f"warnings: {outcome.warnings}", observed="{}",
                     metrics=dict(outcome.stats), **common))
    return rows


def _row(outcome: GateOutcome, **values: Any) -> tuple:
    values.update(run_id=outcome.run_id, dataset=outcome.dataset, gate=outcome.gate)
    return tuple(values[name] for name, _ in _RESULT_FIELDS)


def _numbers(values: dict) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if isinstance(v, int | float)}


def append_results(project: Project, outcome: GateOutcome) -> CommitResult:
    """Append this run's rule results and metrics to the results table."""
    spark = outcome.passed.sparkSession
    df = spark.createDataFrame(result_rows(outcome), RESULTS_SCHEMA)
    return table(spark, project, results_uri(project)).append(df, schema_mode="merge")


def read_results(spark: SparkSession, project: Project) -> DataFrame | None:
    t = table(spark, project, results_uri(project))
    return t.read() if t.exists() else None


def load_baseline(spark: SparkSession, project: Project, dataset: str,
                  gate: str) -> dict[str, float] | None:
    """Column statistics of the newest gate run of ``dataset`` that did not block."""
    from pyspark.sql import functions as F

    df = read_results(spark, project)
    if df is None:
        return None
    row = (df.where((F.col("dataset") == dataset) & (F.col("gate") == gate)
                    & (F.col("rule") == GATE_ROW) & ~F.col("gate_blocked"))
           .orderBy(F.col("evaluated_at").desc()).select("metrics").first())
    return dict(row["metrics"] or {}) if row else None


def history(spark: SparkSession, project: Project, dataset: str, *, gate: str | None = None,
            limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` gate runs of ``dataset``: accounting and failing count per rule."""
    from pyspark.sql import functions as F

    df = read_results(spark, project)
    if df is None:
        return []
    df = df.where(F.col("dataset") == dataset)
    if gate:
        df = df.where(F.col("gate") == gate)
    rows = df.orderBy(F.col("evaluated_at").desc()).collect()
    runs: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = (r["run_id"], r["gate"], r["evaluated_at"])
        run = runs.setdefault(key, {"run_id": r["run_id"], "gate": r["gate"],
                                    "evaluated_at": _iso(r["evaluated_at"]),
                                    "blocked": r["gate_blocked"], "rows_in": r["rows_evaluated"],
                                    "rows_passed": r["rows_passed"],
                                    "rows_quarantined": r["rows_quarantined"], "rules": {}})
        if r["rule"] != GATE_ROW:
            run["rules"][r["rule"]] = {"status": r["status"], "failing": r["failing"],
                                       "severity": r["severity"]}
    return list(runs.values())[:limit]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
