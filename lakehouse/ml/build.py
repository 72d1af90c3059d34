"""Build one ML export version: prepare, split, check, fit on train, apply, write, manifest.

Called by the export stage (``lakehouse.stages.export``) for exports with an ``ml:`` section
and by :mod:`lakehouse.ml.rebuild`. The checks run before the first byte is written; a
blocking check raises the gate's :class:`~lakehouse.errors.QualityGateError`.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from lakehouse.config.ml_spec import MLSpec
from lakehouse.config.models import ExportConfig
from lakehouse.errors import ConfigError
from lakehouse.ml import checks, classes, features, manifest, splits, stats, transforms, writer
from lakehouse.ml.splits import FOLD, SPLIT
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)
NUMERIC = stats.NUMERIC
SUMMARY = "_summary.html"


@dataclass
class MLExportResult:
    """What :func:`build` wrote. ``rows_in == rows_written + rows_deduplicated``."""

    manifest: dict[str, Any]
    rows_in: int
    rows_written: int
    rows_deduplicated: int
    files: list[str] = field(default_factory=list)
    results: list = field(default_factory=list)
    schema: Any = None                  # Spark StructType of the Parquet files (for the catalog)


def build(df: DataFrame, export: ExportConfig, *, location: str, version: int,
          input_versions: dict[str, int | None], run_id: str | None) -> MLExportResult:
    """Write the ML export of ``df`` (the export SQL's rows) under ``location``."""
    from pyspark.sql import functions as F

    spec = export.ml
    assert spec is not None
    clock = _Clock(export.name)
    base = df.persist()
    try:
        rows_in = base.count()
        clock("read")
        work, feats = _prepare(base, export)
        assigned, split_info = splits.assign(work, spec)
        assigned = assigned.persist()
        rows_kept = assigned.count()
        clock("prepared and split")
        expected = splits.expected_splits(spec)
        found = stats.compute(assigned, spec, splits=expected, features=feats,
                              label_sources=features.label_sources(spec, base.columns))
        clock("statistics for the checks")
        train = assigned.where(F.col(SPLIT) == "train")
        params = transforms.fit(train, spec.transforms, features=feats)
        params["split"] = split_info
        if found.label is not None:  # classes of the whole export, sorted by value
            params["label"] = found.label
        clock("fitted transforms on train")
        final = transforms.apply(assigned, params)
        out_cols = _output_columns(spec, export, params["features_out"], final.columns)
        final = final.select(*out_cols).persist()
        types = dict(final.dtypes)
        found.non_numeric = {c: types[c] for c in params["features_out"]
                             if types[c] not in NUMERIC and not types[c].startswith("decimal")}
        results = checks.evaluate(found, spec)
        checks.raise_if_blocked(results, export=export.name, run_id=run_id)  # nothing written yet
        written = _write(final, spec, export, location, params)
        clock("wrote the splits")
        schema = final.drop(SPLIT).schema
        feature_stats = _feature_stats(final, params["features_out"], types)
        final.unpersist()
        assigned.unpersist()
    finally:
        base.unpersist()
    transforms_text = manifest.canonical_json(params)
    files.write_text(join_uri(location, manifest.TRANSFORMS), transforms_text)
    doc = manifest.build(
        export=export.name, version=version, location=location, run_id=run_id,
        created_at=datetime.now(UTC).isoformat(), spec=export.model_dump(mode="json", by_alias=True),
        input_versions=input_versions, seed=spec.split.seed, split_info=split_info,
        counts={s: found.counts.get(s, 0) for s in expected}, class_counts=found.class_counts,
        label={"column": spec.label.name, "kind": spec.label.kind,
               **({"classes": found.label["classes"]} if found.label else {})},
        transforms_sha256=manifest.sha256_bytes(transforms_text.encode()),
        file_checksums=manifest.checksums(location, written),
        rows={"in": rows_in, "deduplicated": rows_in - rows_kept, "written": rows_kept},
        checks=[r.to_dict() for r in results])
    files.write_text(join_uri(location, manifest.MANIFEST), manifest.canonical_json(doc))
    if spec.outputs.summary_html:
        from lakehouse.ml.report import render

        files.write_text(join_uri(location, SUMMARY), render(doc, feature_stats))
    clock("manifest and summary")
    return MLExportResult(manifest=doc, rows_in=rows_in, rows_written=rows_kept,
                          rows_deduplicated=rows_in - rows_kept, files=written, results=results,
                          schema=schema)


class _Clock:
    """Logs the seconds each phase took (where an export's time goes)."""

    def __init__(self, name: str) -> None:
        import time

        self.name, self.now, self.last = name, time.monotonic, time.monotonic()

    def __call__(self, phase: str) -> None:
        now = self.now()
        log.info("ml export %s: %s in %.1fs", self.name, phase, now - self.last)
        self.last = now


def _prepare(df: DataFrame, export: ExportConfig) -> tuple[DataFrame, list[str]]:
    """Label, dedup, flatten, time features; feature columns cast to double."""
    from pyspark.sql import functions as F

    spec = export.ml
    assert spec is not None
    _require(export, df.columns, [c for c in (spec.id, spec.time, spec.group) if c]
             + ([] if spec.label.expr else [spec.label.name]), "ml")
    work = features.add_label(df, spec)
    label_type = dict(work.dtypes)[spec.label.name]
    problem = classes.label_type_problem(spec.label.name, label_type, spec.label.kind)
    if problem:
        raise ConfigError(f"conf/exports/{export.name}.yaml", [f"ml.label: {problem}"],
                          hint=f"the export SQL yields {spec.label.name!r} as {label_type}")
    if spec.label.kind == "regression":
        work = work.withColumn(spec.label.name, F.col(f"`{spec.label.name}`").cast("double"))
    tr = spec.transforms
    if tr.dedup:
        work = features.dedup(work, spec)
    if tr.flatten:
        _require(export, work.columns, list(tr.flatten.json_columns), "ml.transforms.flatten")
        work = features.flatten(work, tr.flatten)
    if tr.time_features:
        tf = tr.time_features
        _require(export, work.columns, [*([tf.entity] if tf.entity else []), *tf.lags,
                                        *tf.rolling_mean], "ml.transforms.time_features")
        work = features.time_features(work, tf, time=spec.time, id_col=spec.id)  # type: ignore[arg-type]
    try:
        feats = features.select_features(work.columns, spec)
    except KeyError as exc:
        _require(export, work.columns, [str(exc.args[0])], "ml.features.include")
        raise
    used = [c for step in (*tr.clip, *tr.impute, *tr.scale, *tr.encode) for c in step.columns]
    _require(export, work.columns, [*used, *tr.log], "ml.transforms")
    types = dict(work.dtypes)
    numeric = {c for c in feats if types[c] in NUMERIC or types[c].startswith("decimal")}
    encoded = {c for e in tr.encode for c in e.columns}
    cols = [F.col(f"`{c}`").cast("double").alias(c) if c in numeric - encoded else F.col(f"`{c}`")
            for c in work.columns]
    return work.select(*cols), feats


def _require(export: ExportConfig, columns: list[str], wanted: list[str], where: str) -> None:
    """A config error naming the export file, the key and the closest column, if one is missing."""
    missing = [c for c in wanted if c not in columns]
    if not missing:
        return
    problems = []
    for col in missing:
        close = difflib.get_close_matches(col, columns, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"{where}: column {col!r} is not in the export's rows{hint}")
    raise ConfigError(f"conf/exports/{export.name}.yaml", problems,
                      hint=f"the export SQL yields: {', '.join(columns)}")


def _output_columns(spec: MLSpec, export: ExportConfig, outputs: list[str],
                    available: list[str]) -> list[str]:
    head = [c for c in (spec.id, spec.group, spec.time, spec.label.name) if c]
    extra = [FOLD] if FOLD in available else []
    cols = [*head, SPLIT, *extra, *outputs, *export.partition_by]
    return list(dict.fromkeys(cols))


def _write(final: DataFrame, spec: MLSpec, export: ExportConfig, location: str,
           params: dict[str, Any]) -> list[str]:
    """Parquet per split (and SageMaker CSV); returns the relative paths written."""
    from pyspark.sql import functions as F

    written: list[str] = []
    for split in splits.expected_splits(spec):
        rows = final.where(F.col(SPLIT) == split).drop(SPLIT)
        rel = writer.write_parquet(rows, join_uri(location, split), sort_by=[spec.id],
                                   partition_by=export.partition_by)
        written += [f"{split}/{r}" for r in rel]
        if spec.outputs.sagemaker_csv:
            label = F.col(spec.label.name)
            csv = rows.select(label, *[F.col(f"`{c}`").cast("double") for c in
                                       params["features_out"]], F.col(spec.id).alias("__lh_id"))
            rel = writer.write_csv(csv, join_uri(location, "sagemaker", split),
                                   sort_by=["__lh_id"], drop=["__lh_id"])
            written += [f"sagemaker/{split}/{r}" for r in rel]
        log.info("ml export %s: wrote split %s", export.name, split)
    for staging in (join_uri(location, "_staging"), join_uri(location, "sagemaker", "_staging")):
        files.delete_tree(staging)
    return written


def _feature_stats(final: DataFrame, outputs: list[str], types: dict[str, str]) -> list[dict]:
    """Per output feature on the train split: nulls, mean, std, min, max (one aggregation)."""
    from pyspark.sql import functions as F

    numeric = [c for c in outputs if types[c] in NUMERIC or types[c].startswith("decimal")]
    if not numeric:
        return []
    train = final.where(F.col(SPLIT) == "train")
    aggs = []
    for c in numeric:
        x = F.col(f"`{c}`").cast("double")
        aggs += [F.avg(x).alias(f"{c}|mean"), F.stddev(x).alias(f"{c}|std"),
                 F.min(x).alias(f"{c}|min"), F.max(x).alias(f"{c}|max"),
                 F.avg(x.isNull().cast("double")).alias(f"{c}|null_ratio")]
    row = train.agg(*aggs).first().asDict()
    return [{"feature": c, **{k: row[f"{c}|{k}"] for k in ("null_ratio", "mean", "std", "min",
                                                          "max")}} for c in numeric]
