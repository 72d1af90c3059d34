"""Row rules stated as SQL strings flag exactly the rows the former Column API flagged.

The oracle below is the Column-API code ``lakehouse/quality/rules.py`` had before the rule
type registry (issue #26); each case targets what changes meaning between the two: regex
backslashes and quotes in SQL string literals, identifiers with spaces or dots, ``in_set``
with mixed types, one-bound ``between``/``length``, numbers vs strings, SQL comments.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lakehouse.config.quality_spec import GateRules
from lakehouse.quality import GateContext, run_gate
from lakehouse.quality.rules import violation

pytestmark = pytest.mark.spark


def _former(rule):
    """The violation Column the Column-API engine built for ``rule`` (null-safe)."""
    from pyspark.sql import functions as F

    col = F.col(f"`{rule.column}`") if getattr(rule, "column", None) else None

    def outside(c, low, high):
        out = F.lit(False)
        if low is not None:
            out = out | (c < F.lit(low))
        if high is not None:
            out = out | (c > F.lit(high))
        return out

    expr = {
        "not_null": lambda: col.isNull(),
        "expression": lambda: ~F.coalesce(F.expr(rule.expr).cast("boolean"), F.lit(True)),
        "in_set": lambda: col.isNotNull() & ~col.isin(list(rule.values)),
        "between": lambda: col.isNotNull() & outside(col, rule.min, rule.max),
        "regex": lambda: col.isNotNull() & ~col.cast("string").rlike(rule.pattern),
        "length": lambda: col.isNotNull() & outside(F.length(col.cast("string")),
                                                    rule.min, rule.max),
    }[rule.rule]()
    return F.coalesce(expr, F.lit(False))


TEXT = ["123", "12a", "1234", " 123", "a\\b", "a\\\\b", "O'Hare", "50%", "a_b", "1", "2.5",
        "2", "", "é", None]

CASES = [
    # regex: backslash classes, a literal backslash, quotes, SQL LIKE characters
    ("s string", TEXT, {"rule": "regex", "column": "s", "pattern": r"^\d{3}$"}),
    ("s string", TEXT, {"rule": "regex", "column": "s", "pattern": r"^\w+\\\w+$"}),
    ("s string", TEXT, {"rule": "regex", "column": "s", "pattern": r"^[^\\]*$"}),
    ("s string", TEXT, {"rule": "regex", "column": "s", "pattern": r"O'H|\d%|a\_b|\u00e9"}),
    ("s string", TEXT, {"rule": "regex", "column": "s", "pattern": "\\s"}),
    ("n int", [1, 22, 333, None], {"rule": "regex", "column": "n", "pattern": r"^\d\d$"}),
    # identifiers with a space and a dot
    ("`flight no` string", TEXT, {"rule": "regex", "column": "flight no", "pattern": r"^\d+$"}),
    ("`a.b` int", [1, 5, None], {"rule": "between", "column": "a.b", "min": 2}),
    ("`flight no` string", TEXT, {"rule": "not_null", "column": "flight no"}),
    ("`flight no` string", TEXT, {"rule": "length", "column": "flight no", "max": 2}),
    # in_set: strings with quotes and backslashes, mixed numbers and strings
    ("s string", TEXT, {"rule": "in_set", "column": "s", "values": ["O'Hare", "a\\b", "50%"]}),
    ("s string", TEXT, {"rule": "in_set", "column": "s", "values": ["1", 2, 2.5]}),
    ("n int", [1, 2, 3, None], {"rule": "in_set", "column": "n", "values": [1, "2", 2.5]}),
    ("d double", [1.0, 2.5, 2.0, float("nan"), None],
     {"rule": "in_set", "column": "d", "values": [2, 2.5]}),
    ("n bigint", [1, 3_000_000_000, None],
     {"rule": "in_set", "column": "n", "values": [3_000_000_000]}),
    # between: one bound, float bounds, a string column against numeric bounds
    ("n int", [-5, 0, 5, 10, None], {"rule": "between", "column": "n", "min": 0}),
    ("n int", [-5, 0, 5, 10, None], {"rule": "between", "column": "n", "max": 5}),
    ("d double", [0.1, 0.25, 0.3, 1e20, None],
     {"rule": "between", "column": "d", "min": 0.25, "max": 1e19}),
    ("s string", TEXT, {"rule": "between", "column": "s", "min": 2, "max": 200}),
    # length: one bound
    ("s string", TEXT, {"rule": "length", "column": "s", "min": 3}),
    # expression: a trailing SQL comment, a null result
    ("n int", [-1, 0, 1, None], {"rule": "expression", "expr": "n > 0 -- positive"}),
    ("n int", [-1, 0, 1, None], {"rule": "expression", "expr": "n / 0 > 1 OR n = 1"}),
]


@pytest.mark.parametrize(("schema", "values", "spec"), CASES,
                         ids=[f"{s['rule']}-{i}" for i, (_, _, s) in enumerate(CASES)])
def test_sql_violation_equals_the_former_column_api(spark, schema, values, spec) -> None:
    rule = GateRules.model_validate([{"name": "r", **spec}]).raw_to_curated[0]
    df = spark.createDataFrame([(v,) for v in values], schema)
    new, new_error = _values(df, violation(rule, {}, now=datetime(2026, 12, 7, tzinfo=UTC)))
    old, old_error = _values(df, _former(rule))
    # Spark 4's ANSI mode raises where Spark 3.5 returned null (a malformed cast, a division
    # by zero): then both ways must raise the same error
    assert new_error == old_error
    assert new == old
    assert new_error or all(v is not None for v in new)   # null-safe


def _values(df, column) -> tuple[list | None, str | None]:
    try:
        return [r[0] for r in df.select(column).collect()], None
    except Exception as exc:  # the error class is what is compared
        error_class = getattr(exc, "getErrorClass", None)
        return None, error_class() if error_class else type(exc).__name__


def test_regex_with_backslashes_in_a_gate_on_a_column_with_a_space(spark) -> None:
    df = spark.createDataFrame([("123",), ("12a",), ("9\\9",), (None,)], "`flight no` string")
    rules = GateRules.model_validate([
        {"name": "three_digits", "rule": "regex", "column": "flight no", "pattern": r"^\d{3}$"}])
    out = run_gate(df, rules=rules, gate="raw_to_curated", dataset="t",
                   context=GateContext(cache=False))
    bad = sorted((r["flight no"], r["_reason"]) for r in out.quarantined.collect())
    assert bad == [("12a", "three_digits: flight no does not match /^\\d{3}$/"),
                   ("9\\9", "three_digits: flight no does not match /^\\d{3}$/")]
    assert out.passed.count() == 2   # the match and the null
