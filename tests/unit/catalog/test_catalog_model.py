"""Names, Glue shapes, types and the filter-expression parser (no Spark, no backend)."""

from __future__ import annotations

import pytest

from lakehouse.catalog import Column, Database, Partition, Table, shapes
from lakehouse.catalog.expression import compile_filter, parse
from lakehouse.catalog.formats import (
    escape_partition_value,
    glue_type,
    partition_location,
    storage_for,
    table_parameters,
)
from lakehouse.catalog.names import check_entity_name, split_qualified
from lakehouse.errors import InvalidInputError


@pytest.mark.parametrize("name", ["flights_raw", "a", "x" * 255, "2013_data"])
def test_valid_names(name):
    assert check_entity_name(name) == name


@pytest.mark.parametrize(("name", "match"), [
    ("Flights", "use 'flights'"), ("a-b", "use 'a_b'"), ("", "non-empty"),
    ("x" * 256, "at most 255"), ("has space", "use 'has_space'"),
])
def test_invalid_names_explain(name, match):
    with pytest.raises(InvalidInputError, match=match):
        check_entity_name(name)


def test_split_qualified():
    assert split_qualified("flights_curated.flights") == ("flights_curated", "flights")
    with pytest.raises(InvalidInputError, match=r"DATABASE\.TABLE"):
        split_qualified("flights")


def test_table_shape_round_trip():
    table = Table("db", "t", storage_for("csv", "file:///lake/t", (Column("a", "int", "c"),)),
                  (Column("dt", "date"),), parameters=table_parameters("csv"), description="d")
    shape = shapes.table_input(table)
    assert shape["StorageDescriptor"]["Columns"] == [{"Name": "a", "Type": "int", "Comment": "c"}]
    assert shape["PartitionKeys"] == [{"Name": "dt", "Type": "date"}]
    assert shape["TableType"] == "EXTERNAL_TABLE"
    assert shape["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"] == ","
    back = shapes.table_from_glue(shapes.from_json(shapes.to_json(shape)), "db")
    assert back == table
    db = Database("db", "desc", "s3://b/", {"k": "v"})
    assert shapes.database_from_glue(shapes.database_input(db)) == db
    part = Partition("db", "t", ("2013-01-01",), table.storage)
    assert shapes.partition_from_glue(shapes.partition_input(part), "db", "t") == part


@pytest.mark.parametrize(("spark", "glue"), [
    ("integer", "int"), ("long", "bigint"), ("short", "smallint"), ("byte", "tinyint"),
    ("string", "string"), ("decimal(10,2)", "decimal(10,2)"), ("timestamp_ntz", "timestamp"),
    ("array<integer>", "array<int>"), ("map<string,long>", "map<string,bigint>"),
    ("struct<long:integer,b:array<long>>", "struct<long:int,b:array<bigint>>"),
    ("int", "int"), ("bigint", "bigint"),
])
def test_glue_type(spark, glue):
    assert glue_type(spark) == glue


def test_hive_partition_paths():
    assert escape_partition_value("2013-01-01 05:00:00") == "2013-01-01 05%3A00%3A00"
    assert escape_partition_value("") == "__HIVE_DEFAULT_PARTITION__"
    assert partition_location("s3://b/t/", ["dt", "o"], ["2013-01-01", "a/b"]) == \
        "s3://b/t/dt=2013-01-01/o=a%2Fb"


def test_delta_parameters_for_athena_and_spark():
    params = table_parameters("delta", partition_by=["flight_date"])
    assert params["table_type"] == "DELTA"
    assert params["spark.sql.sources.provider"] == "delta"
    assert params["EXTERNAL"] == "TRUE"


TYPES = {"dt": "date", "origin": "string", "hour": "int"}


@pytest.mark.parametrize(("expression", "values", "expected"), [
    ("hour > 9", {"hour": "10"}, True),
    ("hour > 9", {"hour": "9"}, False),
    ("origin = 'it''s'", {"origin": "it's"}, True),
    ("origin NOT IN ('JFK','LGA')", {"origin": "EWR"}, True),
    ("hour NOT BETWEEN 1 AND 5", {"hour": "3"}, False),
    ("origin NOT LIKE 'J%'", {"origin": "LGA"}, True),
    ("origin <> 'JFK'", {"origin": "JFK"}, False),
    ("NOT origin = 'JFK'", {"origin": "JFK"}, False),
    ("NOT (hour > 5 OR origin = 'X')", {"hour": "3"}, True),
    ("dt >= '2013-01-01' and dt < '2013-02-01'", {"dt": "2013-01-31"}, True),
    ("origin LIKE 'a.c'", {"origin": "abc"}, False),      # '.' is literal, not a regex
])
def test_expression_evaluates(expression, values, expected):
    full = {"dt": "2013-01-01", "origin": "JFK", "hour": "1", **values}
    assert compile_filter(expression, TYPES).evaluate(full, TYPES) is expected


def test_expression_precedence_and_over_or():
    expr = parse("a = '1' OR a = '2' AND b = '3'")
    types = {"a": "string", "b": "string"}
    assert expr.evaluate({"a": "1", "b": "x"}, types) is True
    assert expr.evaluate({"a": "2", "b": "x"}, types) is False


@pytest.mark.parametrize(("expression", "match"), [
    ("", "empty"), ("hour >", "expected a quoted string"), ("hour ~ 1", "unexpected character"),
    ("nope = 1", "unknown partition key"), ("hour LIKE '1%'", "string keys only"),
    ("dt = 'yesterday'", "not a valid date"), ("hour IN (1, 2", "expected"),
    ("NOT", "expected ident"), ("origin != 'JFK'", "unexpected character"),
])
def test_expression_errors(expression, match):
    with pytest.raises(InvalidInputError, match=match):
        compile_filter(expression, TYPES)


def test_long_comments_and_descriptions_are_clipped_to_glue_limits():
    table = Table("db", "t", storage_for("parquet", "s3://b/t", (Column("a", "int", "x" * 300),)),
                  description="d" * 3000)
    shape = shapes.table_input(table)
    assert len(shape["StorageDescriptor"]["Columns"][0]["Comment"]) == 255
    assert shape["StorageDescriptor"]["Columns"][0]["Comment"].endswith("...")
    assert len(shape["Description"]) == 2048


def test_expression_module_docstring_example_runs():
    import doctest

    import lakehouse.catalog.expression as module

    assert doctest.testmod(module).failed == 0
