"""Transforms fitted on the train split only, applied to every split from JSON parameters.

:func:`fit` learns each step's parameters with Spark ML where it has the estimator
(``Imputer`` for mean/median/mode, ``StandardScaler`` / ``MinMaxScaler`` / ``RobustScaler``,
``StringIndexer`` with ``handleInvalid='keep'``) on the train rows, with the earlier steps
already applied. The result is a JSON-ready dict (written as ``_transforms.json``).
:func:`apply` rebuilds every step from that dict alone - ``StringIndexerModel.from_labels`` and
``OneHotEncoder`` for categories, column expressions with Spark's formulas for the rest - so
the same file serves inference and the splits never see each other's statistics.

Exact statistics: quantile-based fits use ``relativeError=0`` (the median is the lower middle
element, as Spark's ``Imputer`` defines it).

A classification label's classes (``label`` in the parameters, fitted on the whole export by
:mod:`lakehouse.ml.classes`) are applied by :func:`index_label`: each value becomes its class
index, a value that is not a class fails the Spark job with its name, and rows without the
label column (inference) are left as they are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lakehouse.config.ml_spec import TransformsSpec
from lakehouse.ml.classes import class_name

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

PARAMS_VERSION = 2  # 2: the classification label's classes (``label``)
UNKNOWN = "unknown"


def fit(train: DataFrame, spec: TransformsSpec, *, features: list[str]) -> dict[str, Any]:
    """Learn every fitted step on ``train``; returns the parameters (see module docstring)."""
    steps: list[dict[str, Any]] = []
    current = train
    for stage in (_fit_clip, _fit_log, _fit_impute, _fit_scale, _fit_encode):
        new = stage(current, spec, features)
        if new:
            steps += new
            current = _apply_steps(current, new)
    outputs = output_columns(features, steps)
    return {"version": PARAMS_VERSION, "features_in": list(features), "features_out": outputs,
            "steps": steps}


def apply(df: DataFrame, params: dict[str, Any]) -> DataFrame:
    """Apply fitted ``params`` (from :func:`fit` or ``_transforms.json``) to ``df``.

    The features are transformed; a classification label, when ``df`` has that column, is
    replaced by its class index (see :func:`index_label`).
    """
    out = _apply_steps(df, params["steps"])
    label = params.get("label")
    return index_label(out, label) if label else out


def index_label(df: DataFrame, label: dict[str, Any]) -> DataFrame:
    """Replace the label column by the index of its value in ``label["classes"]`` (an int).

    Null stays null. A value that is not one of the classes raises when the rows are computed,
    with the value and the classes in the message: a model trained on the export cannot
    predict a class it never had. ``df`` without the column is returned unchanged.
    """
    from pyspark.sql import functions as F

    column, known = label["column"], label["classes"]
    if column not in df.columns:
        return df
    ref = F.col(f"`{column}`")
    shown = ", ".join(class_name(c) for c in known[:20]) + (", ..." if len(known) > 20 else "")
    unseen = F.raise_error(F.concat(
        F.lit(f"label {column!r}: value '"), ref.cast("string"),
        F.lit(f"' is not one of the {len(known)} classes of this export ({shown}; "
              "_transforms.json label.classes)")))
    index = F.when(ref.isNull(), F.lit(None).cast("int"))
    for i, value in enumerate(known):
        index = index.when(ref == F.lit(value), F.lit(i))
    return df.withColumn(column, index.otherwise(unseen))


def output_columns(features: list[str], steps: list[dict[str, Any]]) -> list[str]:
    """Feature columns after the steps: encoded columns replaced by their outputs."""
    out: list[str] = []
    encoded = {s["column"]: s["outputs"] for s in steps if s["op"] == "encode"}
    for f in features:
        out += encoded.get(f, [f])
    return out


# ------------------------------------------------------------------------------ fitting
def _fit_clip(df: DataFrame, spec: TransformsSpec, features: list[str]) -> list[dict]:
    steps = []
    for clip in spec.clip:
        for col in clip.columns:
            lo, hi = clip.min, clip.max
            if clip.quantiles:
                lo, hi = df.approxQuantile(col, list(clip.quantiles), 0.0) or (None, None)
            steps.append({"op": "clip", "column": col, "min": lo, "max": hi})
    return steps


def _fit_log(df: DataFrame, spec: TransformsSpec, features: list[str]) -> list[dict]:
    return [{"op": "log1p", "column": col} for col in spec.log]


def _fit_impute(df: DataFrame, spec: TransformsSpec, features: list[str]) -> list[dict]:
    from pyspark.ml.feature import Imputer

    steps = []
    for imp in spec.impute:
        if imp.strategy == "constant":
            steps += [{"op": "impute", "column": c, "strategy": "constant", "value": imp.value}
                      for c in imp.columns]
            continue
        model = Imputer(strategy=imp.strategy, inputCols=imp.columns, relativeError=0.0,
                        outputCols=[f"__lh_imp_{i}" for i in range(len(imp.columns))]).fit(df)
        row = model.surrogateDF.first()
        for col in imp.columns:
            value = None if row is None or row[col] is None else float(row[col])
            steps.append({"op": "impute", "column": col, "strategy": imp.strategy, "value": value})
    return steps


def _fit_scale(df: DataFrame, spec: TransformsSpec, features: list[str]) -> list[dict]:
    from pyspark.ml.feature import MinMaxScaler, RobustScaler, StandardScaler, VectorAssembler

    steps = []
    for sc in spec.scale:
        # rows with a null in these columns are left out of the fit (impute first to use them)
        vec = VectorAssembler(inputCols=sc.columns, outputCol="__lh_vec",
                              handleInvalid="skip").transform(df.select(*sc.columns))
        if sc.method == "standard":
            m = StandardScaler(inputCol="__lh_vec", outputCol="__lh_out", withMean=True,
                               withStd=True).fit(vec)
            center, scale = m.mean.toArray(), m.std.toArray()
        elif sc.method == "minmax":
            m = MinMaxScaler(inputCol="__lh_vec", outputCol="__lh_out").fit(vec)
            center, hi = m.originalMin.toArray(), m.originalMax.toArray()
            scale = hi - center
        else:
            m = RobustScaler(inputCol="__lh_vec", outputCol="__lh_out", withCentering=True,
                             relativeError=0.0).fit(vec)
            center, scale = m.median.toArray(), m.range.toArray()
        for i, col in enumerate(sc.columns):
            steps.append({"op": "scale", "column": col, "method": sc.method,
                          "center": float(center[i]), "scale": float(scale[i])})
    return steps


def _fit_encode(df: DataFrame, spec: TransformsSpec, features: list[str]) -> list[dict]:
    from pyspark.ml.feature import StringIndexer

    steps = []
    for enc in spec.encode:
        for col in enc.columns:
            # frequencyDesc orders ties alphabetically, so the labels are deterministic
            model = StringIndexer(inputCol=col, outputCol="__lh_idx", handleInvalid="keep",
                                  stringOrderType="frequencyDesc").fit(
                df.select(df[col].cast("string").alias(col)))
            labels = list(model.labels)[: enc.top_n]
            outputs = ([_onehot_names(col, labels)] if enc.method == "onehot" else [[col]])[0]
            steps.append({"op": "encode", "column": col, "method": enc.method, "labels": labels,
                          "outputs": outputs})
    return steps


def _onehot_names(col: str, labels: list[str]) -> list[str]:
    names: list[str] = []
    for value in [*labels, UNKNOWN]:
        base = f"{col}__{re.sub(r'[^A-Za-z0-9]+', '_', value).strip('_') or 'blank'}"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


# ----------------------------------------------------------------------------- applying
def _apply_steps(df: DataFrame, steps: list[dict[str, Any]]) -> DataFrame:
    from pyspark.sql import functions as F

    for step in steps:
        col, op = step["column"], step["op"]
        ref = F.col(col)
        if op == "clip":
            out = ref.cast("double")
            if step["min"] is not None:
                out = F.greatest(out, F.lit(float(step["min"])))
            if step["max"] is not None:
                out = F.least(out, F.lit(float(step["max"])))
            df = df.withColumn(col, F.when(ref.isNull(), None).otherwise(out))
        elif op == "log1p":
            df = df.withColumn(col, F.log1p(ref.cast("double")))
        elif op == "impute":
            x = ref.cast("double")  # NaN is missing too, as for Spark ML's Imputer
            df = df.withColumn(col, F.when(x.isNull() | F.isnan(x), F.lit(step["value"]))
                               .otherwise(x))
        elif op == "scale":
            df = df.withColumn(col, _scaled(ref.cast("double"), step))
        elif op == "encode":
            df = _encode(df, step)
    return df


def _scaled(x, step: dict[str, Any]):
    """Spark ML's formulas, including its rules for a zero spread."""
    from pyspark.sql import functions as F

    center, scale = float(step["center"]), float(step["scale"])
    if step["method"] == "minmax":
        return (x - F.lit(center)) / F.lit(scale) if scale else F.when(x.isNotNull(), F.lit(0.5))
    if not scale:
        return F.when(x.isNotNull(), F.lit(0.0))
    return (x - F.lit(center)) * F.lit(1.0 / scale)


def _encode(df: DataFrame, step: dict[str, Any]) -> DataFrame:
    from pyspark.ml.feature import OneHotEncoder, StringIndexerModel
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    col, labels = step["column"], step["labels"]
    indexer = StringIndexerModel.from_labels(labels, inputCol="__lh_str", outputCol="__lh_idx",
                                             handleInvalid="keep")
    # index len(labels) is the unknown bucket (values cut by top_n, unseen ones, nulls)
    indexed = indexer.transform(df.withColumn("__lh_str", F.col(col).cast("string")))
    if step["method"] == "ordinal":
        return indexed.withColumn(col, F.col("__lh_idx")).drop("__lh_str", "__lh_idx")
    spark = df.sparkSession
    # the encoder only learns the number of categories: labels + the unknown bucket
    sizes = spark.createDataFrame([(float(i),) for i in range(len(labels) + 1)], ["__lh_idx"])
    encoder = OneHotEncoder(inputCols=["__lh_idx"], outputCols=["__lh_vec"],
                            dropLast=False).fit(sizes)
    arr = vector_to_array(F.col("__lh_vec"))
    encoded = encoder.transform(indexed)
    position = df.columns.index(col)
    cols = [F.col(f"`{c}`") for c in df.columns]
    onehot = [arr[i].alias(name) for i, name in enumerate(step["outputs"])]
    return encoded.select(*cols[:position], *onehot, *cols[position + 1:])
