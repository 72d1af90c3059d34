"""DQDL rulesets in the quality gate: load and check, metric history, results per rule.

:func:`load_checks` parses a ruleset (syntax errors name line and column), validates it
against the dataset's columns and the lake's datasets, and compiles it
(:mod:`lakehouse.quality.dqdl.compile`); a rule type the local engine does not evaluate is a
:class:`~lakehouse.errors.ConfigError` naming the rule's line and why. The gate folds the
checks into its one projection and one aggregation; :func:`results` turns the aggregated row
into :class:`RuleResult`\\ s whose ``observed["current"]`` are Glue's metrics, which the results
table stores: the history that dynamic rules (``avg(last(10))``) read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lakehouse.errors import ConfigError
from lakehouse.quality.dqdl import parse
from lakehouse.quality.dqdl.compile import DqdlCheck, Unsupported, compile_ruleset
from lakehouse.quality.dqdl.validate import validate
from lakehouse.quality.results import RuleResult

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.config import Project

History = Mapping[str, Mapping[str, Sequence[float]]]


def load_checks(text: str, *, file: str, columns: Sequence[str] | Mapping[str, str], now: datetime,
                datasets: Iterable[str] | None = None,
                taken: Iterable[str] = ()) -> list[DqdlCheck]:
    """Parse, check and compile a ruleset; raise with line and column on any problem."""
    ruleset = parse(text, file=file)
    errors = [str(p) for p in validate(ruleset, columns=columns, datasets=datasets)
              if p.is_error]
    try:
        checks = compile_ruleset(ruleset, columns=columns, now=now)
    except Unsupported as exc:
        errors.append(str(exc))
        checks = []
    clash = sorted({c.name for c in checks} & set(taken))
    if clash:
        errors.append(f"YAML rules named {clash} clash with the DQDL rule names (Rule_<n>)")
    if errors:
        raise ConfigError(file, errors, hint="see docs/quality-dqdl.md for the rule types the"
                          " local engine evaluates")
    return checks


def check_sql(df: DataFrame, checks: Sequence[DqdlCheck], *, file: str) -> None:
    """Analyze each check's SQL (``where`` clauses, statements) against ``df`` before the pass:
    a bad clause is a :class:`ConfigError` naming the rule, not a Spark error mid-run."""
    from pyspark.sql import functions as F

    errors = []
    for check in checks:
        if "_source_file" not in df.columns and any(
                kind == "files" and not path for kind, path, *_ in check.externals.values()):
            errors.append(f"{check.name} ({check.text}): a file rule without a path reads the"
                          " files the batch came from (_source_file), and this batch has no such"
                          " column: give it a path (relative to the landing zone)")
            continue
        try:
            flagged = df.select("*", *[F.lit(True).alias(flag) for flag in check.joins])
            for sql in check.joins.values():
                df.createOrReplaceTempView("primary")
                extra = sorted(set(df.sparkSession.sql(sql).columns) - set(df.columns))
                if extra:
                    raise ValueError(f"the statement selects {extra}, which are not columns of"
                                     " primary; the row-level form must select columns of"
                                     " primary (the rows it returns pass)")
            sel = flagged.select("*", *[F.expr(sql).alias(a) for a, sql in check.helpers.items()])
            if check.violation is not None:
                sel.select(F.expr(f"coalesce(({check.violation}), false)"))
            if check.aggregates:
                sel.agg(*[F.expr(sql).alias(a) for a, sql in check.aggregates.items()])
        except Exception as exc:  # ParseException / AnalysisException, both PySpark lines
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            errors.append(f"{check.name} ({check.text}): {first}")
    if errors:
        raise ConfigError(file, errors, hint="a where clause is Spark SQL over the dataset's columns")


def attach_rows(df: DataFrame, checks: Sequence[DqdlCheck]) -> DataFrame:
    """``df`` with a boolean flag column per row-level ``CustomSql``: true for the rows its
    statement returns (over ``df`` as view ``primary``), found by a left join on the columns
    the statement selects (NULL equal to NULL; each row once)."""
    from functools import reduce

    from pyspark.sql import functions as F

    wanted = {flag: sql for c in checks for flag, sql in c.joins.items()}
    if not wanted:
        return df
    df.createOrReplaceTempView("primary")
    out = df
    for flag, sql in wanted.items():
        found = df.sparkSession.sql(sql)
        names = [f"__lh_j{i}" for i in range(len(found.columns))]
        keys = found.select(*[F.col(f"`{c}`").alias(n) for c, n in zip(found.columns, names,
                                                                       strict=True)])
        keys = keys.distinct().withColumn(flag, F.lit(True))
        cond = reduce(lambda a, b: a & b, [F.col(f"`{c}`").eqNullSafe(keys[n])
                                           for c, n in zip(found.columns, names, strict=True)])
        out = out.join(keys, cond, "left").drop(*names)
    return out


def history(project: Project | None, dataset: str, gate: str,
            checks: Sequence[DqdlCheck]) -> dict[str, dict[str, list[float]]]:
    """Past values (newest first) of each dynamic check's metrics, from the results table."""
    wanted = {c.name: set(c.primaries) for c in checks if c.primaries}
    if project is None or not wanted:
        return {}
    from lakehouse.quality.store import read_results

    out: dict[str, dict[str, list[float]]] = {name: {} for name in wanted}
    for row in read_results(project):  # newest first
        if row["dataset"] != dataset or row["gate"] != gate or row["rule"] not in wanted:
            continue
        for metric in wanted[row["rule"]]:
            value = row["metrics"].get(metric)
            if value is not None:
                out[row["rule"]].setdefault(metric, []).append(float(value))
    return out


def externals(df: DataFrame, checks: Sequence[DqdlCheck], *, spark: SparkSession | None,
              project: Project | None, dataset: str, total: int) -> dict[str, Any]:
    """The values of rules that need a job besides the gate's pass, by alias (one job each).

    ``CustomSql``: the statement over the batch registered as view ``primary``;
    ``ReferentialIntegrity``: the share of rows whose key is in the reference's columns (a left
    semi join); ``RowCountMatch``: rows / the reference's rows; ``SchemaMatch``: the share of
    the batch's columns the reference has with the same type; ``AggregateMatch``: ``sum``/``avg``
    of a reference column; ``DatasetMatch``: the share of the batch's rows whose key is in the
    reference with equal values (NULL equals NULL) in the matched columns (a left semi join). A
    reference is a lake dataset's curated table. File rules: the list of the files they read
    (``quality/dqdl_files.py``), not a number.
    """
    wanted = {alias: request for c in checks for alias, request in c.externals.items()}
    if not wanted:
        return {}
    from pyspark.sql import functions as F

    out: dict[str, Any] = {}
    for alias, (kind, *args) in wanted.items():
        if kind == "files":  # the files a file rule reads, listed apart (dqdl_files)
            from lakehouse.quality.dqdl_files import file_facts

            out[alias] = file_facts(df, args, project=project, dataset=dataset)
            continue
        if kind == "custom_sql":
            df.createOrReplaceTempView("primary")
            first = df.sparkSession.sql(args[0]).first()
            out[alias] = None if first is None or first[0] is None else float(first[0])
            continue
        ref = _reference(spark or df.sparkSession, project, args[0], dataset)
        if kind == "row_count_match":
            count = ref.count()
            out[alias] = total / count if count else None
        elif kind == "schema_match":
            theirs = dict(ref.dtypes)
            same = sum(1 for name, kind_ in df.dtypes if theirs.get(name) == kind_)
            out[alias] = same / len(df.dtypes) if df.dtypes else None
        elif kind == "aggregate":
            fn, col = args[1], args[2]
            value = ref.agg(getattr(F, fn)(F.col(col).cast("double"))).first()[0]
            out[alias] = None if value is None else float(value)
        elif kind == "dataset_match":
            out[alias] = _dataset_match(df, ref, args[1], args[2], total)
        elif kind == "referential_integrity":
            mine, theirs_cols = args[1].split(","), args[2].split(",")
            keys = ref.select(*[ref[c].alias(f"__k{i}") for i, c in enumerate(theirs_cols)]).distinct()
            cond = [df[m] == keys[f"__k{i}"] for i, m in enumerate(mine)]
            found = df.join(keys, cond, "left_semi").count()
            out[alias] = found / total if total else None
    return out


def _dataset_match(df: DataFrame, ref: DataFrame, keys: str, matched: str,
                   total: int) -> float | None:
    """Rows of ``df`` joined on ``keys`` whose ``matched`` columns equal the reference's / ``total``
    (mappings ``mine->theirs,...``)."""
    from functools import reduce

    def pairs(text: str) -> list[tuple[str, str]]:
        return [tuple(p.split("->", 1)) for p in text.split(",") if p]  # type: ignore[misc]

    key_pairs, match_pairs = pairs(keys), pairs(matched)
    theirs = ref.select(*[ref[t].alias(f"__k{i}") for i, (_, t) in enumerate(key_pairs)],
                        *[ref[t].alias(f"__m{i}") for i, (_, t) in enumerate(match_pairs)])
    cond = [df[m] == theirs[f"__k{i}"] for i, (m, _) in enumerate(key_pairs)]
    cond += [df[m].eqNullSafe(theirs[f"__m{i}"]) for i, (m, _) in enumerate(match_pairs)]
    found = df.join(theirs, reduce(lambda a, b: a & b, cond), "left_semi").count()
    return found / total if total else None


def _reference(spark: SparkSession, project: Project | None, name: str, dataset: str) -> DataFrame:
    from lakehouse.quality.store import read_curated

    found = read_curated(spark, project, name) if project is not None else None
    if found is None:
        raise ConfigError(f"{dataset}.dqdl", [f"reference {name!r}: the lake dataset has no curated"
                                               " table yet (or no project was given)"],
                          hint=f"curate {name!r} before {dataset!r}")
    return found


def results(checks: Sequence[DqdlCheck], row: Mapping[str, Any], *, total: int,
            history: History) -> list[RuleResult]:
    """One result per check: PASS/FAIL with Glue's metrics and message.

    Row-level checks count their failing rows (quarantined); a check that ``blocks``
    (severity ``fail``: a dataset-level rule, a threshold or a metric condition) blocks the
    gate when it fails.
    """
    out = []
    for check in checks:
        ok, metrics, message = check.verdict(row, history.get(check.name, {}))
        failing = int(row.get(f"__lh_fail:{check.name}") or 0) if check.level == "row" \
            else (0 if ok else 1)
        out.append(RuleResult(
            name=check.name, rule="dqdl", severity=check.severity, level=check.level,
            total=total, failing=failing, status="passed" if ok else "failed",
            blocking=check.severity == "fail" and not ok,
            description=f"{check.name}: {check.text}" + (f" ({message})" if message else ""),
            observed={"current": metrics, "dqdl": check.text, "labels": check.labels,
                      "message": message}))
    return out
