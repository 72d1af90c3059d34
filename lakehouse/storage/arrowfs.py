"""The one pyarrow filesystem factory for ``file://`` and ``s3://`` URIs (no Spark).

Every pyarrow read or write outside Spark (Delta log and data files of the portable path,
export footers, ML split files) goes through :func:`arrow_filesystem`, so the S3 endpoint
override (``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL``, as boto3 and delta-rs read it) and
the region apply everywhere alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from lakehouse.storage.uri import is_local, local_path

if TYPE_CHECKING:
    import pyarrow.fs as pafs


def s3_endpoint() -> str | None:
    """The S3 endpoint override from the environment, if any."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


def s3_region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def arrow_filesystem(uri: str, *, endpoint: str | None = None,
                     region: str | None = None) -> tuple[pafs.FileSystem, str]:
    """``(filesystem, path)`` for a ``file://`` / ``s3://`` URI (path: raw characters).

    ``endpoint`` / ``region`` default to the environment's; code running in Spark tasks
    passes the driver's, since an executor's environment was fixed when it started.
    """
    import pyarrow.fs as pafs

    if is_local(uri):
        return pafs.LocalFileSystem(), str(local_path(uri))
    parsed = urlparse(uri)
    kwargs: dict[str, str] = {}
    endpoint = endpoint or s3_endpoint()
    if endpoint:
        scheme, host = endpoint.split("://", 1)
        kwargs = {"endpoint_override": host, "scheme": scheme}
    region = region or s3_region()
    if region:
        kwargs["region"] = region
    return pafs.S3FileSystem(**kwargs), f"{parsed.netloc}{unquote(parsed.path)}".rstrip("/")
