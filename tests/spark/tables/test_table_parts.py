"""Spark-free parts of the table layer: path escaping, stats, schema check, commit locks."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql.types import (
    DateType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from lakehouse.errors import ConcurrentCommitError, SchemaError
from lakehouse.tables.files import file_stats, partition_values_of, unescape_path_name
from lakehouse.tables.locks import DynamoDbTableLock, FileTableLock
from lakehouse.tables.portable.maintenance import partition_string
from lakehouse.tables.schemas import check_schema


def test_unescape_matches_spark_escaping():
    assert unescape_path_name("a%2Fb%3Dc%25d e") == "a/b=c%d e"
    assert unescape_path_name("100%") == "100%"            # dangling % stays literal
    assert unescape_path_name("東京") == "東京"


def test_partition_values_from_spark_paths():
    rel = "day=2024-01-01/p=a%2Fb/cat=__HIVE_DEFAULT_PARTITION__/part-0.parquet"
    assert partition_values_of(rel, ["day", "p", "cat"]) == {
        "day": "2024-01-01", "p": "a/b", "cat": None}


def test_partition_string_forms():
    assert partition_string(dt.datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02 03:04:05"
    assert partition_string(dt.datetime(2024, 1, 2, 3, 4, 5, 7)) == "2024-01-02 03:04:05.000007"
    assert partition_string(dt.date(2024, 1, 2)) == "2024-01-02"
    assert partition_string(True) == "true"
    assert partition_string(None) is None


def test_file_stats_from_footer(tmp_path):
    path = tmp_path / "f.parquet"
    table = pa.table({"id": [3, 1, None], "name": ["b", "a", "c"],
                      "long": ["x" * 40, "y", "z"], "score": [1.5, 2.5, 0.5],
                      "day": [dt.date(2024, 1, 2), dt.date(2024, 1, 1), None]})
    pq.write_table(table, path, row_group_size=2)
    stats = file_stats(pq.read_metadata(path))
    assert stats["numRecords"] == 3
    assert stats["minValues"] == {"id": 1, "name": "a", "day": "2024-01-01"}
    assert stats["maxValues"] == {"id": 3, "name": "c", "day": "2024-01-02"}
    assert stats["nullCount"] == {"id": 1, "name": 0, "long": 0, "score": 0, "day": 1}
    json.dumps(stats)


def test_schema_check_messages():
    table = StructType([StructField("id", LongType()), StructField("day", DateType())])
    incoming = StructType([StructField("ID", IntegerType()), StructField("x", StringType())])
    with pytest.raises(SchemaError) as err:
        check_schema(table, incoming, uri="file:///t")
    msg = str(err.value)
    assert "missing columns ['day']" in msg and "extra columns ['x']" in msg
    assert "ID: table has bigint, data has int" in msg and "file:///t" in msg
    wider = StructType([*table.fields, StructField("x", StringType())])
    assert check_schema(table, wider, uri="t", mode="merge") == ["x"]


def test_file_lock_serializes_and_times_out(tmp_path):
    uri = (tmp_path / "t").as_uri()
    held = threading.Event()
    release = threading.Event()

    def holder():
        with FileTableLock(timeout=5).hold(uri):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    start = time.monotonic()
    with pytest.raises(ConcurrentCommitError) as err:
        with FileTableLock(timeout=0.5).hold(uri):
            pass
    assert time.monotonic() - start >= 0.4
    assert uri in str(err.value) and '"pid"' in str(err.value)
    release.set()
    thread.join()
    with FileTableLock(timeout=1).hold(uri):
        pass


def test_file_lock_blocks_another_process(tmp_path):
    uri = (tmp_path / "t").as_uri()
    code = ("import sys; from lakehouse.tables.locks import FileTableLock\n"
            "from lakehouse.errors import ConcurrentCommitError\n"
            "try:\n    with FileTableLock(timeout=0.5).hold(sys.argv[1]): print('GOT')\n"
            "except ConcurrentCommitError as e: print('BUSY', e)\n")
    with FileTableLock(timeout=5).hold(uri):
        out = subprocess.run([sys.executable, "-c", code, uri], capture_output=True, text=True,
                             check=True).stdout
    assert out.startswith("BUSY") and uri in out
    out = subprocess.run([sys.executable, "-c", code, uri], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("GOT")


@pytest.mark.aws
def test_dynamodb_lease_lock(moto_endpoint, unique_name):
    lock = DynamoDbTableLock(unique_name, timeout=0.6, lease_seconds=2, poll_seconds=0.1,
                             endpoint_url=moto_endpoint, create_table=True)
    other = DynamoDbTableLock(unique_name, timeout=0.6, lease_seconds=2, poll_seconds=0.1,
                              endpoint_url=moto_endpoint)
    uri = "s3://bucket/curated/flights"
    with lock.hold(uri):
        with pytest.raises(ConcurrentCommitError) as err:
            with other.hold(uri):
                pass
        assert uri in str(err.value) and "host" in str(err.value)
        with other.hold("s3://bucket/curated/other"):     # other tables are independent
            pass
        time.sleep(2.5)                                     # renewed: still held past lease
        with pytest.raises(ConcurrentCommitError):
            with other.hold(uri):
                pass
    with other.hold(uri):                                   # released on exit
        pass


@pytest.mark.aws
def test_dynamodb_lease_expires_when_holder_dies(moto_endpoint, unique_name):
    lock = DynamoDbTableLock(unique_name, timeout=0.3, lease_seconds=1, poll_seconds=0.1,
                             endpoint_url=moto_endpoint, create_table=True)
    stale = {"owner": "dead", "host": "gone", "pid": 1, "since": 0}
    assert lock._try_acquire("s3://b/t", stale)             # a holder that never renews
    with pytest.raises(ConcurrentCommitError):
        with lock.hold("s3://b/t"):
            pass
    time.sleep(1.2)
    with lock.hold("s3://b/t"):
        pass
