"""export: curated -> exportable. A consumer-ready table written as a new Parquet version.

Each export run writes ``<exportable>/<name>/v<NNNNN>/`` (Hive-style partitions inside) and then
points ``_manifest.json`` at it, so readers switch atomically from one complete version to the
next. The manifest records the exact curated input versions, so a version can be rebuilt.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lakehouse.config.models import ExportConfig
from lakehouse.failpoints import fault_point
from lakehouse.records.details import ExportDetails, MlExportDetails
from lakehouse.records.summary import StageResult
from lakehouse.stages import export_gate_scope as gate_scope
from lakehouse.stages import export_incremental as incremental
from lakehouse.stages import publish
from lakehouse.stages.context import StageContext
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri, spark_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

log = logging.getLogger(__name__)
MANIFEST = "_manifest.json"
KEEP_VERSIONS = 3


def export(ctx: StageContext, spec: ExportConfig) -> StageResult:
    """Run the export's SQL over the current curated snapshots and write a new version."""
    result = StageResult(spec.name, "export")
    project = ctx.project
    # a version from the log listing (None: no table yet); no Spark job on an unchanged input
    versions = {name: ctx.table(project.table_uri("curated", name)).version()
                for name in spec.inputs}
    missing = [n for n, v in versions.items() if v is None]
    if missing:
        result.status, result.message = "skipped", f"no curated table yet for: {', '.join(missing)}"
        return result
    root = project.table_uri("exportable", spec.name)
    previous = read_manifest(root)
    if previous and previous.get("input_versions") == versions:
        _register_current(ctx, spec, previous, root)  # a run may have died before registering it
        result.status, result.message = "skipped", "inputs unchanged since the last export"
        result.table_versions = {f"curated.{k}": v for k, v in versions.items()}
        return result
    from lakehouse.quality.apply import finish, gate_inputs

    snapshots = {name: ctx.table(project.table_uri("curated", name)).read(version=versions[name])
                 for name in spec.inputs}
    lineage = _column_lineage(_query(ctx, spec, snapshots)) if spec.ml is None else None
    decision = incremental.decide(ctx, spec, previous=previous, versions=versions,
                                  inputs=snapshots, lineage=lineage)
    log.info("export %s: %s (%s)", spec.name, decision.mode, decision.reason)
    scoped = None
    if decision.mode == "incremental":  # the gate over the changed partitions, when that is exact
        assert decision.driving is not None
        scoped, why = gate_scope.scope(project, spec, driving=decision.driving,
                                       version=versions[decision.driving], previous=previous)
        log.info("export %s: %s", spec.name, why)
        if scoped is not None:
            snapshots[decision.driving] = incremental.restrict(
                snapshots[decision.driving], decision, spec.partition_by)
    # the curated_to_exportable gate: raises (exit 3) before anything is written if it blocks
    passed, outcomes = gate_inputs(ctx.spark, project, snapshots, run_id=ctx.run_id,
                                   references=ctx.references,
                                   table_rows=_table_rows(scoped))
    if decision.mode == "incremental" and scoped is None:  # the query over the changed partitions
        passed[decision.driving] = incremental.restrict(passed[decision.driving], decision,
                                                        spec.partition_by)
    df = _query(ctx, spec, passed)
    number = (previous or {}).get("version", 0) + 1
    location = join_uri(root, f"v{number:05d}")
    log.info("export %s: writing version %d -> %s", spec.name, number, location)
    # a run that died before flipping the manifest left this folder behind; no reader was
    # ever pointed at it, so it is replaced
    files.delete_tree(location)
    if spec.ml is not None:
        return _export_ml(ctx, spec, df, root=root, number=number, versions=versions,
                          outcomes=outcomes, result=result, reason=decision.reason)
    if spec.partition_by:  # one file per partition value, not one per task and value
        df = df.repartition(*[f"`{c}`" for c in spec.partition_by])
    writer = df.write.mode("errorifexists").partitionBy(*spec.partition_by)
    if spec.format == "csv":
        writer.option("header", "true").csv(spark_path(location))
    else:
        writer.parquet(spark_path(location))
    rows, partitions = _written(location, spec)
    rewritten = len(partitions) if decision.mode == "incremental" else None
    if decision.mode == "incremental":  # the other partitions as they were: linked, not rewritten
        linked, replaced = incremental.link_unchanged(previous["location"], location,
                                                      spec.partition_by, decision.changed)
        # footers of the replaced files only (a full listing + footers of thousands of files
        # cost seconds): the previous count minus theirs plus the new files'
        rows += previous["rows"] - _rows_of(previous["location"], replaced, spec)
        partitions = _sorted_partitions([*partitions, *_partitions_of(linked)])
    manifest = {
        "export": spec.name, "version": number, "location": location, "run_id": ctx.run_id,
        "created_at": datetime.now(UTC).isoformat(), "format": spec.format,
        "partition_by": spec.partition_by, "rows": rows, "input_versions": versions,
        "columns": publish.columns_of(df.schema), "mode": decision.mode,
        "mode_reason": decision.reason, "partitions_rewritten": rewritten,
        "gate_rules": gate_scope.fingerprints(project, spec),
        "gate_scope": "changed partitions" if scoped else "all rows",
    }
    files.write_text(join_uri(location, MANIFEST), json.dumps(manifest, indent=1))
    fault_point("manifest.write", root)
    files.write_text(join_uri(root, MANIFEST), json.dumps(manifest, indent=1))
    publish.register(ctx, zone="exportable", name=spec.name, location=location,
                     table_format=spec.format, schema=df.schema, partition_by=spec.partition_by,
                     partitions=partitions, description=spec.description)
    _mark_registered(root, manifest)
    finish(project, outcomes)  # quarantine rows held at the gate, results, Data Docs
    _prune(root, number)
    # An export writes every row of its query: rows read == rows written.
    result.rows_read = result.rows_written = rows
    result.table_versions = {**{f"curated.{k}": v for k, v in versions.items()}, "export": number}
    result.inputs = [f"curated.{k}@{v}" for k, v in versions.items()]
    from lakehouse.stages.curate import gate_summary

    result.details = ExportDetails(
        location=location, partitions=len(partitions), columns=manifest["columns"],
        column_lineage=lineage, gates=[gate_summary(o) for o in outcomes.values()],
        mode=decision.mode, mode_reason=decision.reason, partitions_rewritten=rewritten)
    result.status = "succeeded"
    return result


def _table_rows(scoped: gate_scope.Scope | None) -> dict[str, int] | None:
    """The whole-table row count of a gate scoped to the changed partitions, if it needs one."""
    if scoped is None or scoped.total_rows is None:
        return None
    return {scoped.dataset: scoped.total_rows}


def _query(ctx: StageContext, spec: ExportConfig, inputs: dict) -> DataFrame:
    """The export's SQL over its inputs, each registered as a temp view named after it.

    Temp views belong to a session: the pipeline driver gives each unit its own
    (``StageContext.isolated``), so two exports running at once never read each other's
    views even when their inputs share names.
    """
    for name, frame in inputs.items():
        frame.createOrReplaceTempView(name)
    fault_point("views.registered", spec.name)
    return ctx.spark.sql(spec.sql)


def _export_ml(ctx: StageContext, spec: ExportConfig, df, *, root: str, number: int,
               versions: dict, outcomes: dict, result: StageResult, reason: str) -> StageResult:
    """An export with ``ml:``: splits, fitted transforms and checks (see ``lakehouse.ml``)."""
    from lakehouse.ml.build import build
    from lakehouse.quality.apply import finish

    location = join_uri(root, f"v{number:05d}")
    built = build(df, spec, location=location, version=number, input_versions=versions,
                  run_id=ctx.run_id)
    files.write_text(join_uri(root, MANIFEST), json.dumps(built.manifest, indent=1, sort_keys=True))
    for split in built.manifest["split_counts"]:  # one catalog table per split: <name>_<split>
        folders = {rel.split("/", 1)[1].rsplit("/", 1)[0] for rel in built.files
                   if rel.startswith(f"{split}/") and rel.count("/") > 1}
        partitions = [dict(unquote(p).split("=", 1) for p in folder.split("/"))
                      for folder in sorted(folders)]
        publish.register(ctx, zone="exportable", name=f"{spec.name}_{split}",
                         location=join_uri(location, split), table_format="parquet",
                         schema=built.schema, partition_by=spec.partition_by,
                         partitions=partitions, description=f"{split} split of {spec.name}")
    finish(ctx.project, outcomes)
    _prune(root, number)
    result.rows_read, result.rows_written = built.rows_in, built.rows_written
    result.rows_deduplicated = built.rows_deduplicated
    result.table_versions = {**{f"curated.{k}": v for k, v in versions.items()}, "export": number}
    result.inputs = [f"curated.{k}@{v}" for k, v in versions.items()]
    result.details = MlExportDetails(location=location, splits=built.manifest["split_counts"],
                                     files=len(built.files), mode="full", mode_reason=reason)
    result.status = "succeeded"
    return result


def _column_lineage(df) -> dict[str, list[list[str]]] | None:
    """Output column -> [[input, column, subtype], ...] from Spark's analyzed plan (for the
    OpenLineage column-lineage facet); None, with a warning, where the plan cannot be read."""
    from lakehouse.spark.plan import analyzed_plan
    from lakehouse.spark.plan_columns import column_lineage

    try:
        return {column: [list(source) for source in sources]
                for column, sources in column_lineage(*analyzed_plan(df)).items()}
    except Exception as exc:  # lineage is informative: it never fails an export
        log.warning("export: no column lineage (%s: %s)", type(exc).__name__, exc)
        return None


def _mark_registered(root: str, manifest: dict) -> None:
    """Record in the current manifest that the catalog has its version, so later runs that
    skip the export need not list its files and sync the catalog again."""
    files.write_text(join_uri(root, MANIFEST), json.dumps({**manifest, "registered": True}, indent=1))


def _register_current(ctx: StageContext, spec: ExportConfig, manifest: dict, root: str) -> None:
    """Register the version the manifest points at, unless a run already did (its
    ``registered`` mark): a run may have died between the manifest and the catalog."""
    from lakehouse.catalog.sync import sync_table

    if spec.ml is not None or "columns" not in manifest or manifest.get("registered"):
        return
    types = dict(manifest["columns"])
    parts = list(manifest.get("partition_by") or [])
    sync_table(ctx.project, zone="exportable", name=spec.name, location=manifest["location"],
               table_format=manifest.get("format", spec.format),
               columns=[(n, t) for n, t in manifest["columns"] if n not in parts],
               partition_keys=[(p, types[p]) for p in parts],
               partitions=_written(manifest["location"], spec)[1], description=spec.description)
    _mark_registered(root, manifest)


def read_manifest(root: str) -> dict | None:
    """The manifest of the export's current version, or None before the first export."""
    uri = join_uri(root, MANIFEST)
    return json.loads(files.read_text(uri)) if files.exists(uri) else None


def _written(location: str, spec: ExportConfig) -> tuple[int, list[dict[str, str]]]:
    """Row count (from Parquet footers, no data scan) and the partitions written."""
    import pyarrow.dataset as ds

    from lakehouse.storage.arrowfs import arrow_filesystem

    fs, source = arrow_filesystem(location)
    fmt = "parquet" if spec.format == "parquet" else ds.CsvFileFormat()
    dataset = ds.dataset(source, filesystem=fs, format=fmt, partitioning="hive",
                         exclude_invalid_files=True)
    rels = [path[len(source):].strip("/") for path in dataset.files]
    return dataset.count_rows(), _sorted_partitions(_partitions_of(rels))


def _rows_of(location: str, rels: list[str], spec: ExportConfig) -> int:
    """Rows in the files ``rels`` (relative, decoded) under ``location``."""
    import pyarrow.dataset as ds

    from lakehouse.storage.arrowfs import arrow_filesystem

    if not rels:
        return 0
    fs, source = arrow_filesystem(location)
    fmt = "parquet" if spec.format == "parquet" else ds.CsvFileFormat()
    return ds.dataset([f"{source.rstrip('/')}/{rel}" for rel in rels], filesystem=fs,
                      format=fmt).count_rows()


def _partitions_of(rels: list[str]) -> list[dict[str, str]]:
    """The Hive partition values (decoded) of files at relative paths ``col=value/.../part``."""
    out = []
    for rel in rels:
        folders = rel.split("/")[:-1]
        values = {k: unquote(v) for k, v in (part.split("=", 1) for part in folders if "=" in part)}
        if values:
            out.append(values)
    return out


def _sorted_partitions(partitions: list[dict[str, str]]) -> list[dict[str, str]]:
    return [dict(p) for p in sorted({tuple(sorted(p.items())) for p in partitions})]


def _prune(root: str, current: int) -> None:
    """Keep the last few versions (readers of an older manifest may still be reading)."""
    for number in range(max(1, current - KEEP_VERSIONS - 5), current - KEEP_VERSIONS + 1):
        files.delete_tree(join_uri(root, f"v{number:05d}"))
