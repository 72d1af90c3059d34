"""Input and output datasets of a stage, with schema and row-count facets (Spark-free).

Schemas come from what the run already knows: the dataset contract (curated), the source
names (raw, all strings for CSV) and the export manifest's columns, so emitting lineage never
reads a table. Column lineage for curate (curated column <- raw source column) comes from the
contract; for exports, from Spark's analyzed plan, recorded by the export stage
(:mod:`lakehouse.spark.plan_columns`), with each input field's transformation subtype.
"""

from __future__ import annotations

from typing import Any

from lakehouse.config.project import Project
from lakehouse.records.details import ExportDetails
from lakehouse.records.summary import StageResult
from lakehouse.storage.uri import is_local, join_uri, local_path


def dataset_name(uri: str) -> tuple[str, str]:
    """OpenLineage (namespace, name) of a location: ``file`` + path, or ``s3://bucket`` + key."""
    if is_local(uri):
        return "file", local_path(uri).as_posix()
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    return f"{scheme}://{bucket}", key or "/"


def _schema(columns: list[tuple[str, str]]):
    from openlineage.client.facet_v2 import schema_dataset

    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns])


def _input(uri: str, *, columns: list[tuple[str, str]] | None = None, rows: int | None = None,
           files: int | None = None):
    from openlineage.client.event_v2 import InputDataset
    from openlineage.client.facet_v2 import input_statistics_input_dataset as stats

    namespace, name = dataset_name(uri)
    facets: dict[str, Any] = {"schema": _schema(columns)} if columns else {}
    input_facets: dict[str, Any] = {}
    if rows is not None:
        input_facets["inputStatistics"] = stats.InputStatisticsInputDatasetFacet(rowCount=rows,
                                                                                 fileCount=files)
    return InputDataset(namespace=namespace, name=name, facets=facets, inputFacets=input_facets)


def _output(uri: str, *, columns: list[tuple[str, str]] | None = None, rows: int | None = None,
            lineage: dict[str, list[tuple[str, ...]]] | None = None):
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import column_lineage_dataset as cl
    from openlineage.client.facet_v2 import output_statistics_output_dataset as stats

    namespace, name = dataset_name(uri)
    facets: dict[str, Any] = {"schema": _schema(columns)} if columns else {}
    if lineage:
        facets["columnLineage"] = cl.ColumnLineageDatasetFacet(fields={
            out: cl.Fields(inputFields=[_input_field(*source) for source in sources])
            for out, sources in lineage.items()})
    output_facets: dict[str, Any] = {}
    if rows is not None:
        output_facets["outputStatistics"] = stats.OutputStatisticsOutputDatasetFacet(rowCount=rows)
    return OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets=output_facets)


def _input_field(namespace: str, name: str, field: str, subtype: str | None = None):
    """A column-lineage input field; ``subtype`` (IDENTITY, TRANSFORMATION, AGGREGATION) is a
    DIRECT transformation of the spec's ColumnLineageDatasetFacet 1-2-0."""
    from openlineage.client.facet_v2 import column_lineage_dataset as cl

    transformations = [cl.Transformation(type="DIRECT", subtype=subtype)] if subtype else None
    return cl.InputField(namespace=namespace, name=name, field=field,
                         **({"transformations": transformations} if transformations else {}))


def _export_lineage(project: Project, inputs: list[str],
                    recorded: dict[str, list[list[str]]] | None) -> dict[str, list[tuple[str, ...]]]:
    """The export stage's recorded plan lineage, with each input view as its curated table."""
    names = {n: dataset_name(project.table_uri("curated", n)) for n in inputs}
    return {column: [(*names[view], field, subtype) for view, field, subtype in sources
                     if view in names]
            for column, sources in (recorded or {}).items()}


def stage_datasets(project: Project, stage: str, name: str,
                   result: StageResult | None) -> tuple[list, list]:
    """(inputs, outputs) of ``stage`` for dataset/export ``name``; counts once ``result`` is known."""
    done = result is not None and result.status == "succeeded"
    if stage == "export":
        export = project.exports[name]
        # a table export's details; an ML export (MlExportDetails) has no columns to name
        table = result.details if done and isinstance(result.details, ExportDetails) else None
        columns = [tuple(c) for c in table.columns] if table else ([] if done else None)
        inputs = [_input(project.table_uri("curated", n), columns=_contract_columns(project, n))
                  for n in export.inputs]
        lineage = _export_lineage(project, export.inputs,
                                  table.column_lineage if table else None) if done else None
        outputs = [_output(project.table_uri("exportable", name), columns=columns,
                           rows=result.rows_written if done else None, lineage=lineage)]
        return inputs, outputs
    dataset = project.datasets[name]
    raw_uri = project.table_uri("raw", name)
    raw_columns = [(c.source or c.name, "string") for c in dataset.columns if not c.expr]
    if stage == "ingest":
        landing = join_uri(project.zone_uri("landing"), dataset.source.path)
        inputs = [_input(landing, rows=result.rows_read if done else None,
                         files=len(result.inputs) if done else None)]
        outputs = [_output(raw_uri, columns=raw_columns, rows=result.rows_written if done else None)]
        return inputs, outputs
    raw_ns, raw_name = dataset_name(raw_uri)
    lineage = {c.name: [(raw_ns, raw_name, c.source or c.name)] for c in dataset.columns if not c.expr}
    inputs = [_input(raw_uri, columns=raw_columns, rows=result.rows_read if done else None)]
    outputs = [
        _output(project.table_uri("curated", name), columns=_contract_columns(project, name),
                rows=result.rows_written if done else None, lineage=lineage),
        _output(project.quarantine_uri(name), rows=result.rows_quarantined if done else None),
    ]
    return inputs, outputs


def _contract_columns(project: Project, name: str) -> list[tuple[str, str]] | None:
    dataset = project.datasets.get(name)
    return [(c.name, c.type) for c in dataset.columns] if dataset else None
