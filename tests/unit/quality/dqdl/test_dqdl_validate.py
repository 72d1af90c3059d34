"""Validation of a parsed ruleset against the demo's flights contract: each problem with its place."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lakehouse.config.models import DatasetConfig
from lakehouse.errors import ConfigError
from lakehouse.quality.dqdl import parse
from lakehouse.quality.dqdl.validate import check, validate

REPO = Path(__file__).resolve().parents[4]
DATASETS = ["airports", "flights", "planes", "weather"]


@pytest.fixture(scope="module")
def flights() -> DatasetConfig:
    return DatasetConfig.model_validate(yaml.safe_load((REPO / "conf/datasets/flights.yaml").read_text()))


GOOD = """\
Rules = [
    IsComplete "carrier",
    ColumnValues "origin" in ["EWR", "JFK", "LGA"],
    ColumnValues "month" between 0 and 13 where "year = 2013" with threshold > 0.99,
    ReferentialIntegrity "dest" "airports.{faa}" >= 0.9,
    IsPrimaryKey "year" "month" "day" "carrier" "flight" "origin" "sched_dep_time",
    DataFreshness "time_hour" <= 400 days,
    (Mean "distance" > 100) or (RowCount < 10),
    RowCount > avg(last(10)) * 0.8,
    AggregateMatch "sum(distance)" "sum(flights.distance)" = 1.0,
    DatasetMatch "flights" "year,month,day,carrier,flight" "dep_time,arr_time" >= 0.9
]
Analyzers = [ Completeness "tailnum", ColumnLength "tailnum" ]
"""


def test_a_sound_ruleset_has_no_problem(flights: DatasetConfig) -> None:
    assert validate(parse(GOOD), columns=flights.columns, datasets=DATASETS) == []
    assert check(parse(GOOD), columns=flights.columns, datasets=DATASETS) == []


BAD = """\
Rules = [
    IsComplete "carier",
    ColumnValues "orign" in ["EWR", "JFK"],
    ReferentialIntegrity "dest" "airport.{faa}" >= 0.9,
    Mean "distance" > 0 with threshold > 0.5,
    IsUnique "flight" > 3,
    DataFreshness "time_hour" <= 3,
    ColumnValues "dep_time" > now() - 3 days,
    Completness "tailnum" > 0.9,
    RowCount "flight" > 0,
    ColumnNamesMatchPattern "[a-z_]*" where "year = 2013",
    ColumnDataType "dep_time" = "Varchar",
    RowCount > last(5),
    RowCount > average(last(5)),
    FileMatch "s3://b/x" in ["ab"] with hashAlgorithm = "CRC32",
    FileSize > 1 MB with uriRegex = "\\\\.csv$" with filterOrder = ["recentFiles"],
    CustomSql $undefined between 1 and 2,
    AllStatistics "distance",
    DetectAnomalies "Completeness" "tailnom"
]
"""

EXPECTED = [  # (line, kind, words of the message)
    (2, "unknown_column", "column 'carier' is not declared by the dataset (did you mean 'carrier'?)"),
    (3, "unknown_column", "column 'orign' is not declared by the dataset (did you mean 'origin'?)"),
    (4, "unsupported", "reference 'airport' names no dataset of the lake (did you mean 'airports'?)"),
    (5, "invalid", "Mean does not take `with threshold`"),
    (6, "invalid", "IsUnique is true or false by itself and takes no condition"),
    (7, "invalid", "DataFreshness compares duration values, got a number condition"),
    (8, "not_glue", "write (now() - 3 days): Glue's parser only accepts a shifted now() in parentheses"),
    (9, "unknown_rule_type", "unknown rule type 'Completness' (did you mean 'Completeness'?)"),
    (10, "invalid", "RowCount takes 0 parameter(s) (no parameters), got 1"),
    (11, "invalid", "ColumnNamesMatchPattern does not take a where clause"),
    (12, "invalid", "ColumnDataType checks one of"),
    (13, "invalid", "last(5) is a list of past values; reduce it, e.g. avg(last(5))"),
    (14, "invalid", "unknown function average()"),
    (15, "invalid", "hashAlgorithm is one of MD5, SHA-1, SHA-256"),
    (16, "invalid", "filterOrder names 'recentFiles', which is not a filter tag (recentFiles, uriRegex)"
                    " of this rule"),
    (17, "invalid", "$undefined is not defined"),
    (18, "invalid", "AllStatistics is an analyzer only; move it to Analyzers = [ ... ]"),
    (19, "unknown_column", "column 'tailnom' is not declared by the dataset (did you mean 'tailnum'?)"),
    (19, "approximate", "DetectAnomalies is evaluated approximately: Glue's anomaly model is not published"),
]


def test_each_problem_names_its_line_column_and_cause(flights: DatasetConfig) -> None:
    problems = validate(parse(BAD), columns=flights.columns, datasets=DATASETS)
    got = [(p.pos.line, p.kind, p.message) for p in problems]  # type: ignore[union-attr]
    assert len(got) == len(EXPECTED), "\n".join(map(str, problems))
    for (line, kind, message), (want_line, want_kind, words) in zip(got, EXPECTED, strict=True):
        assert (line, kind) == (want_line, want_kind) and words in message, (line, kind, message)
    assert all(p.pos.column == 5 for p in problems)  # type: ignore[union-attr]
    assert str(problems[0]).startswith("line 2, column 5: column 'carier' is not declared")
    assert str(problems[0]).endswith('[IsComplete "carier"]')


def test_check_raises_one_config_error_listing_every_error_but_not_the_warnings(flights) -> None:
    with pytest.raises(ConfigError) as err:
        check(parse(BAD), file="conf/datasets/flights.dqdl", columns=flights.columns, datasets=DATASETS)
    assert err.value.file == "conf/datasets/flights.dqdl" and err.value.exit_code == 2
    assert len(err.value.problems) == len(EXPECTED) - 1
    assert not any("approximately" in p for p in err.value.problems)
    warnings = check(parse('Rules = [ DetectAnomalies "RowCount" ]'), columns=flights.columns)
    assert [w.kind for w in warnings] == ["approximate"]


def test_columns_come_as_a_mapping_names_or_column_specs(flights: DatasetConfig) -> None:
    ruleset = parse('Rules = [ IsComplete "a", IsUnique "b" "a", Uniqueness "a,c" > 0.5 ]')
    assert [p.message for p in validate(ruleset, columns={"a": "int", "b": "string"})] == [
        "column 'c' is not declared by the dataset"]
    assert len(validate(ruleset, columns=["a"])) == 2
    assert validate(ruleset) == []  # no columns given: no column checks


def test_constants_and_word_parameters_are_resolved_for_column_checks() -> None:
    ruleset = parse('col = "dest"\nRules = [ IsComplete $col, IsComplete dest, IsComplete origin ]')
    problems = validate(ruleset, columns=["dest"])
    assert [(p.pos.line, p.message) for p in problems] == [  # type: ignore[union-attr]
        (2, "column 'origin' is not declared by the dataset")]


def test_composite_members_and_labels_are_checked() -> None:
    many = ", ".join(f'"k{i}"="v"' for i in range(11))
    ruleset = parse(f'Rules = [ ((IsComplete "x") or (Mean "y" > "1")) labels=[{many}] ]')
    messages = [p.message for p in validate(ruleset, columns=["x", "y"])]
    assert messages == ["11 labels; a rule has at most 10",
                        "Mean compares number values, got a string condition (> 0.9 for instance)"]


def test_regexes_are_checked_but_java_only_escapes_are_left_to_glue() -> None:
    ruleset = parse('Rules = [ ColumnValues "a" matches "\\p{Alpha}+", ColumnValues "a" matches "[a-",'
                    ' ColumnNamesMatchPattern "(x" ]')
    assert [(p.pos.column, p.message.split(":")[0]) for p in validate(ruleset)] == [  # type: ignore[union-attr]
        (50, "'[a-' is not a valid regular expression"),
        (82, "'(x' is not a valid regular expression")]


def test_declared_column_types_are_checked_where_a_page_names_them(flights: DatasetConfig) -> None:
    ruleset = parse("Rules = [\n" + ",\n".join([
        'Mean "carrier" > 1', 'ColumnLength "distance" < 5', 'DataFreshness "dest" <= 2 days',
        'ColumnCorrelation "dep_delay" "arr_delay" > 0.5', 'DataFreshness "time_hour" <= 2 days',
        'Mean "dep_delay" > 0', 'IsComplete "carrier"']) + "\n]")
    assert [p.message for p in validate(ruleset, columns=flights.columns)] == [
        "Mean needs a numeric column; 'carrier' is string",
        "ColumnLength needs a string column; 'distance' is double",
        "DataFreshness needs a date column; 'dest' is string"]
    assert validate(ruleset, columns=[c.name for c in flights.columns]) == []  # no types, no check
