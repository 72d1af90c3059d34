"""Both Delta paths with Spark on S3 (hadoop-aws S3A against a moto server over HTTP).

Spark writes the data files through ``s3a://`` (and reads ``s3://`` as EMR/Glue users spell
it); commits are serialized by the DynamoDB lease; an independent delta-rs reader checks
the result, and the other backend reads what this one wrote.
"""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from deltalake import DeltaTable

from lakehouse.tables import open_table
from lakehouse.tables.fs import storage_options
from lakehouse.tables.locks import DynamoDbTableLock

pytestmark = [pytest.mark.spark, pytest.mark.aws]

SCHEMA = "id long, name string, day date"
D1, D2 = dt.date(2024, 1, 1), dt.date(2024, 1, 2)


@pytest.fixture
def s3_table(s3a_spark, moto_process_endpoint, backend, unique_name, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_process_endpoint)
    boto3.client("s3", endpoint_url=moto_process_endpoint).create_bucket(Bucket=unique_name)
    lock = DynamoDbTableLock(f"locks-{unique_name}", endpoint_url=moto_process_endpoint,
                             create_table=True)

    def _open(name: str = "t", which: str = backend):
        return open_table(s3a_spark, f"s3://{unique_name}/curated/{name}", backend=which, lock=lock)

    return _open


def _ids(df) -> list[int]:
    return sorted(r["id"] for r in df.collect())


def test_append_merge_and_read_back_on_s3(s3a_spark, s3_table, moto_process_endpoint, unique_name):
    t = s3_table()
    first = t.append(s3a_spark.createDataFrame([(1, "a", D1), (2, "b", D2)], SCHEMA),
                     partition_by=["day"], idempotency_key="load-1")
    again = t.append(s3a_spark.createDataFrame([(1, "a", D1), (2, "b", D2)], SCHEMA),
                     partition_by=["day"], idempotency_key="load-1")
    merged = t.merge(s3a_spark.createDataFrame([(2, "b2", D2), (3, "c", D2)], SCHEMA),
                     keys=["id"], order_by=["name"])
    assert first.committed and not again.committed
    assert (merged.rows_inserted, merged.rows_updated) == (1, 1)
    assert _ids(t.read()) == [1, 2, 3]

    reader = DeltaTable(t.uri, storage_options=storage_options(t.uri))
    rows = sorted(reader.to_pyarrow_dataset().to_table().to_pylist(), key=lambda r: r["id"])
    assert [(r["id"], r["name"], r["day"]) for r in rows] == [(1, "a", D1), (2, "b2", D2), (3, "c", D2)]
    assert reader.metadata().partition_columns == ["day"]
    keys = [o["Key"] for o in boto3.client("s3", endpoint_url=moto_process_endpoint)
            .list_objects_v2(Bucket=unique_name, Prefix="curated/t/")["Contents"]]
    assert any(k.startswith("curated/t/day=2024-01-02/") for k in keys)
    assert "curated/t/_delta_log/00000000000000000000.json" in keys


def test_s3_scheme_reads_like_emr(s3a_spark, s3_table):
    """``s3://`` paths (as written on EMR and Glue) reach the same data through S3A locally."""
    t = s3_table("scheme")
    t.append(s3a_spark.createDataFrame([(7, "x", D1)], SCHEMA))
    plain = s3a_spark.read.parquet(*[f"{t.uri}/{f.rsplit('/', 1)[-1]}" for f in
                                     DeltaTable(t.uri, storage_options=storage_options(t.uri)).file_uris()])
    assert _ids(plain) == [7]


def test_other_backend_reads_what_this_one_wrote(s3a_spark, s3_table, backend):
    other = "portable" if backend == "native" else "native"
    t = s3_table("cross")
    t.append(s3a_spark.createDataFrame([(1, "a", D1), (2, "b", D2)], SCHEMA), partition_by=["day"])
    t.merge(s3a_spark.createDataFrame([(2, "b2", D2)], SCHEMA), keys=["id"], order_by=["name"])
    reread = s3_table("cross", which=other)  # hadoop-aws present implies delta-spark too
    assert sorted((r["id"], r["name"]) for r in reread.read().collect()) == [(1, "a"), (2, "b2")]
    assert reread.version() == t.version()


def test_first_reads_of_new_buckets_in_parallel_find_credentials(s3a_spark, moto_process_endpoint,
                                                                  unique_name):
    """Spark globs a list of paths on several threads; the first requests of a bucket's new
    filesystem race to initialise its credential provider. With S3A's
    TemporaryAWSCredentialsProvider (hadoop-aws 3.3.4) about one such read in five failed
    with "has no credentials"; eight fresh buckets make that race near-certain to show."""
    s3 = boto3.client("s3", endpoint_url=moto_process_endpoint)
    for n in range(8):
        bucket = f"{unique_name[:50]}-{n}"
        s3.create_bucket(Bucket=bucket)
        for part in range(8):
            s3.put_object(Bucket=bucket, Key=f"in/{part}.csv", Body=f"id\n{part}\n".encode())
        paths = [f"s3a://{bucket}/in/{part}.csv" for part in range(8)]
        assert sorted(int(r["id"]) for r in s3a_spark.read.csv(paths, header=True).collect()) \
            == list(range(8))
