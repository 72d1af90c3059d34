"""Statistics the checks need, in a handful of Spark jobs over the split rows.

One pass for the drift bin edges (train quantiles), one aggregation grouped by split and
label (rows, class counts, null counts, time range, drift histograms), and one per key column
for keys found in two splits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.config.ml_spec import MLSpec
from lakehouse.ml import classes
from lakehouse.ml.checks import SplitStats
from lakehouse.ml.drift import psi
from lakehouse.ml.splits import SPLIT

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

BINS = 10
NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "boolean")


def compute(df: DataFrame, spec: MLSpec, *, splits: list[str], features: list[str],
            label_sources: list[str], samples: int = 5) -> SplitStats:
    """The :class:`SplitStats` of ``df`` (the rows with ``_split``) for ``spec``'s checks."""
    from pyspark.sql import functions as F

    types = dict(df.dtypes)
    numeric = [f for f in features if types.get(f) in NUMERIC or types.get(f, "").startswith(
        "decimal")]
    edges = _edges(df, numeric)
    aggs = [F.count(F.lit(1)).alias("n")]
    aggs += [F.sum(_missing(f, types[f]).cast("int")).alias(f"null:{f}") for f in features]
    if spec.time:
        aggs += [F.min(spec.time).alias("tmin"), F.max(spec.time).alias("tmax")]
    # the bin of each value is projected once (a column per feature) and then counted per
    # bin: inlining the comparisons into every bin's sum makes the generated code too big
    bins = {}
    for j, (f, cuts) in enumerate(edges.items()):
        x = F.col(f"`{f}`").cast("double")
        bins[f"__lh_bin{j}"] = F.when(x.isNotNull(), sum((x > F.lit(c)).cast("int") for c in cuts))
        aggs += [F.sum((F.col(f"__lh_bin{j}") == i).cast("int")).alias(f"bin:{f}:{i}")
                 for i in range(len(cuts) + 1)]
    if bins:
        df = df.select("*", *[expr.alias(name) for name, expr in bins.items()])
    label = F.col(spec.label.name)
    aggs.append(F.sum(label.isNull().cast("int")).alias("null_label"))
    # one pass: grouped by split and (classification) label; the per-split numbers are sums
    keys = [SPLIT, spec.label.name] if spec.label.kind == "classification" else [SPLIT]
    groups = [r.asDict() for r in df.groupBy(*keys).agg(*aggs).collect()]
    rows = _per_split(groups, spec)
    stats = SplitStats(splits=splits, features=features, label_sources=label_sources)
    for split, row in rows.items():
        stats.null_labels += int(row["null_label"] or 0)
        if split is None:
            stats.unassigned = int(row["n"])
            continue
        stats.counts[split] = int(row["n"])
        stats.null_counts[split] = {f: int(row[f"null:{f}"] or 0) for f in features}
        if spec.time:
            stats.time_ranges[split] = (row["tmin"], row["tmax"])
    for f, cuts in edges.items():
        hist = {s: [int(rows[s][f"bin:{f}:{i}"] or 0) for i in range(len(cuts) + 1)]
                for s in ("train", "test") if s in rows}
        stats.psi[f] = psi(hist["train"], hist["test"]) if len(hist) == 2 else None
    if spec.label.kind == "classification":
        # the label is still as the export SQL gave it (not converted): nulls are real nulls
        stats.label = classes.fit((g[spec.label.name] for g in groups), column=spec.label.name,
                                  dtype=types[spec.label.name])
        for g in groups:
            if g[SPLIT] is not None and g[spec.label.name] is not None:
                by = stats.class_counts.setdefault(g[SPLIT], {})
                by[classes.class_name(g[spec.label.name])] = int(g["n"])
    for column in dict.fromkeys(c for c in (spec.id, spec.group) if c):
        stats.overlaps[column] = _overlap(df, column, samples)
    return stats


def _per_split(groups: list[dict], spec: MLSpec) -> dict:
    """Add up the (split, label) groups per split: sums, and min / max of the time range."""
    out: dict = {}
    for g in groups:
        acc = out.setdefault(g[SPLIT], {})
        for key, value in g.items():
            if key in (SPLIT, spec.label.name):
                continue
            if key in ("tmin", "tmax"):
                pick = min if key == "tmin" else max
                acc[key] = value if acc.get(key) is None else (
                    acc[key] if value is None else pick(acc[key], value))
            else:
                acc[key] = (acc.get(key) or 0) + (value or 0)
    return out


def _missing(column: str, dtype: str) -> Column:
    """Null, or NaN for floating columns (Spark ML's Imputer treats both as missing)."""
    from pyspark.sql import functions as F

    ref = F.col(f"`{column}`")
    return ref.isNull() | F.isnan(ref) if dtype in ("double", "float") else ref.isNull()


def _edges(df: DataFrame, numeric: list[str]) -> dict[str, list[float]]:
    """Decile edges of each numeric feature on the train split (distinct, for PSI bins)."""
    if not numeric:
        return {}
    train = df.where(f"{SPLIT} = 'train'").select(*[df[f].cast("double").alias(f)
                                                    for f in numeric])
    probs = [i / BINS for i in range(1, BINS)]
    quantiles = train.approxQuantile(numeric, probs, 0.001)
    return {f: sorted(set(q)) for f, q in zip(numeric, quantiles, strict=True) if q}


def _overlap(df: DataFrame, column: str, samples: int) -> dict:
    """How many values of ``column`` appear in more than one split, with a few examples."""
    from pyspark.sql import functions as F

    spread = (df.where(F.col(SPLIT).isNotNull()).groupBy(column)
              .agg(F.min(SPLIT).alias("first"), F.max(SPLIT).alias("last"))
              .where(F.col("first") != F.col("last")))
    if not spread.limit(1).collect():          # the usual case: one job, nothing to report
        return {"count": 0, "samples": []}
    multi = (df.where(F.col(SPLIT).isNotNull()).groupBy(column)
             .agg(F.sort_array(F.collect_set(SPLIT)).alias("splits"))
             .where(F.size("splits") > 1))
    found = multi.orderBy(column).limit(samples).collect()
    return {"count": spread.count(), "samples": [
        {column: _plain(r[column]), "splits": list(r["splits"])} for r in found]}


def _plain(value):
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
