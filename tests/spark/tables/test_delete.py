"""``delete(predicate)`` on every backend: only the matching rows go, only the files holding
them are rewritten, one commit; checked through the store and the independent delta-rs reader."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lakehouse.errors import SchemaError
from lakehouse.storage.uri import local_path

pytestmark = pytest.mark.spark

SCHEMA = "id long, name string, day date"
D1, D2, D3 = dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)


def _table(spark, make_table):
    t = make_table()
    rows = [(1, "a", D1), (2, "b", D1), (3, "c", D2), (4, None, D2), (5, "e", D3)]
    t.append(spark.createDataFrame(rows, SCHEMA), partition_by=["day"])
    return t


def _last_commit(uri: str) -> dict:
    log = sorted((local_path(uri) / "_delta_log").glob("*.json"))[-1]
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_delete_removes_matching_rows_in_one_commit(spark, make_table, delta_reader):
    t = _table(spark, make_table)
    before = t.version()
    result = t.delete("id IN (2, 3)")
    assert result.committed and result.operation == "DELETE"
    assert result.version == before + 1 == t.version()
    assert result.rows_deleted == 2
    # only the files of the two partitions holding a match are rewritten (D3's is untouched)
    assert result.files_removed == 2 and result.files_added == 2
    assert [r["id"] for r in delta_reader(t.uri)] == [1, 4, 5]
    assert sorted(r.id for r in t.read().collect()) == [1, 4, 5]
    removed = [a["remove"]["path"] for a in _last_commit(t.uri) if "remove" in a]
    assert all("2024-01-03" not in p for p in removed)


def test_delete_null_predicate_keeps_row_and_no_match_commits_nothing(spark, make_table,
                                                                     delta_reader):
    t = _table(spark, make_table)
    before = t.version()
    nothing = t.delete("id = 99")
    assert (nothing.committed, nothing.version, nothing.rows_deleted) == (False, before, 0)
    # name = 'x' is null for id 4 (null name): the row stays, as with SQL WHERE
    t.delete("name <> 'x' AND id > 3")
    assert [r["id"] for r in delta_reader(t.uri)] == [1, 2, 3, 4]


def test_delete_partition_and_history(spark, make_table, delta_reader):
    t = _table(spark, make_table)
    result = t.delete("day = DATE'2024-01-01'")
    assert result.rows_deleted == 2
    assert [r["id"] for r in delta_reader(t.uri)] == [3, 4, 5]
    assert t.history(limit=1)[0].operation == "DELETE"
    # earlier versions still time-travel until a vacuum
    assert len(delta_reader(t.uri, version=result.version - 1)) == 5


def test_delete_names_unknown_columns(spark, make_table):
    t = _table(spark, make_table)
    with pytest.raises(SchemaError, match=r"unknown column\(s\) \['customer', 'nme'\]") as err:
        t.delete("customer = 42 OR nme = 'a'")
    assert "id, name, day" in str(err.value)
    assert t.version() == 0


def test_portable_delete_keeps_predicate_out_of_the_log(spark, tmp_path):
    from lakehouse.tables import open_table

    t = open_table(spark, str(tmp_path / "p"), backend="portable")
    t.append(spark.createDataFrame([(1, "alice", D1), (2, "bob", D1)], SCHEMA))
    t.delete("name = 'alice'")
    text = json.dumps(_last_commit(t.uri))
    assert "alice" not in text and "predicate_sha256" in text
