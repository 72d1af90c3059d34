"""A DynamoDB commit lease whose heartbeat fails makes the commit fail (moto server over HTTP).

The lease is taken over by another holder while this one still runs (as when a paused
process outlives its lease): the heartbeat's renewal fails its condition, it logs the
failure, and the next commit raises instead of writing a version without the lease.
"""

from __future__ import annotations

import logging
import time

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyspark.sql.types import LongType, StringType, StructField, StructType

from lakehouse.errors import ConcurrentCommitError
from lakehouse.tables.files import _add_action, file_stats
from lakehouse.tables.locks import DynamoDbTableLock
from lakehouse.tables.portable import PortableDeltaTable
from lakehouse.testing.delta import read_delta

pytestmark = pytest.mark.aws

SCHEMA = StructType([StructField("id", LongType()), StructField("name", StringType())])


def _put(table: PortableDeltaTable, rel: str, ids: list[int]):
    data = pa.table({"id": pa.array(ids, pa.int64()), "name": [f"n{i}" for i in ids]})
    pq.write_table(data, table.files.abs(rel), filesystem=table.files.fs)
    size = table.files.fs.get_file_info(table.files.abs(rel)).size
    return _add_action(rel, size, {}, int(time.time() * 1000), True,
                       file_stats(table.files.parquet_metadata(rel)))


def test_a_lost_lease_fails_the_commit(tmp_path, moto_endpoint, unique_name, caplog):
    lock = DynamoDbTableLock(unique_name, lease_seconds=0.6, timeout=5, poll_seconds=0.05,
                             endpoint_url=moto_endpoint, create_table=True)
    table = PortableDeltaTable(None, (tmp_path / "t").as_uri(), lock=lock)
    (tmp_path / "t").mkdir()
    with lock.hold(table.uri):
        assert table.commit(SCHEMA, [], [_put(table, "f1.parquet", [1])], [], None, "APPEND") == 0

    intruder = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="us-east-1")
    with caplog.at_level(logging.ERROR, logger="lakehouse.tables.locks"):
        with lock.hold(table.uri):
            lock.check(table.uri)                           # held and renewing: fine
            intruder.put_item(TableName=unique_name, Item={
                "lock_key": {"S": table.uri}, "owner": {"S": "intruder"},
                "holder": {"S": "{}"}, "expires_at": {"N": str(time.time() + 600)}})
            assert lock.lost(table.uri).wait(30), "the heartbeat did not notice the takeover"
            second = _put(table, "f2.parquet", [2])
            with pytest.raises(ConcurrentCommitError, match="lease was lost") as err:
                table.commit(SCHEMA, [], [second], [], "load-2", "APPEND")
    assert table.uri in str(err.value) and "taken over" in str(err.value)
    assert any("could not be renewed" in r.getMessage() for r in caplog.records)
    assert table.version() == 0 and not table._already_done("load-2")
    assert read_delta(table.uri).column("id").to_pylist() == [1]
    assert intruder.get_item(TableName=unique_name, Key={"lock_key": {"S": table.uri}}
                             )["Item"]["owner"]["S"] == "intruder"   # not released by us


def test_a_file_lock_check_is_a_no_op(tmp_path):
    from lakehouse.tables.locks import FileTableLock

    lock = FileTableLock(timeout=1)
    with lock.hold(tmp_path.as_uri()):
        lock.check(tmp_path.as_uri())
