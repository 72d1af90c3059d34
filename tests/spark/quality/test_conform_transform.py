"""``conform`` as a pure DataFrame -> DataFrame function, compared with readable diffs
(``pyspark.testing.assertDataFrameEqual``): casts, null markers, derived columns, built-in
failures and the row as received."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.testing import assertDataFrameEqual

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import SchemaError
from lakehouse.sources.conform import (
    CONFORM_ERRORS,
    CONFORM_FAILED,
    RAW_STRUCT,
    conform,
    conform_flagged,
    with_errors,
)

pytestmark = pytest.mark.spark

DATASET = DatasetConfig.model_validate({
    "name": "trips", "source": {"format": "csv", "path": "trips", "null_values": ["NA"]},
    "schema": [
        {"name": "id", "type": "int", "nullable": False},
        {"name": "fare", "type": "double", "source": "Fare"},
        {"name": "day", "type": "date", "format": "dd.MM.yyyy"},
        {"name": "fare_x2", "type": "double", "expr": "fare * 2"},
    ],
    "primary_key": ["id"],
})
RAW = "id string, Fare string, day string, _source_file string"


def test_conform_casts_and_lists_built_in_failures(spark) -> None:
    raw = spark.createDataFrame([("1", "2.5", "03.01.2024", "f.csv"),
                                 ("517.0", "NA", "31.02.2024", "f.csv"),   # int as float; NA
                                 ("5.5", "x", "", "f.csv"),                # not an int, not a fare
                                 (None, "1", "01.01.2024", "f.csv")], RAW)  # id missing
    out = conform(raw, DATASET)
    expected = spark.createDataFrame([
        (1, 2.5, dt.date(2024, 1, 3), 5.0, "f.csv", ("1", "2.5", "03.01.2024"), []),
        (517, None, None, None, "f.csv", ("517.0", "NA", "31.02.2024"),
         ["type_castable:day"]),
        (None, None, None, None, "f.csv", ("5.5", "x", ""),
         ["type_castable:id", "type_castable:fare"]),
        (None, 1.0, dt.date(2024, 1, 1), 2.0, "f.csv", (None, "1", "01.01.2024"),
         ["not_null:id"]),
    ], f"id int, fare double, day date, fare_x2 double, _source_file string, "
       f"{RAW_STRUCT} struct<id:string,Fare:string,day:string>, {CONFORM_ERRORS} array<string>")
    assertDataFrameEqual(out, expected)


def test_flag_marks_exactly_the_rows_with_failed_rules(spark) -> None:
    """curate caches the flag and names the rules only for flagged rows: both must agree."""
    raw = spark.createDataFrame([("1", "2.5", "03.01.2024", "f.csv"),
                                 ("517.0", " NA ", "31.02.2024", "f.csv"),  # bad day only
                                 ("7", "x", "01.01.2024", "f.csv"),         # bad fare only
                                 ("", "1", "01.01.2024", "f.csv")], RAW)    # blank id
    flagged = conform_flagged(raw, DATASET)
    assert CONFORM_ERRORS not in flagged.columns
    rows = with_errors(flagged, DATASET).select("id", CONFORM_FAILED, CONFORM_ERRORS).collect()
    assert [(r[CONFORM_FAILED], r[CONFORM_ERRORS]) for r in rows] == [
        (False, []), (True, ["type_castable:day"]), (True, ["type_castable:fare"]),
        (True, ["not_null:id"])]


def test_integer_columns_take_whole_numbers_only(spark) -> None:
    """The plain integer parse first, the decimal parse for the rest: "1e3" and "517.0" are
    whole numbers; "1.0000001" is not (a six-digit decimal scale once rounded it to 1)."""
    raw = spark.createDataFrame([(v, "1", "01.01.2024", "f.csv") for v in (
        " 12 ", "+5", "1e3", "517.0", "1.0000001", "2147483648", "-0")], RAW)
    rows = with_errors(conform_flagged(raw, DATASET), DATASET) \
        .select("id", CONFORM_FAILED, CONFORM_ERRORS).collect()
    assert [(r["id"], r[CONFORM_FAILED]) for r in rows] == [
        (12, False), (5, False), (1000, False), (517, False), (None, True), (None, True),
        (0, False)]
    assert rows[4][CONFORM_ERRORS] == ["type_castable:id"]


def test_blank_values_are_missing_even_without_the_empty_marker(spark) -> None:
    """null_values without "": a blank string stays a string value (as received) but does not
    count as present, so a required column fails not_null and a number column is null."""
    dataset = DatasetConfig.model_validate({
        "name": "tags", "source": {"format": "csv", "path": "tags", "null_values": ["-"]},
        "schema": [{"name": "tag", "type": "string", "nullable": False},
                   {"name": "n", "type": "int"}],
        "primary_key": ["tag"],
    })
    raw = spark.createDataFrame([("a", " "), ("  ", "-"), ("-", "3")],
                                "tag string, n string")
    rows = conform(raw, dataset).select("tag", "n", CONFORM_ERRORS).collect()
    assert [tuple(r) for r in rows] == [
        ("a", None, []), ("  ", None, ["not_null:tag"]), (None, 3, ["not_null:tag"])]


def test_conform_names_a_missing_source_column(spark) -> None:
    raw = spark.createDataFrame([("1", "01.01.2024", "f.csv")],
                                "id string, day string, _source_file string")
    with pytest.raises(SchemaError, match="Fare"):
        conform(raw, DATASET)


def test_row_rules_flag_violations_null_safely(spark) -> None:
    """Each row rule as a DataFrame -> DataFrame step: one boolean per rule, never null."""
    from lakehouse.config.quality_spec import GateRules
    from lakehouse.quality.rules import violation

    rules = GateRules.model_validate([
        {"name": "fare_set", "rule": "not_null", "column": "fare"},
        {"name": "fare_range", "rule": "between", "column": "fare", "min": 0, "max": 100},
        {"name": "code_shape", "rule": "regex", "column": "code", "pattern": "^[A-Z]{3}$"},
        {"name": "id_unique", "rule": "unique", "column": "id"},
    ]).for_gate("raw_to_curated")
    df = spark.createDataFrame([(1, 5.0, "JFK"), (2, None, "jfk"), (2, 250.0, None)],
                               "id int, fare double, code string")
    flags = df.select("id", "fare", *[violation(r, {}).alias(r.name) for r in rules])
    expected = spark.createDataFrame(
        [(1, 5.0, False, False, False, False),
         (2, None, True, False, True, True),       # null fare: not_null only, range is null-safe
         (2, 250.0, False, True, False, True)],    # null code: regex passes (not_null's job)
        "id int, fare double, fare_set boolean, fare_range boolean, code_shape boolean, "
        "id_unique boolean")
    assertDataFrameEqual(flags, expected)
