"""One conformance suite for every Delta backend (portable everywhere, native where JARs exist).

Each test checks the result twice: through the store's own read, and through the
independent delta-rs reader of the Delta log.
"""

from __future__ import annotations

import datetime as dt

import pytest
from deltalake import DeltaTable

from lakehouse.errors import SchemaError, TableError
from lakehouse.storage.uri import local_path

pytestmark = pytest.mark.spark

SCHEMA = "id long, name string, ts timestamp, day date"


def _rows(df, sort="id"):
    return sorted((r.asDict() for r in df.collect()), key=lambda r: (r[sort] is None, r[sort]))


def _df(spark, rows, schema=SCHEMA):
    return spark.createDataFrame(rows, schema)


def T(h: int) -> dt.datetime:
    return dt.datetime(2024, 1, 1, h)


D1, D2, D3 = dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)


def test_missing_table_reports_absent(make_table):
    t = make_table()
    assert not t.exists()
    assert t.version() is None
    with pytest.raises(TableError, match="does not exist"):
        t.read()


def test_create_empty_table_reads_empty_with_schema(spark, make_table, delta_reader):
    t = make_table()
    schema = _df(spark, [], SCHEMA).schema
    result = t.create(schema, partition_by=["day"])
    assert result.committed and result.version == 0
    df = t.read()
    assert df.count() == 0
    assert [f.name for f in df.schema.fields] == ["id", "name", "ts", "day"]
    assert t.schema().simpleString() == schema.simpleString()
    assert delta_reader(t.uri) == []
    assert t.create(schema, partition_by=["day"]).committed is False


def test_append_creates_and_appends(spark, make_table, delta_reader):
    t = make_table()
    r0 = t.append(_df(spark, [(1, "a", T(1), D1), (2, "b", T(2), D2)]), partition_by=["day"])
    r1 = t.append(_df(spark, [(3, "c", T(3), D1)]))
    assert (r0.version, r0.committed, r0.rows_written) == (0, True, 2)
    assert (r1.version, r1.rows_written) == (1, 1)
    assert t.version() == 1
    got = _rows(t.read())
    assert [r["id"] for r in got] == [1, 2, 3]
    assert got[0] == {"id": 1, "name": "a", "ts": T(1), "day": D1}
    assert [r["id"] for r in delta_reader(t.uri)] == [1, 2, 3]
    assert delta_reader(t.uri)[1]["day"] == D2


def test_idempotent_append_commits_once(spark, make_table, delta_reader):
    t = make_table()
    df = _df(spark, [(1, "a", T(1), D1)])
    first = t.append(df, idempotency_key="run-1/file-a")
    retry = t.append(df, idempotency_key="run-1/file-a")
    other = t.append(df, idempotency_key="run-1/file-b")
    assert first.committed and not retry.committed and other.committed
    assert retry.version == first.version == 0
    assert other.version == 1
    assert len(delta_reader(t.uri)) == 2


def test_schema_check_names_problem_columns(spark, make_table):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]))
    with pytest.raises(SchemaError) as err:
        t.append(spark.createDataFrame([(1, 2, "x")], "id long, name int, extra string"))
    text = str(err.value)
    assert "missing columns ['ts', 'day']" in text
    assert "extra columns ['extra']" in text
    assert "name: table has string, data has int" in text
    assert t.version() == 0


def test_schema_merge_adds_columns(spark, make_table, delta_reader):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]))
    wider = spark.createDataFrame([(2, "b", T(2), D2, 7)], SCHEMA + ", score int")
    t.append(wider, schema_mode="merge")
    assert "score" in t.schema().fieldNames()
    got = _rows(t.read())
    assert [(r["id"], r["score"]) for r in got] == [(1, None), (2, 7)]
    assert [r["score"] for r in delta_reader(t.uri)] == [None, 7]


def test_column_order_and_case_are_aligned(spark, make_table):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]))
    t.append(spark.createDataFrame([(D2, T(2), "b", 2)], "DAY date, ts timestamp, name string, id long"))
    assert [(r["id"], r["day"]) for r in _rows(t.read())] == [(1, D1), (2, D2)]


def test_overwrite_replaces_everything(spark, make_table, delta_reader):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1), (2, "b", T(2), D2)]), partition_by=["day"])
    r = t.overwrite(_df(spark, [(9, "z", T(9), D3)]))
    assert r.committed and r.files_removed == 2 and r.version == 1
    assert [r["id"] for r in _rows(t.read())] == [9]
    assert [r["id"] for r in delta_reader(t.uri)] == [9]
    assert [r["id"] for r in _rows(t.read(version=0))] == [1, 2]


def test_partition_overwrite_dynamic_and_replace_where(spark, make_table, delta_reader):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1), (2, "b", T(2), D2), (3, "c", T(3), D3)]),
             partition_by=["day"])
    t.overwrite(_df(spark, [(20, "b2", T(4), D2)]), dynamic_partitions=True)
    assert [r["id"] for r in _rows(t.read())] == [1, 3, 20]
    t.overwrite(_df(spark, [(30, "c2", T(5), D3)]), replace_where="day >= DATE'2024-01-03'")
    assert [r["id"] for r in delta_reader(t.uri)] == [1, 20, 30]
    with pytest.raises(TableError, match="outside replace_where"):
        t.overwrite(_df(spark, [(40, "x", T(5), D1)]), replace_where="day = DATE'2024-01-03'")


def test_merge_latest_wins_and_counts(spark, make_table, delta_reader):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(5), D1), (2, "b", T(5), D1)]), partition_by=["day"])
    batch = _df(spark, [
        (1, "a-old", T(1), D1),                      # older than existing: ignored
        (2, "b-new", T(6), D1), (2, "b-mid", T(5), D1),  # dup key: latest kept, equal wins
        (3, "c", T(2), D2), (3, "c-new", T(3), D2),      # new key with a duplicate
    ])
    r = t.merge(batch, keys=["id"], order_by=["ts"])
    # deduplicated: b-mid and c (older in the batch) + a-old (older than the table's row)
    assert (r.rows_inserted, r.rows_updated, r.rows_deduplicated) == (1, 1, 3)
    assert r.committed and r.version == 1
    want = [(1, "a"), (2, "b-new"), (3, "c-new")]
    assert [(r["id"], r["name"]) for r in _rows(t.read())] == want
    assert [(r["id"], r["name"]) for r in delta_reader(t.uri)] == want


def test_merge_rejects_null_keys_and_commits_nothing(spark, make_table, delta_reader):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]))
    with pytest.raises(SchemaError, match=r"merge keys must not be null: id is null in 2 row"):
        t.merge(_df(spark, [(None, "x", T(2), D1), (None, "y", T(2), D1), (3, "c", T(2), D1)]),
                keys=["id"], order_by=["ts"])
    assert t.version() == 0
    assert [r["id"] for r in delta_reader(t.uri)] == [1]


def test_merge_equal_order_updates_and_delete_flag(spark, make_table, delta_reader):
    t = make_table()
    t.merge(_df(spark, [(1, "a", T(1), D1), (2, "b", T(1), D1)]), keys=["id"], order_by=["ts"])
    batch = spark.createDataFrame([(1, "a2", T(1), D1, False), (2, "b", T(2), D1, True)],
                                  SCHEMA + ", _deleted boolean")
    r = t.merge(batch, keys=["id"], order_by=["ts"], delete_flag="_deleted")
    assert (r.rows_updated, r.rows_deleted, r.rows_inserted) == (1, 1, 0)
    assert [(r["id"], r["name"]) for r in delta_reader(t.uri)] == [(1, "a2")]
    assert "_deleted" not in t.schema().fieldNames()


def test_merge_idempotency_key(spark, make_table):
    t = make_table()
    batch = _df(spark, [(1, "a", T(1), D1)])
    assert t.merge(batch, keys=["id"], order_by=["ts"], idempotency_key="m1").committed
    again = t.merge(batch, keys=["id"], order_by=["ts"], idempotency_key="m1")
    assert not again.committed and again.version == 0


def test_merge_rewrites_only_touched_partitions(spark, make_table):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1), (2, "b", T(1), D2)]), partition_by=["day"])
    r = t.merge(_df(spark, [(2, "b2", T(2), D2)]), keys=["day", "id"], order_by=["ts"])
    assert r.files_removed == 1 and r.rows_updated == 1
    assert [(r["id"], r["name"]) for r in _rows(t.read())] == [(1, "a"), (2, "b2")]


def test_merge_partitions_follow_key_reads_only_the_batch_partitions(spark, make_table,
                                                                     delta_reader):
    t = make_table()
    # id 2 sits in D3 too, breaking the promise that a key's partition never changes: the
    # pruned merge must not see that row (it reads D1, D2 and the null partition only)
    t.append(_df(spark, [(1, "a", T(1), D1), (2, "b", T(1), D2), (2, "stray", T(1), D3),
                         (4, "n", T(1), None)]), partition_by=["day"])
    batch = _df(spark, [(2, "b2", T(2), D2), (3, "c", T(2), D1), (4, "n2", T(2), None)])
    r = t.merge(batch, keys=["id"], order_by=["ts"], partitions_follow_key=True)
    assert (r.rows_inserted, r.rows_updated) == (1, 2)
    want = [(1, "a", D1), (2, "b2", D2), (2, "stray", D3), (3, "c", D1), (4, "n2", None)]
    got = sorted(((r["id"], r["name"], r["day"]) for r in delta_reader(t.uri)),
                 key=lambda x: (x[0], x[1]))
    assert got == want
    assert sorted((r["id"], r["name"], r["day"]) for r in t.read().collect()) == [
        (1, "a", D1), (2, "b2", D2), (2, "stray", D3), (3, "c", D1), (4, "n2", None)]
    # without the promise every file is a candidate: the stray row's key matches as well
    u = make_table("u")
    u.append(_df(spark, [(2, "b", T(1), D2), (2, "stray", T(1), D3)]), partition_by=["day"])
    u.merge(_df(spark, [(2, "b2", T(2), D2)]), keys=["id"], order_by=["ts"])
    assert "stray" not in {r["name"] for r in delta_reader(u.uri)}


@pytest.mark.parametrize("value", ["plain", "with space", "a/b", "k=v", "50%", "100%25",
                                   "ünïcødé 東京", "*?[x]{y}", None])
def test_partition_values_roundtrip(spark, make_table, delta_reader, value):
    t = make_table()
    t.append(spark.createDataFrame([(1, value), (2, "other")], "id long, p string"),
             partition_by=["p"])
    assert [r["p"] for r in _rows(t.read())] == [value, "other"]
    assert [r["p"] for r in delta_reader(t.uri)] == [value, "other"]
    r = t.merge(spark.createDataFrame([(1, value, 5)], "id long, p string, o int").drop("o"),
                keys=["id"], order_by=["id"])
    assert r.rows_updated == 1
    assert [r["p"] for r in delta_reader(t.uri)] == [value, "other"]


def test_time_travel_and_history(spark, make_table):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]))
    t.append(_df(spark, [(2, "b", T(2), D1)]), idempotency_key="k")
    t.merge(_df(spark, [(1, "a2", T(3), D1)]), keys=["id"], order_by=["ts"])
    assert [r["id"] for r in _rows(t.read(version=0))] == [1]
    assert [r["name"] for r in _rows(t.read(version=1))] == ["a", "b"]
    hist = t.history()
    assert [h.version for h in hist] == [2, 1, 0]
    assert hist[0].operation == "MERGE"
    assert hist[0].metrics["numTargetRowsUpdated"] == 1
    assert hist[0].metrics["numTargetRowsInserted"] == 0
    assert hist[1].operation == "APPEND"
    assert t.history(limit=1)[0].version == 2
    ts = hist[1].timestamp
    assert [r["id"] for r in _rows(t.read(timestamp=ts))] == [1, 2]


def test_read_appended_since_version(spark, make_table):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]), partition_by=["day"])
    t.append(_df(spark, [(2, "b", T(2), D2)]))
    t.append(_df(spark, [(3, "c", T(3), D1)]))
    assert [r["id"] for r in _rows(t.read_appended(since_version=0))] == [2, 3]
    assert [r["id"] for r in _rows(t.read_appended(since_version=None))] == [1, 2, 3]
    got = _rows(t.read_appended(since_version=1))
    assert got == [{"id": 3, "name": "c", "ts": T(3), "day": D1}]
    assert t.read_appended(since_version=2).count() == 0


def test_optimize_compacts_without_changing_data(spark, make_table, delta_reader):
    t = make_table()
    for i in range(4):
        t.append(_df(spark, [(i, f"n{i}", T(i), D1 if i % 2 else D2)]), partition_by=["day"])
    before = delta_reader(t.uri)
    r = t.optimize()
    assert r.committed and r.files_removed == 4 and r.files_added == 2
    assert delta_reader(t.uri) == before
    assert _rows(t.read()) == _rows(t.read(version=3))
    assert not t.optimize().committed


def test_vacuum_removes_unreferenced_files_only(spark, make_table):
    t = make_table()
    t.append(_df(spark, [(1, "a", T(1), D1)]))
    t.overwrite(_df(spark, [(2, "b", T(2), D1)]))
    assert t.vacuum(retention_hours=168) == []
    doomed = t.vacuum(retention_hours=0, dry_run=True)
    # The file the overwrite removed is doomed, no live file is. (delta-spark also writes an
    # empty, never-committed file per empty task partition: vacuum rightly removes those too.)
    live = {f.rsplit("/", 1)[-1] for f in DeltaTable(local_path(t.uri)).file_uris()}
    overwritten = {f.rsplit("/", 1)[-1] for f in DeltaTable(local_path(t.uri), version=0).file_uris()}
    names = {f.rsplit("/", 1)[-1] for f in doomed}
    assert overwritten <= names and not names & live
    if t.backend == "portable":
        assert names == overwritten
    assert sorted(t.vacuum(retention_hours=0)) == sorted(doomed)
    assert t.vacuum(retention_hours=0, dry_run=True) == []
    assert [r["id"] for r in _rows(t.read())] == [2]


def test_empty_appends(spark, make_table, delta_reader):
    t = make_table()
    empty = _df(spark, [])
    assert t.append(empty, partition_by=["day"]).version == 0
    assert t.read().count() == 0 and t.schema().fieldNames() == ["id", "name", "ts", "day"]
    r = t.append(empty, idempotency_key="empty-1")
    assert r.committed and r.rows_written == 0
    assert not t.append(empty, idempotency_key="empty-1").committed
    assert delta_reader(t.uri) == []


def test_typed_partition_columns(spark, make_table, delta_reader):
    t = make_table()
    rows = [(1, "a", T(1), D1, 7, True), (2, "b", T(2), D2, None, False)]
    t.append(spark.createDataFrame(rows, SCHEMA + ", hour int, flag boolean"),
             partition_by=["day", "hour", "ts", "flag"])
    got = _rows(t.read())
    assert [(r["day"], r["hour"], r["ts"], r["flag"]) for r in got] == [
        (D1, 7, T(1), True), (D2, None, T(2), False)]
    indep = delta_reader(t.uri)
    assert [(r["day"], r["hour"], r["flag"]) for r in indep] == [(D1, 7, True), (D2, None, False)]
    assert [r["ts"].replace(tzinfo=None) for r in indep] == [T(1), T(2)]
    t.overwrite(spark.createDataFrame([(3, "c", T(2), D2, None, False)],
                                      SCHEMA + ", hour int, flag boolean"), dynamic_partitions=True)
    assert [r["id"] for r in _rows(t.read())] == [1, 3]


def test_open_table_backend_choice(spark, tmp_path):
    from lakehouse.spark.delta import delta_support
    from lakehouse.tables import open_table

    if delta_support(spark).available:  # the fallback is tested in test_offline_fallback.py
        assert open_table(spark, str(tmp_path / "x")).backend == "native"
        return
    assert open_table(spark, str(tmp_path / "x")).backend == "portable"
    with pytest.raises(TableError, match="Delta JVM classes not on the classpath"):
        open_table(spark, str(tmp_path / "x"), backend="native")


def test_merge_with_schema_evolution(spark, make_table, delta_reader):
    t = make_table()
    t.merge(_df(spark, [(1, "a", T(1), D1), (2, "b", T(1), D1)]), keys=["id"], order_by=["ts"])
    wider = spark.createDataFrame([(2, "b2", T(2), D1, 9), (3, "c", T(2), D2, 7)],
                                  SCHEMA + ", score int")
    with pytest.raises(SchemaError, match="extra columns"):
        t.merge(wider, keys=["id"], order_by=["ts"])
    r = t.merge(wider, keys=["id"], order_by=["ts"], schema_mode="merge")
    assert (r.rows_updated, r.rows_inserted) == (1, 1)
    assert [(r["id"], r["name"], r["score"]) for r in delta_reader(t.uri)] == [
        (1, "a", None), (2, "b2", 9), (3, "c", 7)]
