"""Assign rows to train / validation / test (and k-fold folds), deterministically.

No ``rand()``: every assignment comes from ``xxhash64(seed, key)`` (Spark's built-in, stable
across runs and clusters) or from an ordering with a total tie-break, so the same seed and the
same input rows give the same splits. Adds ``_split`` (null when a row cannot be placed, e.g. a
null time in an out-of-time split; the checks then fail) and, for ``kfold``, ``_fold``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakehouse.config.ml_spec import SPLITS, MLSpec

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

SPLIT, FOLD = "_split", "_fold"
_BUCKETS = 1 << 30


def unit_hash(seed: int, column: str) -> Column:
    """A stable number in [0, 1) from (seed, value)."""
    from pyspark.sql import functions as F

    h = F.xxhash64(F.lit(seed), F.col(column).cast("string"))
    return F.pmod(h, F.lit(_BUCKETS)) / F.lit(float(_BUCKETS))


def expected_splits(spec: MLSpec) -> list[str]:
    """The splits that should hold rows (fraction > 0)."""
    fractions = spec.split.fractions.as_dict()
    return [s for s in SPLITS if fractions[s] > 0]


def _by_cut(u: Column, spec: MLSpec) -> Column:
    from pyspark.sql import functions as F

    f = spec.split.fractions
    return (F.when(u < F.lit(f.train), "train")
            .when(u < F.lit(f.train + f.validation), "validation").otherwise("test"))


def assign(df: DataFrame, spec: MLSpec) -> tuple[DataFrame, dict[str, Any]]:
    """``df`` with ``_split`` (and ``_fold``), plus what the assignment decided (boundaries)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    method, seed = spec.split.method, spec.split.seed
    key = spec.group if spec.group and method in ("random", "group", "kfold") else spec.id
    info: dict[str, Any] = {"method": method, "seed": seed, "key": key}
    if method in ("random", "group", "kfold"):
        out = df.withColumn(SPLIT, _by_cut(unit_hash(seed, key), spec))
        if method == "kfold":
            fold = F.floor(unit_hash(seed + 1, key) * F.lit(spec.split.folds)).cast("int")
            out = out.withColumn(FOLD, F.when(F.col(SPLIT) != "test", fold))
            info["folds"] = spec.split.folds
        return out, info
    if method == "stratified":
        label = spec.label.name
        order = Window.partitionBy(label).orderBy(unit_hash(seed, spec.id), F.col(spec.id))
        rank = (F.row_number().over(order) - 1) / F.count(F.lit(1)).over(Window.partitionBy(label))
        return df.withColumn(SPLIT, _by_cut(rank, spec)), info
    return _out_of_time(df, spec, info)


def _out_of_time(df: DataFrame, spec: MLSpec, info: dict[str, Any]) -> tuple[DataFrame, dict]:
    """Cut the time axis: train < validation_from <= validation < test_from <= test."""
    from pyspark.sql import functions as F

    time = F.col(spec.time)  # type: ignore[arg-type]
    dtype = dict(df.dtypes)[spec.time]
    if spec.split.validation_from or spec.split.test_from:
        lo = F.lit(spec.split.validation_from or spec.split.test_from).cast(dtype)
        hi = F.lit(spec.split.test_from).cast(dtype) if spec.split.test_from else None
        bounds = [spec.split.validation_from or spec.split.test_from, spec.split.test_from]
    else:
        f = spec.split.fractions
        seconds = time.cast("timestamp").cast("double") if dtype in ("timestamp", "date") \
            else time.cast("double")
        # exact quantiles (relativeError 0): the boundaries depend only on the data
        q = df.select(seconds.alias("t")).where("t IS NOT NULL").approxQuantile(
            "t", [f.train, f.train + f.validation], 0.0)
        if len(q) < 2:
            return df.withColumn(SPLIT, F.lit(None).cast("string")), {**info, "boundaries": None}
        as_time = (lambda v: F.lit(v).cast("timestamp").cast(dtype)) \
            if dtype in ("timestamp", "date") else (lambda v: F.lit(v).cast(dtype))
        lo, hi = as_time(q[0]), as_time(q[1])
        bounds = [str(v) for v in df.sparkSession.range(1).select(lo.alias("a"), hi.alias("b")).first()]
    split = F.when(time.isNull(), F.lit(None).cast("string")).when(time < lo, "train")
    split = split.when(time < hi, "validation").otherwise("test") if hi is not None \
        else split.otherwise("validation")
    if spec.split.fractions.validation == 0 and hi is not None:
        split = F.when(time.isNull(), F.lit(None).cast("string")).when(time < hi, "train") \
            .otherwise("test")
    return df.withColumn(SPLIT, split), {**info, "boundaries": dict(zip(
        ("validation_from", "test_from"), bounds, strict=True))}
