"""Configuration: YAML loading, profiles, ``${env:VAR}`` references, typed models. No Spark."""

from lakehouse.config.loader import load_project
from lakehouse.config.models import (
    ColumnSpec,
    DatasetConfig,
    ExportConfig,
    LakeConfig,
    SourceSpec,
)
from lakehouse.config.project import GATES, Project

__all__ = [
    "GATES",
    "ColumnSpec",
    "DatasetConfig",
    "ExportConfig",
    "LakeConfig",
    "Project",
    "SourceSpec",
    "load_project",
]
