"""The run summary says why a run did not succeed (issue 31): a failed stage's whole error,
a blocked gate's failing checks, and the landing files ingest refused (no Spark)."""

from __future__ import annotations

import json

from lakehouse.errors import SourceError
from lakehouse.quality.results import RuleResult, blocked_error
from lakehouse.records.summary import RunSummary, StageResult


def _summary(*stages: StageResult) -> RunSummary:
    summary = RunSummary("R1", "local", "all", ["sales"])
    for stage in stages:
        summary.add(stage)
    return summary


def test_a_failed_stage_keeps_its_whole_error_and_hint() -> None:
    error = SourceError("sales/a.csv: line 2 has byte 0xe9, not valid UTF-8\n  more detail",
                        hint="set source.options.encoding", dataset="sales")
    failed = StageResult.from_error("sales", "ingest", error, duration_s=1.5)
    assert (failed.status, failed.message) == ("failed",
                                               "sales/a.csv: line 2 has byte 0xe9, not valid UTF-8")
    summary = _summary(failed)
    summary.finish("failed", str(error))
    text = summary.render()
    assert "  sales/ingest failed: sales/a.csv: line 2 has byte 0xe9, not valid UTF-8\n" \
           "      more detail\n      hint: set source.options.encoding" in text
    assert json.loads(summary.to_json())["stages"][0]["error"].endswith(
        "\n  hint: set source.options.encoding")


def test_a_blocked_gate_lists_each_failing_check_with_its_numbers() -> None:
    rule = RuleResult(name="label_present", rule="label", severity="fail", level="dataset",
                      total=30, failing=1, status="failed", blocking=True,
                      description="30 rows have a null label 'segment'",
                      observed={"null_labels": 30})
    error = blocked_error([rule], dataset="segments_ml", gate="ml_export", run_id="R1")
    blocked = StageResult.from_error("segments_ml", "export", error)
    summary = _summary(blocked)
    summary.finish("blocked", str(error))
    text = summary.render()
    assert "segments_ml/export blocked: quality gate ml_export blocked segments_ml" in text
    assert "- label_present [label, severity fail]: 30 rows have a null label 'segment'" in text
    assert "null_labels: 30" in text and "hint: fix the data or the rule" in text
    gate = json.loads(summary.to_json())["stages"][0]["details"]["gates"][0]
    assert (gate["gate"], gate["blocked"], gate["results"][0]["observed"]) == (
        "ml_export", True, {"null_labels": 30})
    assert summary.exit_code == 3


def test_a_refused_file_fails_the_run_though_its_stage_succeeded() -> None:
    ingest = StageResult("sales", "ingest", status="succeeded", rows_read=2, rows_written=2,
                         refused={"sales/cut.csv.gz": "sales/cut.csv.gz: truncated gzip file"
                                                      "\n  hint: deliver the file again"})
    summary = _summary(ingest, StageResult("sales", "curate", status="succeeded"))
    summary.finish("succeeded")
    assert (summary.status, summary.exit_code) == ("failed", 1)
    assert summary.error == ("ingest sales refused sales/cut.csv.gz: sales/cut.csv.gz: "
                             "truncated gzip file\n  hint: deliver the file again")
    text = summary.render()
    assert "  sales/ingest refused sales/cut.csv.gz: truncated gzip file\n" \
           "      hint: deliver the file again" in text
    assert text.endswith("run R1: failed (sales ingest refused 1 file(s))")
