"""A table written by one Delta path reads identically through the other and through delta-rs."""

from __future__ import annotations

import datetime as dt

import pytest

from lakehouse.tables import open_table

pytestmark = pytest.mark.spark

D1, D2 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)
SCHEMA = "id long, name string, day date"


def _sorted(rows) -> list[dict]:
    return sorted((dict(r) for r in rows), key=lambda r: r["id"])


@pytest.mark.parametrize(("writer", "reader"), [("portable", "native"), ("native", "portable")])
def test_each_path_reads_the_others_tables(spark, tmp_path, writer, reader, delta_reader):
    from lakehouse.spark.delta import delta_support

    if not delta_support(spark).available:
        pytest.skip(f"native backend: {delta_support(spark).reason}")
    t = open_table(spark, str(tmp_path / "t"), backend=writer)
    t.append(spark.createDataFrame([(1, "a", D1), (2, "b", D2)], SCHEMA), partition_by=["day"])
    t.merge(spark.createDataFrame([(2, "b2", D2), (3, "c", D1)], SCHEMA), keys=["id"],
            order_by=["name"])
    wider = spark.createDataFrame([(4, "d", D2, 9)], SCHEMA + ", score int")
    t.append(wider, schema_mode="merge")

    other = open_table(spark, t.uri, backend=reader)
    mine = _sorted(r.asDict() for r in t.read().collect())
    theirs = _sorted(r.asDict() for r in other.read().collect())
    independent = delta_reader(t.uri)
    assert mine == theirs == independent
    assert [r["id"] for r in mine] == [1, 2, 3, 4] and mine[3]["score"] == 9
    assert other.version() == t.version() >= 2  # portable evolves the schema in its own commit
    assert _sorted(r.asDict() for r in other.read(version=0).collect()) == [
        {"id": 1, "name": "a", "day": D1}, {"id": 2, "name": "b", "day": D2}]
