"""``not_in_future``: a date or timestamp column is not later than the run's time.

Added through the registry alone (issue #26): this module and its tests are the whole change.
A value fails when it is after the gate's current time (``GateContext.now``, default the
gate's start, UTC) plus an optional ``tolerance`` such as ``1 day`` or ``6h`` (for clocks
and time zones of the sender); nulls pass. A date counts from its midnight, so today's date
passes and tomorrow's fails. Timestamps without a zone are read in the session time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import field_validator

from lakehouse.config.rule_types.base import RuleBase, ident
from lakehouse.config.rule_types.registry import (
    GxContext,
    RowContext,
    RuleDoc,
    RuleType,
    register,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)\s*$",
                       re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class NotInFutureRule(RuleBase):
    """Non-null values of ``column`` (a date or timestamp) are not after the run's time."""

    rule: Literal["not_in_future"]
    column: str
    tolerance: str | None = None

    @field_validator("tolerance")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and not _DURATION.match(value):
            raise ValueError("expected a number and a unit, e.g. '1 day', '6h' or '30 minutes'")
        return value

    @property
    def tolerance_delta(self) -> timedelta:
        if self.tolerance is None:
            return timedelta(0)
        number, unit = _DURATION.match(self.tolerance).groups()  # type: ignore[union-attr]
        return timedelta(seconds=float(number) * _UNIT_SECONDS[unit[0].lower()])


def latest_allowed(rule: NotInFutureRule, now: datetime) -> str:
    """The latest value that passes, as a Spark SQL TIMESTAMP literal (UTC)."""
    limit = (now if now.tzinfo else now.replace(tzinfo=UTC)) + rule.tolerance_delta
    return f"TIMESTAMP '{limit.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}+00:00'"


def _violation(rule: NotInFutureRule, ctx: RowContext) -> str:
    return f"CAST({ident(rule.column)} AS TIMESTAMP) > {latest_allowed(rule, ctx.now)}"


def _describe(rule: NotInFutureRule) -> str:
    after = f"the run time + {rule.tolerance.strip()}" if rule.tolerance else "the run time"
    return f"{rule.column} is in the future (after {after})"


def _gx(rule: NotInFutureRule, gx: GxContext) -> list:
    sql = f"SELECT * FROM {{batch}} WHERE {_violation(rule, RowContext(now=gx.now))}"  # noqa: S608
    return [("UnexpectedRowsExpectation", {"unexpected_rows_query": sql})]


register(RuleType(
    name="not_in_future", spec=NotInFutureRule, position=75, gx_result="rows",
    describe=_describe, violation=_violation, expectations=_gx,
    doc=RuleDoc(keys="column, tolerance (`1 day`, `6h`)",
                fails="value is after the run's time (+ tolerance)",
                gx="UnexpectedRowsExpectation (`> now`)",
                example="{name: not_future, rule: not_in_future, column: dep_date, "
                        "tolerance: 1 day}")))
