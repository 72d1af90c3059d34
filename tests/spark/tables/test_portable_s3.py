"""The portable commit protocol on S3 (moto server over HTTP) with the DynamoDB lease lock.

Spark cannot write ``s3a://`` here (no hadoop-aws JAR), so data files are written with
pyarrow; everything after the Spark write - stats, commit, idempotency, log reading,
vacuum - is the production code path.
"""

from __future__ import annotations

import time

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from pyspark.sql.types import LongType, StringType, StructField, StructType

from lakehouse.tables.files import _add_action, file_stats
from lakehouse.tables.locks import DynamoDbTableLock
from lakehouse.tables.log import read_commit
from lakehouse.tables.portable import PortableDeltaTable
from lakehouse.tables.snapshot import snapshot_files
from lakehouse.testing.delta import read_delta

pytestmark = pytest.mark.aws

SCHEMA = StructType([StructField("id", LongType()), StructField("name", StringType()),
                     StructField("p", StringType())])


def _put(table: PortableDeltaTable, rel: str, ids: list[int]):
    data = pa.table({"id": pa.array(ids, pa.int64()), "name": [f"n{i}" for i in ids]})
    pq.write_table(data, table.files.abs(rel), filesystem=table.files.fs)
    meta = table.files.parquet_metadata(rel)
    size = table.files.fs.get_file_info(table.files.abs(rel)).size
    return _add_action(rel, size, {"p": rel.split("/")[0].split("=")[1]},
                       int(time.time() * 1000), True, file_stats(meta))


def test_portable_commits_on_s3(moto_process_endpoint, unique_name, monkeypatch):
    moto_endpoint = moto_process_endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    boto3.client("s3", endpoint_url=moto_endpoint).create_bucket(Bucket=unique_name)
    lock = DynamoDbTableLock(unique_name, endpoint_url=moto_endpoint, create_table=True)
    table = PortableDeltaTable(None, f"s3://{unique_name}/curated/t", lock=lock)
    assert not table.exists()

    first = _put(table, "p=a/f1.parquet", [1, 2])
    with lock.hold(table.uri):
        assert table.commit(SCHEMA, ["p"], [first], [], "load-1", "APPEND") == 0
    assert table._already_done("load-1") and not table._already_done("load-2")

    second = _put(table, "p=a/f2.parquet", [3])
    (old,) = snapshot_files(table._require())
    with lock.hold(table.uri):
        assert table.commit(SCHEMA, ["p"], [second], [old], "load-2", "MERGE") == 1

    reader = DeltaTable(table.uri, storage_options=table._opts)
    assert reader.to_pyarrow_dataset().to_table().to_pylist() == [{"id": 3, "name": "n3", "p": "a"}]
    assert [r["path"] for r in read_commit(table.files, 1).removes] == ["p=a/f1.parquet"]
    assert table.history()[0].operation == "MERGE"
    assert table.vacuum(retention_hours=0) == [f"{table.uri}/p=a/f1.parquet"]
    assert not table.files.exists("p=a/f1.parquet")
    assert len(read_delta(table.uri, storage_options=table._opts)) == 1
