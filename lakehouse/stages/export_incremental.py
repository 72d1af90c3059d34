"""Incremental exports: rewrite only the output partitions whose input partitions changed.

An export declaring ``incremental: by_partition`` states that its SQL is partition-local in
one input, the *driving* input: an output partition's rows depend only on the driving
input's rows of the same partition value (and on the other inputs). What the stage checks
before it relies on that (any "no" means a full recompute, with the reason in the run record):

- every ``partition_by`` column is a partition column of one and the same input, passed
  through unchanged (IDENTITY lineage in Spark's analyzed plan; else a ``ConfigError``, as the
  declaration is wrong), of a type whose partition value reads back exactly (date, string,
  integers, boolean);
- there is a previous version, with the same format and partitioning;
- every other input is at the version the previous version read;
- the driving input's commits since then are all still in its Delta log and change no
  schema or table settings.

The changed partitions are the ``partitionValues`` of those commits' added and removed files
(except ``dataChange=false`` ones: a compaction moves rows between files, it changes none).
The SQL then runs over the driving input's rows of those partitions only, into a new version
folder, and the previous version's other partition folders are linked into it (hard links
locally, server-side copies on S3: nothing is recomputed or read), so the new version equals
a full recompute. The previous version's files are never modified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

from lakehouse.config.models import ExportConfig
from lakehouse.errors import ConfigError, TableError
from lakehouse.storage import files
from lakehouse.storage.uri import child_uri, is_local, local_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from lakehouse.stages.context import StageContext

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
_EXACT_TYPES = ("date", "string", "tinyint", "smallint", "int", "bigint", "boolean")
Values = tuple[str | None, ...]   # one output partition: its values in partition_by order


@dataclass
class Decision:
    """Whether this export run rewrites everything or only ``changed`` partitions, and why."""

    mode: Literal["full", "incremental"]
    reason: str
    driving: str | None = None
    columns: dict[str, str] = field(default_factory=dict)   # output column -> input column
    changed: set[Values] = field(default_factory=set)


def decide(ctx: StageContext, spec: ExportConfig, *, previous: dict | None,
           versions: dict[str, int], inputs: dict[str, DataFrame],
           lineage: dict[str, list[list[str]]] | None) -> Decision:
    """The mode of this run (see the module docstring for the checks)."""
    if spec.ml is not None:
        return Decision("full", "an ML export fits its transforms and splits over all rows")
    if spec.incremental is None:
        return Decision("full", "the export does not declare incremental: by_partition")
    if lineage is None:
        return Decision("full", "the query's column lineage could not be read from its plan")
    driving, columns = derivation(ctx, spec, inputs, lineage)
    types = dict(inputs[driving].dtypes)
    odd = [c for c in columns.values() if types.get(c) not in _EXACT_TYPES]
    if odd:
        return Decision("full", f"partition column(s) {odd} of {driving} have a type whose "
                                f"partition value is not compared exactly ({_EXACT_TYPES})")
    if not previous:
        return Decision("full", "first version of the export")
    if previous.get("format", spec.format) != spec.format or \
            list(previous.get("partition_by") or []) != list(spec.partition_by):
        return Decision("full", "format or partition_by changed since the previous version")
    if not files.exists(child_uri(previous["location"], "_manifest.json")):
        return Decision("full", f"the previous version's folder {previous['location']} is gone")
    before = previous.get("input_versions") or {}
    moved = sorted(n for n in versions if n != driving and before.get(n) != versions[n])
    if moved:
        return Decision("full", f"input(s) {', '.join(moved)} changed; only the driving input "
                                f"{driving} may change for an incremental run")
    since = before.get(driving)
    if since is None or since > versions[driving]:
        return Decision("full", f"the previous version read no comparable {driving} version")
    try:
        changed = changed_partitions(ctx.project.table_uri("curated", driving), since,
                                     versions[driving], [columns[c] for c in spec.partition_by])
    except TableError as exc:
        return Decision("full", str(exc).split("\n")[0])
    if changed is None:
        return Decision("full", f"a commit of {driving} since version {since} changed its "
                                "schema or settings")
    return Decision("incremental", f"{len(changed)} partition(s) of {driving} changed "
                                   f"between versions {since} and {versions[driving]}",
                    driving=driving, columns=columns, changed=changed)


def derivation(ctx: StageContext, spec: ExportConfig, inputs: dict[str, DataFrame],
               lineage: dict[str, list[list[str]]]) -> tuple[str, dict[str, str]]:
    """(driving input, output partition column -> its input partition column), or a
    ``ConfigError`` saying why ``partition_by`` does not derive from one input's partitions."""
    found: dict[str, tuple[str, str]] = {}
    problems = []
    for column in spec.partition_by:
        sources = [tuple(s) for s in lineage.get(column, [])]
        if len(sources) != 1 or sources[0][2] != "IDENTITY" or sources[0][0] not in inputs:
            problems.append(f"partition_by column {column!r} is not an input column passed "
                            f"through unchanged (its lineage: {sources or 'unknown'})")
            continue
        view, source_column = sources[0][0], sources[0][1]
        partitions = ctx.table(ctx.project.table_uri("curated", view)).partition_columns()
        if source_column not in partitions:
            problems.append(f"partition_by column {column!r} comes from {view}.{source_column}, "
                            f"which is not a partition column of {view} ({partitions or 'none'})")
            continue
        found[column] = (view, source_column)
    drivers = sorted({v for v, _ in found.values()})
    if len(drivers) > 1:
        problems.append(f"partition_by columns come from several inputs ({drivers}); "
                        "they must all come from one")
    if problems:
        raise ConfigError(f"exports/{spec.name}.yaml", [f"incremental: by_partition: {p}"
                                                        for p in problems],
                          hint="select the partition column of one input as is (e.g. "
                               "f.flight_date), or remove 'incremental' to recompute in full")
    return drivers[0], {out: src for out, (_, src) in found.items()}


def changed_partitions(uri: str, since: int, until: int, columns: list[str]) -> set[Values] | None:
    """Partition values (of ``columns``) of the files added or removed by the commits after
    ``since`` up to ``until``; None when one of them changed the schema or settings. Raises
    ``TableError`` when a commit is no longer in the log."""
    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.log import read_commit

    table = TableFiles(uri)
    changed: set[Values] = set()
    for version in range(since + 1, until + 1):
        commit = read_commit(table, version)
        if commit.metadata:
            return None
        for action in (*commit.adds, *commit.removes):
            if action.get("dataChange") is False:  # compaction: the same rows, other files
                continue
            values = action.get("partitionValues") or {}
            changed.add(tuple(values.get(c) or None for c in columns))
    return changed


def restrict(df: DataFrame, decision: Decision, partition_by: list[str]) -> DataFrame:
    """The driving input's rows in the changed partitions only."""
    from functools import reduce

    from pyspark.sql import functions as F

    def equal(column: str, value: str | None):
        col = F.col(f"`{column}`")
        if value is None:  # Delta and Hive both write an empty string partition as null
            return col.isNull() | (col.cast("string") == F.lit(""))
        return col.cast("string") == F.lit(value)

    sources = [decision.columns[c] for c in partition_by]
    if not decision.changed:
        return df.where(F.lit(False))
    matches = [reduce(lambda a, b: a & b, [equal(c, v) for c, v in zip(sources, values,
                                                                         strict=True)])
               for values in sorted(decision.changed, key=repr)]
    return df.where(reduce(lambda a, b: a | b, matches))


def link_unchanged(previous_location: str, location: str, partition_by: list[str],
                   changed: set[Values]) -> tuple[list[str], list[str]]:
    """Link the previous version's files of partitions not in ``changed`` into
    ``location``; returns the relative paths of the files linked and of those left out
    (the changed partitions' previous files)."""
    from concurrent.futures import ThreadPoolExecutor

    keep, replaced = [], []
    for rel in _data_files(previous_location):
        values = _partition_of(rel, partition_by)
        if values is None:
            continue
        (replaced if values in changed else keep).append(rel)
    # one request per file on S3 (server-side copies): several at once
    with ThreadPoolExecutor(max_workers=1 if is_local(location) else 16) as pool:
        list(pool.map(lambda rel: files.link_or_copy(child_uri(previous_location, rel),
                                                     child_uri(location, rel)), keep))
    return keep, replaced


def _data_files(location: str) -> list[str]:
    """Relative paths (decoded) of the data files under a version folder."""
    base = local_path(location).as_uri() if is_local(location) else location
    return [files.relative_to(info.uri, base) for info in files.list_files(location)]


def _partition_of(rel: str, partition_by: list[str]) -> Values | None:
    """The partition values of a file at ``rel`` (``col=value/.../part-*``), None when its
    folders are not exactly ``partition_by``."""
    parts = [p.split("=", 1) for p in rel.split("/")[:-1]]
    if [p[0] for p in parts] != partition_by or any(len(p) != 2 for p in parts):
        return None
    return tuple(None if p[1] == HIVE_NULL else unquote(p[1]) for p in parts)
