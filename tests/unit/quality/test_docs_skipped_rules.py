"""Data Docs render a gate run whose referential rule was skipped (its table not curated yet)."""

from __future__ import annotations

from datetime import UTC, datetime

from lakehouse.config.quality_spec import ReferencesRule
from lakehouse.quality.docs import render_validation_html
from lakehouse.quality.gate import GateOutcome
from lakehouse.quality.gx_suite import validation_result
from lakehouse.quality.results import RuleResult


def test_skipped_reference_rule_renders() -> None:
    rule = ReferencesRule(name="dest_known", rule="references", column="dest", dataset="airports",
                          ref_column="faa", severity="warn")
    skipped = RuleResult(name="dest_known", rule="references", severity="warn", level="row",
                         total=10, status="skipped",
                         description="dest in airports.faa (skipped: table 'airports' is not "
                                     "available yet)")
    outcome = GateOutcome(dataset="flights", gate="raw_to_curated", run_id="r1",
                          started_at=datetime(2026, 1, 1, tzinfo=UTC), passed=None,
                          quarantined=None, results=[skipped], total=10, quarantined_count=0,
                          rules=[rule])
    _suite, result = validation_result(outcome)
    assert result.results[0].success is None
    html = render_validation_html(result)
    assert "dest_known" in html or "dest" in html
    assert "not evaluated" in html or "airports" in html
