"""``not_in_future``, the rule type added through the registry alone (issue #26): its SQL,
reason text and config validation (the Spark test is tests/spark/quality/test_not_in_future.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from lakehouse.config.quality_spec import GateRules
from lakehouse.config.rule_types import RowContext, rule_type
from lakehouse.quality.rules import describe

NOW = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)


def _nif(**extra):
    return GateRules.model_validate([{"name": "not_future", "rule": "not_in_future",
                                      "column": "day", **extra}]).for_gate("raw_to_curated")[0]


@pytest.mark.parametrize(("tolerance", "limit"), [
    (None, "2026-12-07 07:30:00.000000+00:00"),
    ("1 day", "2026-12-08 07:30:00.000000+00:00"),
    ("6h", "2026-12-07 13:30:00.000000+00:00"),
    ("30 minutes", "2026-12-07 08:00:00.000000+00:00"),
])
def test_not_in_future_compares_with_the_run_time_plus_tolerance(tolerance, limit) -> None:
    rule = _nif(**({"tolerance": tolerance} if tolerance else {}))
    sql = rule_type("not_in_future").violation(rule, RowContext(now=NOW))
    assert sql == f"CAST(`day` AS TIMESTAMP) > TIMESTAMP '{limit}'"


def test_not_in_future_reason_and_bad_tolerance() -> None:
    assert describe(_nif()) == "not_future: day is in the future (after the run time)"
    assert describe(_nif(tolerance="1 day")) == \
        "not_future: day is in the future (after the run time + 1 day)"
    with pytest.raises(ValidationError, match=r"e\.g\. '1 day', '6h' or '30 minutes'"):
        _nif(tolerance="tomorrow")
