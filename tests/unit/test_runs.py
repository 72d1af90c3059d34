"""Run summary accounting, bookmarks and safe column names (no Spark)."""

from __future__ import annotations

import json
from pathlib import Path

from lakehouse.records.bookmarks import Bookmark, BookmarkStore, PendingBatch
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.sources.naming import safe_column_names


def test_stage_accounting_balances_only_when_rows_are_all_accounted_for() -> None:
    ok = StageResult("flights", "curate", status="succeeded", rows_read=10, rows_written=6,
                     rows_quarantined=3, rows_deduplicated=1)
    lost = StageResult("flights", "curate", status="succeeded", rows_read=10, rows_written=6,
                       rows_quarantined=3)
    assert ok.balanced and not lost.balanced
    summary = RunSummary(run_id="r1", profile="local", stage="all", datasets=["flights"])
    summary.add(ok)
    assert summary.balanced
    summary.add(lost)
    assert not summary.balanced
    summary.finish("succeeded")
    data = json.loads(summary.to_json())
    assert [s["balanced"] for s in data["stages"]] == [True, False]
    assert "does NOT balance" in summary.render()


def test_bookmark_round_trip(tmp_path: Path) -> None:
    store = BookmarkStore(tmp_path.as_uri())
    assert store.load("flights").ingested == {}
    mark = Bookmark("flights", ingested={"flights/a.csv": {"size": 3}},
                    pending=PendingBatch("k1", {"flights/b.csv": {"size": 4}}), curated_raw_version=2)
    store.save(mark)
    again = store.load("flights")
    assert again == mark


def test_safe_column_names() -> None:
    assert safe_column_names(["Dep Time", "dep-time", "1st", "_source_file", "", "ok"]) == [
        "dep_time", "dep_time_2", "_1st", "source_file", "col", "ok"]


def test_summary_exit_code_and_every_outcome_rendered() -> None:
    from lakehouse.records.summary import RunSummary, StageResult

    summary = RunSummary(run_id="r1", profile="local", stage="all", datasets=["a", "b", "c"])
    summary.add(StageResult("a", "curate", status="succeeded", rows_read=2, rows_written=2))
    summary.add(StageResult("b", "curate", status="blocked", message="gate blocked"))
    summary.add(StageResult("c", "ingest", status="succeeded", warnings=["1 empty file(s): x"]))
    summary.finish("blocked")
    assert summary.exit_code == 3
    text = summary.render()
    assert "b/curate: gate blocked" in text and "c/ingest: warning: 1 empty file(s): x" in text
    assert text.endswith("run r1: blocked (b curate blocked)")
    summary.finish("failed")
    assert summary.exit_code == 1
    summary.finish("succeeded")
    assert summary.exit_code == 0
