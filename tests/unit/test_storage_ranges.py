"""Ranged and streamed reads, on disk and on S3 (moto server over HTTP): the intake checks
read a Parquet file's ends and stream a gzip file without holding a whole S3 object."""

from __future__ import annotations

import boto3
import pytest

from lakehouse.storage import files

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture(params=["local", "s3"])
def uri(request, tmp_path, monkeypatch):
    if request.param == "local":
        path = tmp_path / "blob.bin"
        path.write_bytes(DATA)
        return path.as_uri()
    endpoint = request.getfixturevalue("moto_endpoint")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    bucket = request.getfixturevalue("unique_name")
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/blob.bin", Body=DATA)
    return f"s3://{bucket}/in/blob.bin"


def test_read_range_returns_exactly_the_bytes_asked_for(uri) -> None:
    assert files.read_range(uri, 0, 4) == DATA[:4]
    assert files.read_range(uri, len(DATA) - 4, 4) == DATA[-4:]
    assert files.read_range(uri, 300, 1000) == DATA[300:1300]
    assert files.read_range(uri, 0, 0) == b""


def test_iter_chunks_streams_the_whole_file_in_pieces(uri) -> None:
    chunks = list(files.iter_chunks(uri, size=4096))
    assert b"".join(chunks) == DATA
    assert max(len(c) for c in chunks) <= 4096 and len(chunks) >= 3
