"""URIs for the lake: ``file://`` locally, ``s3://`` on AWS. No Spark."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from lakehouse.errors import InvalidArgumentError, StorageError

REMOTE_SCHEMES = ("s3", "s3a", "s3n")


def to_uri(location: str, *, base: Path | None = None) -> str:
    """Normalize a path or URI; relative paths resolve against ``base`` (default: cwd)."""
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme not in ("file", *REMOTE_SCHEMES):
            raise StorageError(f"unsupported URI scheme {scheme!r} in {location!r}",
                               uri=location, hint="use a path, file:// or s3://")
        return location.rstrip("/")
    path = Path(location).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path.resolve().as_uri()


def join_uri(uri: str, *parts: str) -> str:
    out = uri.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


def is_local(uri: str) -> bool:
    return uri.startswith("file://") or "://" not in uri


def local_path(uri: str) -> Path:
    """Filesystem path of a ``file://`` URI (or a plain path)."""
    if "://" not in uri:
        return Path(uri)
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise StorageError(f"not a local URI: {uri}", uri=uri)
    return Path(unquote(parsed.path))




_spark_s3_scheme: str | None = None


def set_spark_s3_scheme(scheme: str) -> None:
    """Choose how Spark spells S3 locations: ``s3a`` (hadoop-aws, local and moto) or ``s3``
    (EMRFS on EMR, Glue's S3 connector). Session factories call this for their runtime."""
    global _spark_s3_scheme
    if scheme not in ("s3", "s3a"):
        raise InvalidArgumentError("Spark S3 scheme", scheme, ("s3", "s3a"))
    _spark_s3_scheme = scheme


def spark_s3_scheme() -> str:
    """The scheme set by the session factory, else ``$LAKEHOUSE_SPARK_S3_SCHEME``, else ``s3a``."""
    return _spark_s3_scheme or os.environ.get("LAKEHOUSE_SPARK_S3_SCHEME", "s3a")


def with_spark_scheme(uri: str) -> str:
    """``uri`` with S3 spelled in this runtime's scheme (:func:`spark_s3_scheme`), else as is."""
    scheme, sep, rest = uri.partition("://")
    return f"{spark_s3_scheme()}://{rest}" if sep and scheme in REMOTE_SCHEMES else uri


def spark_path(uri: str) -> str:
    """The spelling Spark/Hadoop expects for a percent-encoded URI: decoded (Hadoop re-encodes
    it) and, for S3, in this runtime's scheme."""
    return with_spark_scheme(unquote(uri))


def child_uri(base: str, rel_path: str) -> str:
    """URI of ``rel_path`` (decoded, '/'-separated) under ``base``, percent-encoded."""
    from urllib.parse import quote

    return join_uri(base, quote(rel_path))
