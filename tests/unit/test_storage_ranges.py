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


def test_gzip_check_of_an_s3_object_holds_a_chunk_at_a_time(moto_endpoint, unique_name,
                                                            monkeypatch) -> None:
    """Issue 31: ingest's gzip check streams an S3 object bigger than the read chunk, and
    inflates a member that expands to 64 MiB a bounded piece at a time. Every GET body read
    is counted (at most one chunk per call, the object read once), and the Python memory the
    check allocates stays far below the 64 MiB it inflates."""
    import base64
    import gzip
    import os
    import tracemalloc

    from botocore.response import StreamingBody

    from lakehouse.config.models import DatasetConfig
    from lakehouse.sources.landing import LandingFile
    from lakehouse.stages.ingest_checks import check_file

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    text = b"id,name\n" + base64.b64encode(os.urandom(3 << 20)) + b"\n"
    data = gzip.compress(text, 1) + gzip.compress(b"\n" * (64 << 20), 9)   # two members
    assert len(data) > 3 * (1 << 20)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    s3.create_bucket(Bucket=unique_name)
    s3.put_object(Bucket=unique_name, Key="landing/d/big.csv.gz", Body=data)
    item = LandingFile(f"s3://{unique_name}/landing/d/big.csv.gz", "d/big.csv.gz", len(data), 0.0,
                       "etag")
    dataset = DatasetConfig.model_validate({
        "name": "d", "source": {"format": "csv", "path": "d", "pattern": "*.csv.gz"},
        "schema": [{"name": "id", "type": "string"}, {"name": "name", "type": "string"}],
        "primary_key": ["id"]})
    reads: list[int] = []
    real_read = StreamingBody.read

    def counted(self, amt=None):
        chunk = real_read(self, amt)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(StreamingBody, "read", counted)
    headers: dict[str, list[str]] = {}
    tracemalloc.start()
    try:
        check_file(dataset, item, headers)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert headers == {"d/big.csv.gz": ["id", "name"]}
    # the object streamed once in reads of at most 1 MiB, plus the header's 64 KiB range
    assert max(reads) <= 1 << 20 and sum(reads) == len(data) + (1 << 16)
    assert peak < 24 << 20, f"{peak:,} bytes at the peak"
