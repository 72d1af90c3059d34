"""What every stage receives: the session, the project, the run id, and table access."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from lakehouse.records.bookmarks import BookmarkStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config.project import Project
    from lakehouse.quality.references import ReferenceCache
    from lakehouse.tables.base import DeltaTableStore


@dataclass
class StageContext:
    """``references``: the run's reference keys, read once per run and shared by its gates
    (None outside a run: each gate reads the tables it references)."""

    spark: SparkSession
    project: Project
    run_id: str
    references: ReferenceCache | None = None

    @property
    def bookmarks(self) -> BookmarkStore:
        return BookmarkStore(self.project.runs_uri)

    def table(self, uri: str) -> DeltaTableStore:
        """The Delta table at ``uri`` through the configured backend (native or portable)."""
        from lakehouse.tables import open_table_with

        return open_table_with(self.spark, uri, self.project.lake.tables)

    def isolated(self) -> StageContext:
        """The same context in a new session of the same SparkContext: own temp views and
        session settings, so units running side by side cannot see each other's."""
        from lakehouse.spark.isolation import isolated_session

        return replace(self, spark=isolated_session(self.spark))
