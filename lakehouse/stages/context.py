"""What every stage receives: the session, the project, the run id, and table access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.runs.bookmarks import BookmarkStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.project import Project
    from lakehouse.tables.base import DeltaTableStore


@dataclass
class StageContext:
    spark: SparkSession
    project: Project
    run_id: str

    @property
    def bookmarks(self) -> BookmarkStore:
        return BookmarkStore(self.project.runs_uri)

    def table(self, uri: str) -> DeltaTableStore:
        """The Delta table at ``uri`` through the configured backend (native or portable)."""
        from lakehouse.tables import open_table_with

        return open_table_with(self.spark, uri, self.project.lake.tables)
