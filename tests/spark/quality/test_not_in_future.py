"""``not_in_future``, the rule type added through the registry alone, in a real gate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lakehouse.config.quality_spec import GateRules
from lakehouse.quality import GateContext, run_gate
from lakehouse.quality.gx_suite import validation_result

pytestmark = pytest.mark.spark

NOW = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)


def _gate(df, **rule):
    rules = GateRules.model_validate([{"name": "not_future", "rule": "not_in_future", **rule}])
    return run_gate(df, rules=rules, gate="raw_to_curated", dataset="trips", run_id="r1",
                    context=GateContext(now=NOW, sample_rows=5))


def test_a_future_dated_row_is_quarantined_with_a_clear_reason(spark) -> None:
    df = spark.createDataFrame(
        [(1, date(2026, 12, 6)), (2, date(2026, 12, 7)), (3, date(2026, 12, 8)), (4, None),
         (5, date(2999, 1, 1))],
        "id int, day date")
    out = _gate(df, column="day")
    try:
        bad = {r["id"]: (list(r["_failed_rules"]), r["_reason"])
               for r in out.quarantined.collect()}
        reason = "not_future: day is in the future (after the run time)"
        assert bad == {3: (["not_future"], reason), 5: (["not_future"], reason)}
        assert sorted(r["id"] for r in out.passed.collect()) == [1, 2, 4]  # today, null pass
        assert (out.total, out.quarantined_count) == (5, 2)
        result = out.results[0]
        assert (result.rule, result.failing, result.status) == ("not_in_future", 2, "failed")
        assert sorted(s["id"] for s in result.samples) == [3, 5]
        _, gx_result = validation_result(out)   # the GX page sees the same failing rows
        assert gx_result.results[0].result["observed_value"] == 2
    finally:
        out.release()


def test_timestamps_with_a_tolerance(spark) -> None:
    df = spark.createDataFrame(
        [(1, datetime(2026, 12, 7, 12, 0)),     # 4.5 h ahead: within 6h
         (2, datetime(2026, 12, 7, 13, 31)),    # 6 h 1 min ahead: beyond
         (3, datetime(2020, 1, 1))],
        "id int, ts timestamp")
    out = _gate(df, column="ts", tolerance="6h", severity="fail",
                threshold={"max_count": 1})
    try:
        assert [r["id"] for r in out.quarantined.collect()] == [2]
        assert out.quarantined.first()["_reason"] == \
            "not_future: ts is in the future (after the run time + 6h)"
        assert not out.blocked
    finally:
        out.release()
