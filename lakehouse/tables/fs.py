"""File operations under a table root for ``file://`` and ``s3://`` URIs (pyarrow.fs). No Spark.

The portable backend needs a handful of operations outside Spark: list the files under a
table, move staged data files into place, delete orphans, and read commit JSON files. All
of them go through :class:`TableFiles`, which wraps one pyarrow filesystem rooted at the
table URI. ``storage_options`` for delta-rs are derived from the same environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from lakehouse.storage.arrowfs import arrow_filesystem, s3_endpoint
from lakehouse.storage.uri import is_local, local_path, with_spark_scheme


@dataclass(frozen=True)
class FileEntry:
    """A file under the table root: ``rel`` is the raw (not URL-encoded) relative path."""

    rel: str
    size: int
    mtime_ms: int


def normalize_table_uri(uri: str) -> str:
    """``file:///abs/path`` for local paths, ``s3://bucket/key`` for S3 (no trailing slash)."""
    if "://" not in uri:
        return local_path(uri).resolve().as_uri()
    scheme, rest = uri.split("://", 1)
    if scheme in ("s3a", "s3n"):
        scheme = "s3"
    return f"{scheme}://{rest}".rstrip("/")


def spark_path(uri: str) -> str:
    """The same location as Spark/Hadoop wants it: raw path characters kept, S3 spelled with
    this runtime's scheme (``s3a://`` locally, ``s3://`` on EMR/Glue)."""
    return with_spark_scheme(uri)


def hadoop_path(uri: str) -> str:
    """The spelling Hadoop keeps unchanged (``file:/abs/path``; S3 in this runtime's scheme).

    delta-spark compares a table's location with the path Hadoop qualifies it to, and
    ``file:///x`` and ``file:/x`` count as two locations there.
    """
    return f"file:{local_path(uri)}" if is_local(uri) else spark_path(uri)


def delta_rs_uri(uri: str) -> str:
    """delta-rs takes plain paths for local tables and ``s3://`` URIs for S3."""
    return str(local_path(uri)) if is_local(uri) else uri


def storage_options(uri: str) -> dict[str, str] | None:
    """delta-rs storage options for S3 (endpoint and plain HTTP from the environment)."""
    if is_local(uri):
        return None
    opts: dict[str, str] = {}
    endpoint = s3_endpoint()
    if endpoint:
        opts["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            opts["AWS_ALLOW_HTTP"] = "true"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        opts["AWS_REGION"] = region
    # Commits to a table are serialized by our own lock (DynamoDB lease), which is what
    # delta-rs requires before it may commit to S3 without its own locking provider.
    opts["AWS_S3_ALLOW_UNSAFE_RENAME"] = "true"
    return opts


class TableFiles:
    """File access relative to one table root."""

    def __init__(self, uri: str):
        self.uri = normalize_table_uri(uri)
        self.fs, root = arrow_filesystem(self.uri)
        self.root = root.rstrip("/")

    def abs(self, rel: str) -> str:
        return f"{self.root}/{rel.lstrip('/')}" if rel else self.root

    def uri_of(self, rel: str) -> str:
        """Absolute URI (raw path characters) of a relative path, for Spark and errors."""
        return f"{self.uri}/{rel.lstrip('/')}"

    def exists(self, rel: str) -> bool:
        import pyarrow.fs as pafs

        return self.fs.get_file_info(self.abs(rel)).type != pafs.FileType.NotFound

    def walk(self, rel: str = "") -> Iterator[FileEntry]:
        """Every file below ``rel`` (recursively)."""
        import pyarrow.fs as pafs

        base = self.abs(rel)
        if self.fs.get_file_info(base).type != pafs.FileType.Directory:
            return
        selector = pafs.FileSelector(base, recursive=True, allow_not_found=True)
        for info in self.fs.get_file_info(selector):
            if info.type != pafs.FileType.File:
                continue
            mtime = int(info.mtime.timestamp() * 1000) if info.mtime else 0
            yield FileEntry(info.path[len(self.root) + 1:], info.size or 0, mtime)

    def move(self, src_rel: str, dst_rel: str) -> None:
        dst = self.abs(dst_rel)
        self.fs.create_dir(dst.rsplit("/", 1)[0], recursive=True)
        self.fs.move(self.abs(src_rel), dst)

    def delete(self, rel: str) -> None:
        self.fs.delete_file(self.abs(rel))

    def delete_dir(self, rel: str) -> None:
        import pyarrow.fs as pafs

        if self.fs.get_file_info(self.abs(rel)).type == pafs.FileType.Directory:
            self.fs.delete_dir(self.abs(rel))

    def read_text(self, rel: str) -> str:
        with self.fs.open_input_stream(self.abs(rel)) as stream:
            return stream.read().decode("utf-8")

    def parquet_metadata(self, rel: str):  # -> pyarrow.parquet.FileMetaData
        import pyarrow.parquet as pq

        with self.fs.open_input_file(self.abs(rel)) as handle:
            return pq.read_metadata(handle)
