"""Where gates keep state, all through the tables layer (Delta). Gate outcomes are values;
this module persists them (:func:`write_quarantine`, :func:`record`):

* quarantine: ``project.quarantine_uri(dataset, gate)`` — rejected rows (append per run);
* results: ``<lake root>/_quality/results`` — one row per rule per gate run, plus one
  ``__gate__`` row with the row accounting and the column statistics the drift rule compares
  against (its baseline is the newest run that did not block).

Results are recorded once per run and gate: (run id, dataset, gate) is the key of a gate
run's rows. A gate evaluated again in the same run (a second export of the same input) or
in a re-run under the same run id (after a crash: ``--run-id``, a Glue retry) replaces the
rows recorded before: the held rows of the run are replaced in memory, and rows already in
the table are replaced by one MERGE (only then: the usual commit is an append). Earlier
rows of the run are found from the files' ``run_id`` statistics in the Delta log, so only
files that may hold this run's rows are opened.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.config import Project
    from lakehouse.quality.outcome import GateOutcome
    from lakehouse.tables.base import CommitResult, DeltaTableStore

GATE_ROW = "__gate__"
RECORD_KEY = ("run_id", "dataset", "gate")   # one gate run's rows; with "rule", one row
_DROP = "__lh_drop"                           # merge source flag: delete the matched row
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


def write_quarantine(project: Project, outcome: GateOutcome) -> CommitResult | None:
    """Append the quarantined rows (one write) unless the gate blocked or none failed."""
    if outcome.blocked or not outcome.quarantined_count:
        return None
    return append_quarantine(project, outcome)


def record(project: Project, outcome: GateOutcome, *, docs: bool = True) -> str | None:
    """Persist results/metrics and build the GX Data Docs page; release the gate's cache.

    Sets and returns ``outcome.docs_uri`` (the blocked-gate error names that page).
    """
    try:
        append_results(project, outcome)
        if docs:
            from lakehouse.quality.docs import build_docs

            outcome.docs_uri = build_docs(project, outcome, baseline=outcome.baseline)
    finally:
        outcome.release()
    return outcome.docs_uri


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


def record_key(outcome: GateOutcome) -> tuple[str | None, str, str]:
    """(run id, dataset, gate): what a gate run's results are recorded once per."""
    return outcome.run_id, outcome.dataset, outcome.gate


def append_results(project: Project, outcome: GateOutcome,
                   spark: SparkSession | None = None) -> CommitResult | None:
    """Record this gate run's rule results and metrics in the results table.

    Once per run and gate: rows recorded before for the same :func:`record_key` are
    replaced. Inside :func:`results_once` the rows are held and written with every other
    gate's on exit (one commit per run instead of one per gate; returns None then).
    """
    spark = spark or outcome.passed.sparkSession
    uri = results_uri(project)
    with _batch_lock:
        held = _batches.get(uri)
        if held is not None:
            held["records"][record_key(outcome)] = result_rows(outcome)
            held["spark"] = spark
            return None
    return write_records(spark, project, {record_key(outcome): result_rows(outcome)})


def write_records(spark: SparkSession, project: Project,
                  records: dict[tuple, list[tuple]]) -> CommitResult | None:
    """Write gate runs' rows (key -> rows) to the results table in one commit: an append,
    or a MERGE when some key was recorded before (its earlier rows are replaced)."""
    rows = [row for held in records.values() for row in held]
    if not rows:
        return None
    results = table(spark, project, results_uri(project))
    keyed = {k for k in records if k[0] is not None}
    earlier = recorded_rules(project, keyed) if keyed and results.exists() else {}
    if not earlier:
        return results.append(spark.createDataFrame(rows, RESULTS_SCHEMA), schema_mode="merge")
    if len(keyed) < len(records):  # rows without a run id cannot be keyed: appended as is
        results.append(spark.createDataFrame(
            [r for k, held in records.items() if k[0] is None for r in held], RESULTS_SCHEMA),
            schema_mode="merge")
    return _replace(spark, results, {k: records[k] for k in keyed}, earlier)


def _replace(spark: SparkSession, results: DeltaTableStore, records: dict[tuple, list[tuple]],
             earlier: dict[tuple, set[str]]) -> CommitResult:
    """One MERGE keyed by (run, dataset, gate, rule): new rows update or insert; rows of
    rules this evaluation no longer has are deleted (a tombstone row per rule)."""
    from datetime import UTC

    from pyspark.sql import functions as F

    now = datetime.now(UTC).replace(tzinfo=None)
    index = {name: i for i, (name, _) in enumerate(_RESULT_FIELDS)}
    gone = []
    for key, rules in earlier.items():
        kept = {row[index["rule"]] for row in records.get(key, [])}
        for rule in sorted(rules - kept):
            tomb: list[Any] = [None] * len(_RESULT_FIELDS)
            for name, value in (*zip(RECORD_KEY, key, strict=True), ("rule", rule),
                                ("evaluated_at", now)):
                tomb[index[name]] = value
            gone.append(tuple(tomb))
    fresh = [row for held in records.values() for row in held]
    source = spark.createDataFrame(fresh, RESULTS_SCHEMA).withColumn(_DROP, F.lit(False))
    if gone:
        source = source.unionByName(
            spark.createDataFrame(gone, RESULTS_SCHEMA).withColumn(_DROP, F.lit(True)))
    return results.merge(source, keys=[*RECORD_KEY, "rule"], order_by=["evaluated_at"],
                         delete_flag=_DROP, schema_mode="merge")


def recorded_rules(project: Project, keys: set[tuple]) -> dict[tuple, set[str]]:
    """Rule names already recorded in the results table per (run, dataset, gate) of ``keys``.

    Reads only the files whose ``run_id`` min/max statistics (Delta log, via delta-rs) may
    include one of the runs, and only four columns of them.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    from lakehouse.tables.fs import TableFiles, delta_rs_uri, storage_options

    uri = results_uri(project)
    runs = sorted({k[0] for k in keys})
    actions = pa.table(DeltaTable(delta_rs_uri(uri), storage_options=storage_options(uri))
                       .get_add_actions(flatten=True))
    names = set(actions.column_names)
    paths = actions.column("path").to_pylist()
    lows = actions.column("min.run_id").to_pylist() if "min.run_id" in names else [None] * len(paths)
    highs = actions.column("max.run_id").to_pylist() if "max.run_id" in names else [None] * len(paths)
    files = TableFiles(uri)
    found: dict[tuple, set[str]] = {}
    for path, low, high in zip(paths, lows, highs, strict=True):
        if low is not None and high is not None and not any(low <= r <= high for r in runs):
            continue  # the statistics rule this file out
        part = pq.read_table(files.abs(unquote(path)), filesystem=files.fs,
                             columns=[*RECORD_KEY, "rule"])
        for row in part.to_pylist():
            key = tuple(row[c] for c in RECORD_KEY)
            if key in keys:
                found.setdefault(key, set()).add(row["rule"])
    return found


_batches: dict[str, dict[str, Any]] = {}  # results table URI -> held records (per lake)
_batch_lock = threading.Lock()


@contextmanager
def results_once(project: Project) -> Iterator[None]:
    """Hold the gate results of the block and write them in one commit on exit (also when
    the block fails: a blocked gate's results are kept). One Delta commit per run, not per
    gate: the commit's fixed cost would otherwise grow with the number of datasets. A gate
    recorded twice in the block keeps its last rows."""
    uri = results_uri(project)
    with _batch_lock:
        held = _batches.setdefault(uri, {"depth": 0, "records": {}, "spark": None})
        held["depth"] += 1
    try:
        yield
    finally:
        with _batch_lock:
            held["depth"] -= 1
            flush = held["depth"] == 0
            if flush:
                del _batches[uri]
        if flush and held["records"] and held["spark"] is not None:
            write_records(held["spark"], project, held["records"])


def append_intake_results(spark: SparkSession, project: Project, *, dataset: str, run_id: str,
                          rows_in: int, failing: dict[str, int], quarantined: int) -> CommitResult:
    """Record the ``landing_to_raw`` gate of one ingest: rows read, malformed per problem."""
    from datetime import UTC

    from lakehouse.quality.outcome import GateOutcome
    from lakehouse.quality.results import RuleResult
    from lakehouse.sources.malformed import INGEST_GATE

    results = [RuleResult(name=rule, rule="malformed", severity="quarantine", level="row",
                          total=rows_in, failing=count, status="failed",
                          description="record does not parse as the declared source format")
               for rule, count in sorted(failing.items())]
    outcome = GateOutcome(dataset=dataset, gate=INGEST_GATE, run_id=run_id,
                          started_at=datetime.now(UTC), passed=None, quarantined=None,
                          results=results, total=rows_in, quarantined_count=quarantined)
    return append_results(project, outcome, spark)


def read_results(project: Project) -> list[dict[str, Any]]:
    """Every row of the results table, newest first, without Spark.

    delta-rs lists the live files and pyarrow reads them. (``DeltaTable.to_pyarrow_table``
    sometimes aborts the interpreter at exit here — "terminate called without an active
    exception" — so it is avoided.)
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    from lakehouse.tables.fs import TableFiles, delta_rs_uri, storage_options

    uri = results_uri(project)
    rs_uri, opts = delta_rs_uri(uri), storage_options(uri)
    if not DeltaTable.is_deltatable(rs_uri, opts):
        return []
    files = TableFiles(uri)
    parts = [pq.read_table(_fs_path(f), filesystem=files.fs)
             for f in DeltaTable(rs_uri, storage_options=opts).file_uris()]
    if not parts:
        return []
    rows = pa.concat_tables(parts, promote_options="default").to_pylist()
    for row in rows:
        row["metrics"] = dict(row.get("metrics") or [])
    return sorted(rows, key=lambda r: r["evaluated_at"], reverse=True)


def _fs_path(file_uri: str) -> str:
    """A data file URI/path from delta-rs as a path for the table's pyarrow filesystem."""
    return file_uri if "://" not in file_uri else unquote(file_uri.split("://", 1)[1])


def load_baseline(project: Project, dataset: str, gate: str) -> dict[str, float] | None:
    """Column statistics of the newest gate run of ``dataset`` that did not block."""
    for row in read_results(project):
        if (row["dataset"], row["gate"], row["rule"]) == (dataset, gate, GATE_ROW) \
                and not row["gate_blocked"]:
            return row["metrics"]
    return None


def history(project: Project, dataset: str, *, gate: str | None = None,
            limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` gate runs of ``dataset``: accounting and failing count per rule."""
    runs: dict[tuple, dict[str, Any]] = {}
    for r in read_results(project):
        if r["dataset"] != dataset or (gate and r["gate"] != gate):
            continue
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
