"""URIs for the lake: ``file://`` locally, ``s3://`` on AWS. No Spark."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

REMOTE_SCHEMES = ("s3", "s3a", "s3n")


def to_uri(location: str, *, base: Path | None = None) -> str:
    """Normalize a path or URI; relative paths resolve against ``base`` (default: cwd)."""
    if "://" in location:
        scheme = location.split("://", 1)[0]
        if scheme not in ("file", *REMOTE_SCHEMES):
            raise ValueError(f"unsupported URI scheme {scheme!r} in {location!r}")
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
        raise ValueError(f"not a local URI: {uri}")
    return Path(unquote(parsed.path))




def spark_path(uri: str) -> str:
    """The spelling Spark/Hadoop expects: URIs decoded (Hadoop re-encodes them itself)."""
    return unquote(uri)


def child_uri(base: str, rel_path: str) -> str:
    """URI of ``rel_path`` (decoded, '/'-separated) under ``base``, percent-encoded."""
    from urllib.parse import quote

    return join_uri(base, quote(rel_path))
