"""Run records, bookmarks and row accounting (no Spark)."""

from lakehouse.records.summary import RunSummary, StageResult, new_run_id

__all__ = ["RunSummary", "StageResult", "new_run_id"]
