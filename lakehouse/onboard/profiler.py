"""Profile a sample of landing files with Spark: types, nulls, distinct values, bounds, keys.

The files are read exactly as the ingest stage reads them (``read_landing``: same options,
same safe names) and every candidate type is tried with the cast the curate stage applies
(``cast_column``), so a contract drafted from this profile curates the sample without a
single ``type_castable`` quarantine.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lakehouse.config.models import ColumnSpec, DatasetConfig
from lakehouse.onboard.profile import ColumnProfile, DataProfile
from lakehouse.onboard.suggest import MAX_SET_VALUES, rank_keys
from lakehouse.sources.conform import cast_column
from lakehouse.sources.landing import LandingFile
from lakehouse.sources.malformed import CORRUPT_COLUMN
from lakehouse.sources.naming import safe_column_names
from lakehouse.sources.readers import METADATA_COLUMNS, read_landing

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

NULL_MARKERS = ("NA", "N/A", "null", "NULL", "None", "n/a", "-")
CANDIDATES = ("int", "bigint", "double", "boolean", "timestamp", "date")
MAX_KEY_COLUMNS = 12


def profile_landing(spark: SparkSession, fmt: str, options: dict[str, Any], batch: list[LandingFile],
                    *, sample_rows: int = 10_000) -> DataProfile:
    """Profile up to ``sample_rows`` rows of ``batch`` (files of one format)."""
    options = dict(options)
    marker = None
    sample = _sample(spark, fmt, options, batch, sample_rows)
    if fmt == "csv":
        marker = _null_marker(sample)
        if marker:
            options["nullValue"] = marker
            sample.unpersist()
            sample = _sample(spark, fmt, options, batch, sample_rows)
    try:
        originals = _original_names(spark, fmt, options, batch, sample.columns)
        columns, rows = _columns(sample, originals)
        profile = DataProfile(format=fmt, options=options, rows=rows,
                              files=[f.rel_path for f in batch], columns=columns, null_marker=marker)
        profile.unique_keys = rank_keys(_unique_sets(sample, profile), profile)
    finally:
        sample.unpersist()
    return profile


def _dataset(fmt: str, options: dict[str, Any]) -> DatasetConfig:
    return DatasetConfig.model_validate({
        "name": "profile", "source": {"format": fmt, "path": "profile", "options": options},
        "schema": [{"name": "x", "type": "string"}], "primary_key": ["x"]})


def _sample(spark: SparkSession, fmt: str, options: dict[str, Any], batch: list[LandingFile],
            rows: int) -> DataFrame:
    df = read_landing(spark, _dataset(fmt, options), batch, run_id="profile")
    # malformed lines are ingest's quarantine, not evidence for the contract
    df = df.where(df[CORRUPT_COLUMN].isNull()).drop(CORRUPT_COLUMN)
    return df.drop(*METADATA_COLUMNS).limit(rows).cache()


def _original_names(spark: SparkSession, fmt: str, options: dict[str, Any], batch: list[LandingFile],
                    safe: list[str]) -> dict[str, str]:
    """Safe name -> name as delivered (the first file's header for CSV)."""
    from lakehouse.sources.readers import _csv_header, _str_options, encoding_in
    from lakehouse.storage.uri import spark_path

    if fmt == "csv":
        names = _csv_header(batch[0], str(options.get("sep", options.get("delimiter", ","))),
                            encoding_in(options))
    else:
        reader = spark.read.options(**_str_options(options))
        paths = [spark_path(f.uri) for f in batch]
        names = (reader.json(paths) if fmt == "json" else reader.parquet(*paths)).columns
    mapping = dict(zip(safe_column_names(names), names, strict=True))
    return {s: mapping.get(s, s) for s in safe}


def _null_marker(sample: DataFrame) -> str | None:
    """The most frequent conventional null marker in the sample, if any."""
    from pyspark.sql import functions as F

    aggs = [F.sum(F.when(F.trim(F.col(f"`{c}`")) == m, 1).otherwise(0)).alias(f"m{i}_{j}")
            for i, c in enumerate(sample.columns) for j, m in enumerate(NULL_MARKERS)]
    if not aggs:
        return None
    row = sample.agg(*aggs).first().asDict()
    totals = {m: sum(int(row[f"m{i}_{j}"] or 0) for i in range(len(sample.columns)))
              for j, m in enumerate(NULL_MARKERS)}
    best = max(totals, key=lambda m: totals[m])
    return best if totals[best] else None


def _columns(sample: DataFrame, originals: dict[str, str]) -> tuple[list[ColumnProfile], int]:
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    fields = {f.name: f.dataType for f in sample.schema.fields}
    aggs = [F.count(F.lit(1)).alias("__rows")]
    for i, name in enumerate(sample.columns):
        raw = F.col(f"`{name}`")
        text = raw.cast("string")
        present = raw.isNotNull() & (F.trim(text) != F.lit(""))
        aggs += [F.sum((~present).cast("int")).alias(f"n{i}"),
                 F.countDistinct(F.when(present, text)).alias(f"d{i}"),
                 F.min(F.length(F.when(present, text))).alias(f"lmin{i}"),
                 F.max(F.length(F.when(present, text))).alias(f"lmax{i}"),
                 F.sum((present & ~text.rlike(r"^[A-Z0-9]+$")).cast("int")).alias(f"code{i}")]
        if isinstance(fields[name], StringType):
            for t in CANDIDATES:
                value = cast_column(ColumnSpec(name="x", type=t, source=name))
                aggs.append(F.sum((present & value.isNull()).cast("int")).alias(f"f{i}_{t}"))
    stats = sample.agg(*aggs).first().asDict()
    rows = int(stats["__rows"])
    profiles = []
    for i, name in enumerate(sample.columns):
        col = ColumnProfile(source=originals.get(name, name), name=name, type="string",
                            nulls=int(stats[f"n{i}"] or 0), distinct=int(stats[f"d{i}"] or 0),
                            min_length=stats[f"lmin{i}"], max_length=stats[f"lmax{i}"])
        col.type = _infer_type(fields[name], stats, i, col)
        if col.type == "string" and col.distinct > MAX_SET_VALUES and not stats[f"code{i}"] and (
                col.max_length or 99) <= 10 and col.distinct:
            lo, hi = col.min_length, col.max_length
            col.code_pattern = f"^[A-Z0-9]{{{lo}}}$" if lo == hi else f"^[A-Z0-9]{{{lo},{hi}}}$"
        profiles.append(col)
    _bounds_and_values(sample, profiles)
    return profiles, rows


def _infer_type(dtype: Any, stats: dict[str, Any], i: int, col: ColumnProfile) -> str:
    from pyspark.sql.types import (
        BooleanType,
        DateType,
        DecimalType,
        DoubleType,
        FloatType,
        IntegralType,
        StringType,
        TimestampNTZType,
        TimestampType,
    )

    if not isinstance(dtype, StringType):
        if isinstance(dtype, IntegralType):
            return "bigint" if dtype.simpleString() == "bigint" else "int"
        simple = {BooleanType: "boolean", DoubleType: "double", FloatType: "float",
                  DateType: "date", TimestampType: "timestamp", TimestampNTZType: "timestamp"}
        for kind, name in simple.items():
            if isinstance(dtype, kind):
                return name
        if isinstance(dtype, DecimalType):
            return dtype.simpleString()
        return "string"  # nested values stay as their string form
    if col.distinct == 0:
        return "string"
    for t in CANDIDATES:
        if stats[f"f{i}_{t}"] == 0:
            if t == "date" and (col.max_length or 0) > 10:
                continue
            if t == "timestamp" and (col.max_length or 0) <= 10:
                continue  # plain dates: prefer the date type
            if t == "boolean" and not _looks_boolean(col):
                continue
            return t
    return "string"


def _looks_boolean(col: ColumnProfile) -> bool:
    return (col.max_length or 0) >= 4  # true/false, not y/n/1/0 codes


def _bounds_and_values(sample: DataFrame, profiles: list[ColumnProfile]) -> None:
    """Min/max of typed values and the value set of low-cardinality columns (one aggregation)."""
    from pyspark.sql import functions as F

    aggs = []
    for i, col in enumerate(profiles):
        typed = cast_column(ColumnSpec(name="x", type=col.type, source=col.name))
        if col.type in ("tinyint", "smallint", "int", "bigint", "float", "double", "date",
                        "timestamp") or col.type.startswith("decimal"):
            aggs += [F.min(typed).alias(f"min{i}"), F.max(typed).alias(f"max{i}")]
        if 0 < col.distinct <= MAX_SET_VALUES and col.type in ("string", "int", "bigint"):
            aggs.append(F.collect_set(typed).alias(f"set{i}"))
    if not aggs:
        return
    row = sample.agg(*aggs).first().asDict()
    for i, col in enumerate(profiles):
        if f"min{i}" in row:
            col.minimum, col.maximum = _plain(row[f"min{i}"]), _plain(row[f"max{i}"])
        if f"set{i}" in row:
            col.values = sorted((_plain(v) for v in row[f"set{i}"]), key=str)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _unique_sets(sample: DataFrame, profile: DataProfile) -> list[list[str]]:
    """Single columns, then pairs, unique and never null on the sample."""
    from pyspark.sql import functions as F

    rows = profile.rows
    if rows < 2:
        return []
    eligible = [c for c in profile.columns if c.nulls == 0 and c.distinct > 1
                and c.type not in ("double", "float", "boolean")]
    singles = [[c.name] for c in eligible if c.distinct == rows]
    if singles:
        return singles
    pool = [c.name for c in eligible][:MAX_KEY_COLUMNS]
    pairs = list(itertools.combinations(pool, 2))
    if not pairs:
        return []
    row = sample.agg(*[F.countDistinct(F.col(f"`{a}`"), F.col(f"`{b}`")).alias(f"p{k}")
                       for k, (a, b) in enumerate(pairs)]).first().asDict()
    return [[a, b] for k, (a, b) in enumerate(pairs) if row[f"p{k}"] == rows]

