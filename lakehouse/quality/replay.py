"""Replay quarantined rows through their gate after a rule or data fix.

Rows that now pass leave quarantine; for ``raw_to_curated`` they are merged into the curated
table first. Exactly once, with no lock spanning two tables:

1. read the quarantine at version ``v`` and split it into *fixed* and *still failing* rows;
2. merge the fixed rows into curated with idempotency key ``replay-<dataset>-<gate>-q<v>-<fp>``
   (``fp`` fingerprints the rules and schema, so the same replay has the same key);
3. overwrite the quarantine with the still-failing rows (same key), only if it is still at
   ``v`` (checked under its commit lock): rows a concurrent curate appended are never dropped;
   the replay then stops with "changed during the replay" and a re-run takes them too.

A crash after 2 leaves the quarantine at ``v``: a re-run derives the same key, the merge is
skipped as already committed, and step 3 completes. Merge by primary key with the dataset's
dedup order also means a replayed row never overwrites a newer version of its key.
Raw-to-curated quarantine rows are stored as received (strings + ingestion metadata), so they
are conformed again exactly as ``curate`` does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lakehouse.errors import ConcurrentCommitError, QualityGateError
from lakehouse.quality.gate import GateContext, run_gate
from lakehouse.quality.outcome import FAILED, QUARANTINE_COLUMNS
from lakehouse.quality.store import table

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.config import DatasetConfig, Project

_KEEP = ("_gate", "_run_id", "_quarantined_at")


@dataclass
class ReplayResult:
    """Row accounting of one replay: ``rows_replayed == rows_fixed + rows_still_quarantined``."""

    dataset: str
    gate: str
    quarantine_version: int | None
    rows_replayed: int = 0
    rows_fixed: int = 0
    rows_still_quarantined: int = 0
    curated_version: int | None = None
    committed: bool = False
    still_failing: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def replay(spark: SparkSession, project: Project, dataset: str, *,
           gate: str = "raw_to_curated", run_id: str | None = None) -> ReplayResult:
    """Re-run the quarantine of ``dataset`` at ``gate`` through the current rules."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    config = project.datasets[project.select_datasets([dataset])[0].name]
    q = table(spark, project, project.quarantine_uri(dataset, gate))
    result = ReplayResult(dataset, gate, q.version() if q.exists() else None)
    if result.quarantine_version is None:
        return result
    v = result.quarantine_version
    rows = q.read(version=v).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        result.rows_replayed = rows.count()
        if not result.rows_replayed:
            return result
        key = f"lakehouse-replay-{dataset}-{gate}-q{v}-{_fingerprint(config, gate, rows)}"
        fixed, still, outcome = _split(spark, project, config, gate, rows, run_id or key)
        # cut the lineage: quarantine + reference tables in one plan trip Spark's
        # "input_file_name() does not support more than one source" inside the merge
        fixed = fixed.localCheckpoint(eager=True)
        still = still.localCheckpoint(eager=True)
        try:
            result.rows_fixed = fixed.count()
            result.rows_still_quarantined = still.count()
            if result.rows_fixed + result.rows_still_quarantined != result.rows_replayed:
                raise QualityGateError(
                    f"replay accounting does not balance: {result.rows_replayed} read, "
                    f"{result.rows_fixed} fixed + {result.rows_still_quarantined} still failing",
                    dataset=dataset, gate=gate)
            counts = still.select(F.explode(FAILED).alias("r")).groupBy("r").count().collect()
            result.still_failing = {r["r"]: int(r["count"]) for r in counts}
            if not result.rows_fixed:
                return result
            if gate == "raw_to_curated":
                curated = table(spark, project, project.table_uri("curated", dataset))
                merged = curated.merge(fixed, keys=config.primary_key, order_by=config.dedup_order,
                                       partition_by=config.partition_by, idempotency_key=key,
                                       schema_mode="merge",
                                       partitions_follow_key=config.partitions_follow_key)
                result.curated_version = merged.version
            try:  # only over version v: rows appended since are kept for the next replay
                commit = q.overwrite(still.select(*rows.columns),
                                     idempotency_key=f"{key}-quarantine", expected_version=v)
            except ConcurrentCommitError as exc:
                raise QualityGateError(
                    f"quarantine of {dataset} changed during the replay (was version {v}, "
                    f"now {q.version()})", hint="run the replay again; merged rows are not "
                    "merged twice", dataset=dataset, gate=gate) from exc
            result.committed = commit.committed
        finally:
            outcome.release()
    finally:
        rows.unpersist()
    return result


def _split(spark: SparkSession, project: Project, config: DatasetConfig, gate: str,
           rows: DataFrame, run_id: str) -> tuple[DataFrame, DataFrame, Any]:
    """(fixed rows in the next zone's shape, still-failing rows in quarantine shape, outcome)."""
    from pyspark.sql import functions as F

    ctx = GateContext(spark=spark, project=project, sample_rows=0)
    if gate != "raw_to_curated":
        kept = rows.select(*[F.col(c) for c in rows.columns if c not in QUARANTINE_COLUMNS],
                           *[F.col(c).alias(f"__lh_keep{c}") for c in _KEEP])
        outcome = run_gate(kept, rules=config.rules, gate=gate, dataset=config.name,
                           run_id=run_id, context=ctx)
        still = outcome.quarantined.drop(*_KEEP)
        for c in _KEEP:
            still = still.withColumnRenamed(f"__lh_keep{c}", c)
        fixed = outcome.passed.drop(*[f"__lh_keep{c}" for c in _KEEP])
        return fixed, still, outcome

    from lakehouse.sources.conform import CONFORM_ERRORS, RAW_STRUCT, conform, meta_fields

    # _gate/_run_id/_quarantined_at ride along inside the _raw struct and come back unchanged
    conformed = conform(rows.drop(FAILED, "_reason"), config)
    clean = conformed.where(F.size(CONFORM_ERRORS) == 0)
    broken = conformed.where(F.size(CONFORM_ERRORS) > 0)
    outcome = run_gate(clean, rules=config.rules, gate=gate, dataset=config.name,
                       run_id=run_id, context=ctx)
    outcome.raise_if_blocked()
    meta = [f.name for f in meta_fields(conformed)]

    def requarantine(frame: DataFrame, failed_col: str, reason) -> DataFrame:
        return frame.select(f"{RAW_STRUCT}.*", *meta, F.col(failed_col).alias(FAILED),
                            reason.alias("_reason"))

    conform_reason = F.concat(F.lit("failed: "), F.array_join(CONFORM_ERRORS, ", "))
    still = requarantine(broken, CONFORM_ERRORS, conform_reason).unionByName(
        requarantine(outcome.quarantined, FAILED, F.col("_reason")))
    fixed = outcome.passed.drop(RAW_STRUCT, CONFORM_ERRORS)
    return fixed, still, outcome


def _fingerprint(config: DatasetConfig, gate: str, rows: DataFrame) -> str:
    text = json.dumps({"rules": [r.model_dump() for r in config.rules.for_gate(gate)],
                       "schema": [c.model_dump() for c in config.columns],
                       "quarantine": rows.schema.json()}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
