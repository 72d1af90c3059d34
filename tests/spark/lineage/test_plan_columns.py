"""Column lineage read from Spark's analyzed plan (the export stage's OpenLineage facet)."""

from __future__ import annotations

import pytest

from lakehouse.spark.plan import analyzed_plan
from lakehouse.spark.plan_columns import column_lineage

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def views(spark):
    flights = spark.createDataFrame([(1, "UA", "JFK", 5.0, 10)],
                                    "id long, carrier string, origin string, delay double, hour int")
    flights.filter("delay IS NOT NULL").withColumnRenamed("delay", "dep_delay") \
        .createOrReplaceTempView("flights")  # a view over a plan of its own: traced to the view
    spark.createDataFrame([("JFK", 10, 3.5)], "origin string, hour int, temp double") \
        .createOrReplaceTempView("weather")
    yield
    for name in ("flights", "weather"):
        spark.catalog.dropTempView(name)


def lineage(spark, sql):
    return column_lineage(*analyzed_plan(spark.sql(sql)))


def test_select_join_rename_and_expressions(spark, views) -> None:
    got = lineage(spark, """
        SELECT f.carrier, f.carrier AS airline, concat_ws('-', f.id, f.origin) AS flight_id,
               w.temp * 1.8 + 32 AS temp_f, f.dep_delay > 15 AS delayed, 1 AS one
        FROM flights f LEFT JOIN weather w ON w.origin = f.origin AND w.hour = f.hour
        WHERE f.dep_delay IS NOT NULL ORDER BY flight_id""")
    assert got == {
        "carrier": [("flights", "carrier", "IDENTITY")],
        "airline": [("flights", "carrier", "IDENTITY")],
        "flight_id": [("flights", "id", "TRANSFORMATION"), ("flights", "origin", "TRANSFORMATION")],
        "temp_f": [("weather", "temp", "TRANSFORMATION")],
        "delayed": [("flights", "dep_delay", "TRANSFORMATION")],
        "one": [],  # a constant has no input column
    }


def test_aggregates_subqueries_and_unions(spark, views) -> None:
    got = lineage(spark, """
        SELECT origin, avg(d) AS mean_delay, count(*) AS n
        FROM (SELECT origin, dep_delay AS d FROM flights) GROUP BY origin""")
    assert got == {"origin": [("flights", "origin", "IDENTITY")],
                   "mean_delay": [("flights", "dep_delay", "AGGREGATION")], "n": []}
    union = lineage(spark, "SELECT origin AS airport FROM flights UNION ALL SELECT origin FROM weather")
    assert union == {"airport": [("flights", "origin", "IDENTITY"), ("weather", "origin", "IDENTITY")]}
