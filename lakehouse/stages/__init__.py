"""Stages: ingest (landing->raw), curate (raw->curated), export (curated->exportable)."""

from lakehouse.stages.context import StageContext
from lakehouse.stages.curate import curate
from lakehouse.stages.export import export
from lakehouse.stages.ingest import ingest

__all__ = ["StageContext", "curate", "export", "ingest"]
