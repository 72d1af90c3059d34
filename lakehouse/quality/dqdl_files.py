"""The files a DQDL file rule reads (FileSize, FileFreshness, FileMatch, FileUniqueness).

Answers a :class:`~lakehouse.quality.dqdl.file_rules.FileRequest`: lists the path (a file, or
every file below a folder; a path without a scheme is relative to the landing zone) or, with no
path, the distinct ``_source_file`` values of the batch (one small Spark job); applies the rule's
``uriRegex`` / ``recentFiles`` filters, then reads the checksums the rule compares, streamed.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from lakehouse.errors import ConfigError
from lakehouse.quality.dqdl.file_rules import FileFact, FileRequest, select
from lakehouse.storage import files as storage
from lakehouse.storage.uri import join_uri, to_uri

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from lakehouse.config import Project


def file_facts(df: DataFrame, args: list[str], *, project: Project | None,
               dataset: str) -> list[FileFact]:
    """The files of one request (``args``: ``FileRequest.as_tuple()`` without its kind)."""
    request = FileRequest.from_args(args)
    if request.path:
        found = _listed(_resolve(request.path, project))
    else:
        if "_source_file" not in df.columns:
            raise ConfigError(f"{dataset}.dqdl", ["a file rule without a path reads the files the"
                                                  " batch came from, and this batch has no"
                                                  " _source_file column"],
                              hint="give the rule a path (relative to the landing zone)")
        uris = sorted(r[0] for r in df.select("_source_file").distinct().collect() if r[0])
        found = [_stat(_storage_uri(u)) for u in uris]
    chosen = select([f for f in found if f is not None], request)
    if request.algorithm:
        chosen = [FileFact(f.uri, f.size, f.modified, _checksum(f.uri, request.algorithm))
                  for f in chosen]
    return chosen


def _resolve(path: str, project: Project | None) -> str:
    if "://" in path:
        return _storage_uri(path)
    if project is None:
        return to_uri(path)
    return join_uri(project.zone_uri("landing"), path.lstrip("/"))


def _storage_uri(uri: str) -> str:
    """Spark's ``s3a://`` spelling as boto3's ``s3://``."""
    scheme, sep, rest = uri.partition("://")
    return f"s3://{rest}" if sep and scheme in ("s3a", "s3n") else uri


def _listed(uri: str) -> list[FileFact | None]:
    single = _stat(uri)
    if single is not None:
        return [single]
    return [FileFact(i.uri, i.size, i.modified) for i in storage.list_files(uri)]


def _stat(uri: str) -> FileFact | None:
    """The file at ``uri``, or None when nothing (or a folder) is there."""
    info = storage.head(uri)
    return None if info is None else FileFact(info.uri, info.size, info.modified)


def _checksum(uri: str, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    for chunk in storage.iter_chunks(uri):
        digest.update(chunk)
    return digest.hexdigest()
