"""Preparation before the split: label, dedup by id, flattening, per-entity time features.

Pure ``DataFrame -> DataFrame`` functions (usable with ``df.transform``). Nothing here looks at
other rows' future: time features use windows over the *previous* rows of the same entity.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lakehouse.config.ml_spec import FlattenSpec, MLSpec, TimeFeaturesSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

_WORD = re.compile(r"`([^`]+)`|\b([A-Za-z_][A-Za-z0-9_]*)\b")
NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "boolean")


def label_sources(spec: MLSpec, columns: list[str]) -> list[str]:
    """Columns the label expression reads (identifiers of ``expr`` that are columns)."""
    if not spec.label.expr:
        return []
    words = {a or b for a, b in _WORD.findall(spec.label.expr)}
    return sorted(c for c in columns if c in words and c != spec.label.name)


def add_label(df: DataFrame, spec: MLSpec) -> DataFrame:
    """Compute ``label.expr`` into ``label.name``; the value is not converted (a classification
    label is indexed by :func:`lakehouse.ml.transforms.apply`, a regression one cast to double
    once its type is checked), so a null label is a null in the data, not a failed cast."""
    from pyspark.sql import functions as F

    if not spec.label.expr:
        return df
    return df.withColumn(spec.label.name, F.expr(spec.label.expr))


def dedup(df: DataFrame, spec: MLSpec) -> DataFrame:
    """One row per id: the first by ``transforms.dedup.order_by``, ties broken by row content."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = [F.expr(o) for o in (spec.transforms.dedup.order_by if spec.transforms.dedup else [])]
    tiebreak = F.xxhash64(*[F.col(f"`{c}`") for c in df.columns])
    window = Window.partitionBy(spec.id).orderBy(*order, tiebreak)
    return (df.withColumn("__lh_rn", F.row_number().over(window))
            .where("__lh_rn = 1").drop("__lh_rn"))


def flatten(df: DataFrame, spec: FlattenSpec) -> DataFrame:
    """Parse JSON string columns, then flatten structs (``a__b``) and arrays (``a__0``, ...,
    ``a__size``) until no nested column is left."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType, StructType

    for column, ddl in spec.json_columns.items():
        df = df.withColumn(column, F.from_json(F.col(column), ddl))
    while True:
        nested = [f for f in df.schema.fields
                  if isinstance(f.dataType, StructType | ArrayType | MapType)]
        if not nested:
            return df
        cols: list[Column] = []
        for field in df.schema.fields:
            name, dtype = field.name, field.dataType
            ref = F.col(f"`{name}`")
            if isinstance(dtype, StructType):
                cols += [ref[sub.name].alias(f"{name}__{sub.name}") for sub in dtype.fields]
            elif isinstance(dtype, ArrayType):
                # F.get: NULL past the end (getItem raises under ANSI mode, Spark 4's default)
                cols += [F.get(ref, i).alias(f"{name}__{i}") for i in range(spec.max_array_items)]
                cols.append(F.size(ref).cast("int").alias(f"{name}__size"))
            elif isinstance(dtype, MapType):
                cols.append(F.size(ref).cast("int").alias(f"{name}__size"))
            else:
                cols.append(ref)
        df = df.select(*cols)


def time_features(df: DataFrame, spec: TimeFeaturesSpec, *, time: str, id_col: str) -> DataFrame:
    """Lags and rolling means over previous rows per entity, and calendar parts of ``time``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    parts = [spec.entity] if spec.entity else []
    window = Window.partitionBy(*parts).orderBy(F.col(time), F.col(id_col))
    for col, steps in spec.lags.items():
        for n in steps:
            df = df.withColumn(f"{col}__lag{n}", F.lag(col, n).over(window))
    for col, sizes in spec.rolling_mean.items():
        for n in sizes:
            df = df.withColumn(f"{col}__mean{n}", F.avg(col).over(window.rowsBetween(-n, -1)))
    calendar = {"hour": F.hour, "dayofweek": F.dayofweek, "day": F.dayofmonth, "month": F.month,
                "year": F.year, "weekofyear": F.weekofyear}
    for part in spec.calendar:
        df = df.withColumn(f"{time}__{part}", calendar[part](F.col(time)))
    return df


def generated_columns(spec: MLSpec) -> list[str]:
    """Names of the time-feature columns (they are features even with ``features.include``)."""
    tf = spec.transforms.time_features
    if not tf or not spec.time:
        return []
    return ([f"{c}__lag{n}" for c, steps in tf.lags.items() for n in steps]
            + [f"{c}__mean{n}" for c, sizes in tf.rolling_mean.items() for n in sizes]
            + [f"{spec.time}__{p}" for p in tf.calendar])


def select_features(columns: list[str], spec: MLSpec) -> list[str]:
    """Feature columns after flattening: ``include`` (a flattened parent brings its children),
    or every column but ``exclude`` and the label / id / group / time columns."""
    generated = generated_columns(spec)
    if spec.features.include is not None:
        out: list[str] = []
        for name in spec.features.include:
            matches = [c for c in columns if c == name or c.startswith(f"{name}__")]
            if not matches:
                raise KeyError(name)
            out += [m for m in matches if m not in out]
        return out + [g for g in generated if g not in out]
    dropped = set(spec.features.exclude) | set(spec.reserved)
    return [c for c in columns if c in generated or (
        c not in dropped and c.split("__")[0] not in dropped and not c.startswith("_"))]
