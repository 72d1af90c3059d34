"""The quality gate between two zones: one pass to split rows, one aggregation for metrics.

``run_gate`` adds ONE projection to the input: one boolean column per row-level rule (plain
expressions, so whole-stage codegen applies) and the quarantine decision. From it come the
passing rows, the quarantined rows (with the failed rules, a readable reason, gate, run id
and time) and, in a single ``agg``, every rule's failing count plus the dataset-level
statistics. Nothing else touches the full data: the gate costs one aggregation (over only
the columns the rules read) on top of the caller's two writes; when no row is quarantined the
passing rows are the input itself and the quarantine is an empty plan.

Usage (the curate stage)::

    outcome = run_gate(df, rules=dataset.rules, gate="raw_to_curated", dataset=dataset.name,
                       run_id=run_id, context=GateContext(spark=spark, project=project))
    outcome.raise_if_blocked()            # QualityGateError (exit code 3), nothing written
    table.merge(outcome.passed, ...)
    store.write_quarantine(project, outcome)  # one append to the quarantine Delta table
    store.record(project, outcome)        # results table + GX Data Docs; releases the cache
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lakehouse.quality import metrics as M
from lakehouse.quality import rules as R
from lakehouse.quality.outcome import FAILED, QUARANTINE_COLUMNS, GateOutcome
from lakehouse.quality.results import RuleResult, row_result

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.config import Project
    from lakehouse.quality.references import ReferenceCache

__all__ = ["FAILED", "QUARANTINE_COLUMNS", "GateContext", "GateOutcome", "run_gate"]

_BAD = "__lh_bad"


@dataclass
class GateContext:
    """Optional inputs of a gate run.

    Attributes:
        spark: session used to read reference tables and the drift baseline.
        project: the loaded project; with ``spark`` it locates reference tables and baselines.
        references: DataFrames of referenced datasets by name (overrides reading curated).
        reference_cache: the run's keys of referenced curated tables, read once per run at
            a pinned version and shared by its gates (without it, each gate reads them).
        baseline: drift baseline ``{"mean:col": value, ...}`` (default: last passed run).
        now: the time freshness is measured against (default: now, UTC).
        cache: cache the annotated rows so the caller's two writes reuse the projection
            (worth it when many rows are quarantined or the input is expensive to recompute;
            off by default: see bench/bench_quality.py).
        sample_rows: failing rows kept per rule for reports (0 disables the sample query).
        table_rows: the whole input's row count when ``df`` holds only some of its
            partitions (an incremental export's gate): ``row_count`` rules check it.
    """

    spark: SparkSession | None = None
    project: Project | None = None
    references: dict[str, DataFrame] = field(default_factory=dict)
    reference_cache: ReferenceCache | None = None
    baseline: Mapping[str, float] | None = None
    now: datetime | None = None
    cache: bool = False
    sample_rows: int = 5
    table_rows: int | None = None


def run_gate(df: DataFrame, *, rules, gate: str, dataset: str, run_id: str | None = None,
             context: GateContext | None = None) -> GateOutcome:
    """Evaluate ``rules`` of ``gate`` on ``df`` in one pass; see the module docstring.

    ``rules`` is a dataset's :class:`~lakehouse.config.quality_spec.GateRules` (the gate's list is
    picked) or a plain sequence of rule specs.
    """
    from pyspark.sql import functions as F

    # DQDL (and its parser, lark) only when a gate runs: the trigger Lambda imports this package
    # without running a gate, and its zip holds no lark
    from lakehouse.quality import dqdl_gate as D

    ctx = context or GateContext()
    given = list(rules.for_gate(gate) if hasattr(rules, "for_gate") else rules)
    started = datetime.now(UTC)
    now = ctx.now or started
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    original = list(df.columns)
    rule_list = [r for r in given if not getattr(r, "dqdl", False)]
    dq = [r for r in given if getattr(r, "dqdl", False)]
    source = rules.dqdl_for(gate) if hasattr(rules, "dqdl_for") else None
    if source is not None:
        loaded = D.load_checks(source.text, file=source.file, columns=dict(df.dtypes), now=now,
                               datasets=ctx.project.datasets if ctx.project else None,
                               taken=[r.name for r in rule_list])
        D.check_sql(df, loaded, file=source.file)
        dq += loaded

    refs = _reference_keys(rule_list, ctx, dataset)
    work, ref_flags = R.attach_references(df, rule_list, refs)
    work = D.attach_rows(work, dq)  # row-level CustomSql: a flag per row, by a left join
    checks = {r.name: R.violation(r, ref_flags, now=now) for r in rule_list if r.level == "row"}
    checks.update({c.name: F.expr(f"coalesce(({c.violation}), false)")
                   for c in dq if c.level == "row"})
    live = {name: expr for name, expr in checks.items() if expr is not None}
    all_rules = [*rule_list, *dq]
    blocking_names = [r.name for r in all_rules if r.name in live and r.severity != "warn"]

    # one boolean column per row-level rule (plain expressions keep whole-stage codegen;
    # an array built with a lambda per row would not), plus the quarantine decision
    vcols = {name: f"__lh_v{i}" for i, name in enumerate(live)}
    bad = F.lit(False)
    for name in blocking_names:
        bad = bad | F.col(vcols[name])
    annotated = work.select(*[F.col(f"`{c}`") for c in original],
                            *[expr.alias(vcols[name]) for name, expr in live.items()],
                            *[F.expr(sql).alias(alias) for c in dq
                              for alias, sql in c.helpers.items()])
    annotated = annotated.withColumn(_BAD, bad)
    if ctx.cache:
        annotated = annotated.persist()

    is_bad = F.col(_BAD)
    aggs = [F.count(F.lit(1)).alias("__lh_total"),
            F.sum(is_bad.cast("int")).alias("__lh_quarantined")]
    aggs += [F.sum(F.col(vcols[name]).cast("int")).alias(f"__lh_fail:{name}") for name in live]
    aggs += M.aggregate_exprs(rule_list)
    same = {}  # DQDL rules often share an aggregate (a count under the same where): once each
    for c in dq:
        for alias, sql in c.aggregates.items():
            same.setdefault(sql, []).append(alias)
    aggs += [F.expr(sql).alias(aliases[0]) for sql, aliases in same.items()]
    row = annotated.agg(*aggs).first().asDict()  # the one aggregation
    for aliases in same.values():
        for alias in aliases[1:]:
            row[alias] = row[aliases[0]]
    total = int(row["__lh_total"])

    results = _row_results(rule_list, live, row, total, refs)
    baseline = ctx.baseline
    if baseline is None and any(r.rule == "drift" for r in rule_list):
        baseline = _baseline(ctx, dataset, gate)
    results += M.dataset_results(rule_list, row, baseline=baseline, now=now,
                                 total=total if ctx.table_rows is None else ctx.table_rows)
    if dq:  # rules that need a job besides the pass (CustomSql, a second dataset): said so
        row.update(D.externals(df, dq, spark=ctx.spark, project=ctx.project, dataset=dataset,
                               total=total))
    results += D.results(dq, row, total=total, history=D.history(ctx.project, dataset, gate, dq))
    _attach_samples(annotated, results, ctx.sample_rows, original, vcols)

    quarantined_count = int(row["__lh_quarantined"] or 0)
    passed, quarantined = _split(df, annotated, original, quarantined_count, gate=gate,
                                 run_id=run_id, started=started,
                                 flags={n: vcols[n] for n in blocking_names},
                                 reasons={**{r.name: R.describe(r) for r in rule_list},
                                          **{c.name: f"{c.name}: {c.text}" for c in dq}})
    return GateOutcome(
        dataset=dataset, gate=gate, run_id=run_id, started_at=started, passed=passed,
        quarantined=quarantined, results=results, total=total,
        quarantined_count=quarantined_count,
        stats=M.column_stats(row, rule_list, total), rules=all_rules, baseline=baseline,
        _annotated=annotated)


def _row_results(rules: Sequence, live: Mapping, row: Mapping, total: int,
                 refs: Mapping[tuple[str, str], R.ReferenceKeys]) -> list[RuleResult]:
    results = []
    for rule in rules:
        if rule.level != "row":
            continue
        if rule.name not in live:
            results.append(RuleResult(
                name=rule.name, rule=rule.rule, severity=rule.severity, level="row", total=total,
                status="skipped", description=f"{R.describe(rule)} (skipped: table "
                f"{getattr(rule, 'dataset', '?')!r} is not available yet)"))
            continue
        failing = int(row[f"__lh_fail:{rule.name}"] or 0)
        result = row_result(rule, total=total, failing=failing, description=R.describe(rule))
        keys = refs.get((rule.dataset, rule.target_column)) if rule.rule == "references" else None
        if keys is not None and keys.version is not None:
            result.observed["reference_version"] = keys.version   # the snapshot checked
        results.append(result)
    return results


def _split(df: DataFrame, annotated: DataFrame, original: list[str], quarantined_count: int, *,
           gate: str, run_id: str | None, started: datetime, flags: Mapping[str, str],
           reasons: Mapping[str, str]) -> tuple[DataFrame, DataFrame]:
    """(passed, quarantined) rows. ``flags``: blocking rule name -> its violation column."""
    from pyspark.sql import functions as F

    cols = [F.col(f"`{c}`") for c in original]
    failed = F.array_compact(F.array(*[F.when(F.col(v), F.lit(n)) for n, v in flags.items()])) \
        if flags else F.array().cast("array<string>")
    reason = F.concat_ws("; ", *[F.when(F.col(v), F.lit(reasons[n])) for n, v in flags.items()]) \
        if flags else F.lit("")
    extra = [failed.alias(FAILED), reason.alias("_reason"), F.lit(gate).alias("_gate"),
             F.lit(run_id).cast("string").alias("_run_id"),
             F.lit(started.replace(tzinfo=None)).cast("timestamp").alias("_quarantined_at")]
    # the counts are known: with nothing to quarantine, the passing rows are the input as is
    # (no rule evaluated again) and the quarantine is an empty plan (Spark prunes the scan)
    if not quarantined_count:
        return df.select(*cols), annotated.where(F.lit(False)).select(*cols, *extra)
    bad = F.col(_BAD)
    return annotated.where(~bad).select(*cols), annotated.where(bad).select(*cols, *extra)


def _reference_keys(rules: Sequence, ctx: GateContext,
                    dataset: str) -> dict[tuple[str, str], R.ReferenceKeys]:
    """Keys per referenced (table, column): from ``ctx.references`` frames, else the run's
    :class:`~lakehouse.quality.references.ReferenceCache`, else read here (current version).
    Tables that do not exist yet are left out (their rules are reported skipped)."""
    wanted = sorted({(r.dataset, r.target_column) for r in rules if r.rule == "references"})
    out: dict[tuple[str, str], R.ReferenceKeys] = {}
    for table, column in wanted:
        if table in ctx.references:
            out[table, column] = R.reference_keys(ctx.references[table], column, table=table,
                                                  dataset=dataset)
        elif ctx.spark is not None and ctx.reference_cache is not None:
            found = ctx.reference_cache.keys(ctx.spark, table, column, dataset=dataset)
            if found is not None:
                out[table, column] = found
        elif ctx.spark is not None and ctx.project is not None:
            from lakehouse.quality.references import read_keys

            found = read_keys(ctx.spark, ctx.project, table, column, dataset=dataset)
            if found is not None:
                out[table, column] = found
    return out


def _baseline(ctx: GateContext, dataset: str, gate: str) -> dict[str, float] | None:
    if ctx.project is None:
        return None
    from lakehouse.quality.store import load_baseline

    return load_baseline(ctx.project, dataset, gate)


def _attach_samples(annotated: DataFrame, results: list[RuleResult], limit: int,
                    columns: list[str], vcols: Mapping[str, str]) -> None:
    """Keep up to ``limit`` failing rows per failing row-level rule (one small query)."""
    from functools import reduce

    from pyspark.sql import functions as F

    failing = [r for r in results if r.level == "row" and r.failing]
    if not failing or limit <= 0:
        return
    any_failed = reduce(lambda a, b: a | b, [F.col(vcols[r.name]) for r in failing])
    rows = annotated.where(any_failed).limit(limit * 20).collect()
    for res in failing:
        flag = vcols[res.name]
        picked = [r for r in rows if r[flag]][:limit]
        if not picked and res.blocking:
            picked = annotated.where(F.col(flag)).limit(limit).collect()
        res.samples = [{c: _jsonable(r[c]) for c in columns} for r in picked]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | dict):
        return json.loads(json.dumps(value, default=str))
    return value
