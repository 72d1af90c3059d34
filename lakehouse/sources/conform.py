"""Pure transformations from raw (strings as received) to the declared, typed schema.

Usable with ``df.transform``. No I/O here.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from lakehouse.config.models import ColumnSpec, DatasetConfig
from lakehouse.errors import SchemaError
from lakehouse.sources.malformed import CORRUPT_COLUMN
from lakehouse.sources.readers import METADATA_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

RAW_STRUCT = "_raw"
CONFORM_ERRORS = "_conform_errors"
CONFORM_FAILED = "_conform_failed"
_MISSING = "_conform_missing_"   # per-column flags between conform's two projections


def conform(df: DataFrame, dataset: DatasetConfig) -> DataFrame:
    """Cast raw columns to the declared schema and derive computed columns.

    String values listed in ``null_values`` (the column's, else the source's) are null
    before casting, so ``NA`` in a numeric column is a null, not a cast failure.

    Returns the typed columns, the ingestion metadata, ``_raw`` (a struct of the row as
    received, kept for the quarantine) and ``_conform_errors`` (array of failed built-in
    rules: ``type_castable:<col>`` for a value that does not cast, ``not_null:<col>`` for a
    missing value in a non-nullable column). Raises :class:`SchemaError` when a declared
    source column is absent.
    """
    flagged = conform_flagged(df, dataset)
    return with_errors(flagged, dataset).drop(CONFORM_FAILED)


def conform_flagged(df: DataFrame, dataset: DatasetConfig) -> DataFrame:
    """:func:`conform` with one boolean ``_conform_failed`` instead of the list of failed rules.

    The form curate caches: a flag per row, where the array costs an allocation per row and a
    cached array column. :func:`with_errors` lists the failed rules afterwards, for the failing
    rows only (usually none).

    Two projections: the first casts each column once and works out whether its source value
    is missing; the second derives the flag from those columns. In one projection the flag
    repeated every cast (Spark's optimizer rewrites ``isnull(CASE ... NULL ...)`` into the
    branches, so subexpression elimination no longer finds the shared cast): 2.4 s against
    1.1 s per pass over cached x1 flights (19 columns, 10 of them integers).
    """
    from pyspark.sql import functions as F

    source_cols = [c for c in df.columns if c not in METADATA_COLUMNS and c != RAW_STRUCT
                   and c != CORRUPT_COLUMN]
    dataset = resolve_sources(dataset, source_cols)
    _require_sources(dataset, source_cols)
    kinds = dict(df.dtypes)
    typed, missing, checks = [], [], []
    for i, spec in enumerate(dataset.columns):
        if spec.expr:
            continue
        typed.append(_typed(dataset, spec, kinds, "").alias(spec.name))
        flag_name = f"{_MISSING}{i}"
        missing.append(F.expr(_missing_sql(dataset, spec, kinds, "")).alias(flag_name))
        checks += _cast_checks(dataset, spec, F.col(flag_name), F.col(f"`{spec.name}`"))
    meta = [F.col(c) for c in METADATA_COLUMNS if c in df.columns]
    raw_struct = F.struct(*[F.col(f"`{c}`") for c in source_cols]).alias(RAW_STRUCT)
    out = df.select(*typed, *meta, raw_struct, *missing)
    kept = [F.col(f"`{c}`") for c in out.columns if not c.startswith(_MISSING)]
    out = out.select(*kept, _any([condition for _, condition in checks]).alias(CONFORM_FAILED))
    for spec in dataset.columns:
        if spec.expr:
            out = out.withColumn(spec.name, F.expr(f"try_cast(({spec.expr}) AS {spec.type})"))
    for _, condition in _derived_checks(dataset):
        out = out.withColumn(CONFORM_FAILED, F.col(CONFORM_FAILED) | condition)
    order = [s.name for s in dataset.columns] + [c.name for c in meta_fields(out)]
    return out.select(*order, RAW_STRUCT, CONFORM_FAILED)


def with_errors(flagged: DataFrame, dataset: DatasetConfig) -> DataFrame:
    """Add ``_conform_errors`` (the failed built-in rules, in declaration order) to rows of
    :func:`conform_flagged`, worked out again from ``_raw`` and the typed values."""
    from pyspark.sql import functions as F

    fields = flagged.schema[RAW_STRUCT].dataType.fields
    kinds = {f.name: f.dataType.simpleString() for f in fields}
    dataset = resolve_sources(dataset, list(kinds))
    parts = []
    for spec in dataset.columns:
        if spec.expr:
            continue
        missing = F.expr(_missing_sql(dataset, spec, kinds, f"`{RAW_STRUCT}`."))
        value = F.col(f"`{spec.name}`")
        parts += [_error_if(condition, name)
                  for name, condition in _cast_checks(dataset, spec, missing, value)]
    parts += [_error_if(condition, name) for name, condition in _derived_checks(dataset)]
    return flagged.withColumn(CONFORM_ERRORS, _concat_errors(parts))


def _source_sql(spec: ColumnSpec, prefix: str) -> str:
    return f"{prefix}`{spec.source or spec.name}`"


def _nulled_sql(dataset: DatasetConfig, spec: ColumnSpec, kinds: dict[str, str],
                prefix: str) -> str:
    """SQL: the source value of ``spec`` is null or one of its null markers (read as null)."""
    src, markers = _source_sql(spec, prefix), dataset.null_values_of(spec)
    if kinds.get(spec.source or spec.name) == "string" and markers:
        listed = ", ".join(_sql_string(m) for m in markers)
        return f"({src} IS NULL OR trim({src}) IN ({listed}))"
    return f"({src} IS NULL)"


def _missing_sql(dataset: DatasetConfig, spec: ColumnSpec, kinds: dict[str, str],
                 prefix: str) -> str:
    """SQL: ``spec`` has no value: null, a null marker, or blank. Never null."""
    nulled = _nulled_sql(dataset, spec, kinds, prefix)
    string = kinds.get(spec.source or spec.name) == "string"
    if string and "" in dataset.null_values_of(spec):
        return nulled  # trim(x) IN ('', ...) covers blanks
    src = _source_sql(spec, prefix)
    return f"({nulled} OR trim({src if string else f'CAST({src} AS string)'}) = '')"


def _typed(dataset: DatasetConfig, spec: ColumnSpec, kinds: dict[str, str], prefix: str) -> Column:
    """The typed value of a cast column: null for a null marker, else the cast source."""
    from pyspark.sql import functions as F

    nulled = F.expr(_nulled_sql(dataset, spec, kinds, prefix))
    return F.when(nulled, F.lit(None)).otherwise(cast_column(spec, _source_sql(spec, prefix)))


def _cast_checks(dataset: DatasetConfig, spec: ColumnSpec, missing: Column,
                 value: Column) -> list[tuple[str, Column]]:
    """(rule name, "the row fails it") of a cast column: a present value that does not cast;
    a missing value where one is required. Never null (``missing`` never is)."""
    checks = [(f"type_castable:{spec.name}", ~missing & value.isNull())]
    if required(dataset, spec):
        checks.append((f"not_null:{spec.name}", missing))
    return checks


def _any(conditions: list[Column]) -> Column:
    from pyspark.sql import functions as F

    out = F.lit(False)
    for condition in conditions:
        out = out | condition
    return out


def _derived_checks(dataset: DatasetConfig) -> list[tuple[str, Column]]:
    """(rule name, "the row fails it") of the derived columns: a non-nullable one is null."""
    from pyspark.sql import functions as F

    return [(f"not_null:{spec.name}", F.col(f"`{spec.name}`").isNull())
            for spec in dataset.columns if spec.expr and not spec.nullable]


def _error_if(condition: Column, name: str) -> Column:
    """``[name]`` where ``condition`` holds, else ``[]``."""
    from pyspark.sql import functions as F

    return F.when(condition, F.array(F.lit(name))).otherwise(F.array().cast("array<string>"))


def _concat_errors(parts: list[Column]) -> Column:
    """The failed rules in order, no nulls: one ``concat`` of arrays, code-generated (a lambda
    filter is not)."""
    from pyspark.sql import functions as F

    return F.concat(*parts) if parts else F.array().cast("array<string>")


def conform_rule_names(dataset: DatasetConfig) -> list[str]:
    """Every built-in rule name :func:`conform` can report for ``dataset``."""
    names = [f"type_castable:{c.name}" for c in dataset.columns if not c.expr]
    return names + [f"not_null:{c.name}" for c in dataset.columns if required(dataset, c)]


def required(dataset: DatasetConfig, spec: ColumnSpec) -> bool:
    """A value must be present: declared ``nullable: false``, or part of the primary key (a row
    without its key cannot be merged, so it is quarantined rather than failing the merge)."""
    return not spec.nullable or spec.name in dataset.primary_key


def guards_keys(dataset: DatasetConfig) -> bool:
    """Whether conform marks every row with a null primary key (``not_null:<key>``), so rows
    that pass hold no null key: true unless a key is derived and nullable, or undeclared."""
    declared = {c.name: c for c in dataset.columns}
    specs = [declared.get(k) for k in dataset.primary_key]
    return all(spec is not None and (not spec.expr or not spec.nullable) for spec in specs)


def meta_fields(df: DataFrame) -> list:
    return [f for f in df.schema.fields if f.name in METADATA_COLUMNS]


def resolve_sources(dataset: DatasetConfig, present: list[str]) -> DatasetConfig:
    """Map ``source:`` names given as delivered (``Culmen Length (mm)``) to the safe names raw
    stores them under (``culmen_length_mm``); names already present are kept."""
    from lakehouse.sources.naming import safe_column_names

    changed = []
    for spec in dataset.columns:
        if spec.source and spec.source not in present:
            safe = safe_column_names([spec.source])[0]
            if safe in present:
                spec = spec.model_copy(update={"source": safe})
        changed.append(spec)
    return dataset.model_copy(update={"columns": changed})


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def cast_column(spec: ColumnSpec, source_sql: str | None = None) -> Column:
    """The typed value of a raw column as curate casts it (null when it does not cast).

    ``source_sql`` is a SQL expression of the source value (default: the raw column itself).
    """
    name = source_sql or f"`{spec.source or spec.name}`"
    from pyspark.sql import functions as F

    if spec.format and spec.type in ("timestamp", "timestamp_ntz"):
        return F.expr(f"try_to_timestamp({name}, '{spec.format}')")
    if spec.format and spec.type == "date":
        return F.expr(f"to_date(try_to_timestamp({name}, '{spec.format}'))")
    if spec.type in ("int", "bigint", "smallint", "tinyint"):
        # "517.0" (an integer written as a float) is accepted; "5.5" and "1.0000001" are
        # not. The plain integer parse first: only strings that are not plain integers need
        # the decimal parse (0.8 s of a 2.4 s pass over cached x1 flights, 10 int columns)
        dec = f"try_cast({name} AS decimal(38,18))"
        return F.expr(f"coalesce(try_cast({name} AS {spec.type}), "
                      f"CASE WHEN {dec} = floor({dec}) THEN try_cast({dec} AS {spec.type}) END)")
    if spec.type in ("float", "double"):
        # "1e400" parses as Infinity: an overflow, unless the source says infinity itself
        value = f"try_cast({name} AS {spec.type})"
        spelled = f"lower(trim({name})) IN ('inf', '+inf', '-inf', 'infinity', '+infinity', " \
                  "'-infinity')"
        return F.expr(f"CASE WHEN abs({value}) = double('Infinity') AND NOT {spelled} THEN NULL "
                      f"ELSE {value} END")
    return F.expr(f"try_cast({name} AS {spec.type})")


def _require_sources(dataset: DatasetConfig, present: list[str]) -> None:
    wanted = [c.source or c.name for c in dataset.columns if not c.expr]
    missing = [c for c in wanted if c not in present]
    if not missing:
        return
    lines = []
    for col in missing:
        close = difflib.get_close_matches(col, present, n=1)
        lines.append(f"{col!r}" + (f" (found {close[0]!r}: a rename?)" if close else ""))
    raise SchemaError(
        f"raw data of {dataset.name!r} lacks declared source columns: {', '.join(lines)}",
        hint=f"columns present: {', '.join(present)}; fix the producer's files or map the "
             f"column with `source:` in conf/datasets/{dataset.name}.yaml",
        dataset=dataset.name,
    )
