"""Rebuild an ML export version from its manifest and prove it is byte-identical.

The inputs are read at the manifest's Delta versions (time travel), the export spec comes
from the manifest (not from today's ``conf/``), the ``curated_to_exportable`` gate filters the
inputs as it did then, and :func:`~lakehouse.ml.build.build` writes into a separate folder.
The checksums of every data file and of ``_transforms.json`` are then compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.config.models import ExportConfig
from lakehouse.errors import TableError
from lakehouse.ml import manifest as M
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.project import Project


@dataclass
class RebuildResult:
    """Where the rebuild went and how it compares with the original."""

    location: str
    original: dict
    rebuilt: dict
    differences: list[str]

    @property
    def identical(self) -> bool:
        return not self.differences


def rebuild(spark: SparkSession, project: Project, name: str, manifest_uri: str, *,
            run_id: str, out: str | None = None) -> RebuildResult:
    """Rebuild export ``name`` as recorded in ``manifest_uri`` into ``out``.

    ``out`` defaults to ``<exportable>/<name>/_rebuild/v<NNNNN>``. Raises
    :class:`~lakehouse.errors.TableError` when an input version can no longer be read.
    """
    from lakehouse.ml.build import build
    from lakehouse.quality.apply import gate_inputs
    from lakehouse.tables import open_table_with

    original = M.read(manifest_uri)
    if original.get("kind") != "ml" or original.get("export") != name:
        raise TableError(f"{manifest_uri} is not a manifest of ML export {name!r} "
                         f"(export={original.get('export')!r}, kind={original.get('kind')!r})")
    spec = ExportConfig.model_validate(original["spec"])
    location = out or join_uri(project.table_uri("exportable", name), "_rebuild",
                               f"v{original['version']:05d}")
    snapshots = {}
    for table, version in original["input_versions"].items():
        try:
            snapshots[table] = open_table_with(spark, project.table_uri("curated", table),
                                               project.lake.tables).read(version=version)
        except Exception as exc:
            raise TableError(f"cannot read curated.{table} at version {version}: {exc}",
                             hint="the version may have been vacuumed; rebuild needs the files "
                                  "of that version", export=name) from exc
    passed, _ = gate_inputs(spark, project, snapshots, run_id=run_id)
    for table, frame in passed.items():
        frame.createOrReplaceTempView(table)
    built = build(spark.sql(spec.sql), spec, location=location, version=original["version"],
                  input_versions=original["input_versions"], run_id=run_id)
    return RebuildResult(location=location, original=original, rebuilt=built.manifest,
                         differences=M.compare(original, built.manifest))
