"""Small file operations on ``file://`` and ``s3://`` URIs (no Spark).

Local files use the filesystem (writes are atomic: temp file + rename); S3 uses boto3, which
honours ``AWS_ENDPOINT_URL`` (so tests point it at a moto server).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from lakehouse.errors import StorageError
from lakehouse.storage.uri import is_local, local_path


@dataclass(frozen=True)
class FileInfo:
    uri: str
    size: int
    modified: float           # epoch seconds
    etag: str | None = None


def _s3():
    from lakehouse.storage.aws import client

    return client("s3")


def _split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, unquote(parsed.path.lstrip("/"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_bytes(uri: str) -> bytes:
    if is_local(uri):
        return local_path(uri).read_bytes()
    bucket, key = _split_s3(uri)
    return _s3().get_object(Bucket=bucket, Key=key)["Body"].read()


def read_range(uri: str, start: int, length: int) -> bytes:
    """Up to ``length`` bytes from offset ``start`` (an S3 ranged GET: never the whole object)."""
    if length <= 0:
        return b""
    if is_local(uri):
        with open(local_path(uri), "rb") as handle:
            handle.seek(start)
            return handle.read(length)
    bucket, key = _split_s3(uri)
    body = _s3().get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{start + length - 1}")
    return body["Body"].read()


def iter_chunks(uri: str, size: int = 1 << 20) -> Iterator[bytes]:
    """The file's bytes in chunks of ``size``, streamed (a large S3 object is never held whole)."""
    if is_local(uri):
        with open(local_path(uri), "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
        return
    bucket, key = _split_s3(uri)
    yield from _s3().get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(size)


def read_text(uri: str) -> str:
    return read_bytes(uri).decode("utf-8")


def exists(uri: str) -> bool:
    if is_local(uri):
        return local_path(uri).exists()
    from botocore.exceptions import ClientError

    bucket, key = _split_s3(uri)
    try:
        _s3().head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise


def head(uri: str) -> FileInfo | None:
    """The file at ``uri`` (size, modification time, ETag on S3), or None when there is none."""
    if is_local(uri):
        path = local_path(uri)
        if not path.is_file():
            return None
        stat = path.stat()
        return FileInfo(path.as_uri(), stat.st_size, stat.st_mtime)
    from botocore.exceptions import ClientError

    bucket, key = _split_s3(uri)
    if not key or key.endswith("/"):
        return None
    try:
        found = _s3().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return FileInfo(uri, found["ContentLength"], found["LastModified"].timestamp(),
                    found.get("ETag", "").strip('"'))


def write_bytes(uri: str, data: bytes) -> None:
    """Write ``data`` to ``uri`` atomically (readers see the old or the new content)."""
    if is_local(uri):
        path = local_path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; behave like open()
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    bucket, key = _split_s3(uri)
    _s3().put_object(Bucket=bucket, Key=key, Body=data, ServerSideEncryption="AES256")


def write_text(uri: str, text: str) -> None:
    write_bytes(uri, text.encode("utf-8"))


def list_files(uri: str) -> list[FileInfo]:
    """All files under the folder ``uri`` (recursive), skipping hidden/underscore entries."""
    if is_local(uri):
        root = local_path(uri)
        if not root.is_dir():
            return []
        out = []
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).parts
            if path.is_file() and not any(p.startswith((".", "_")) for p in rel):
                stat = path.stat()
                out.append(FileInfo(path.as_uri(), stat.st_size, stat.st_mtime))
        return out
    bucket, prefix = _split_s3(uri)
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    out = []
    paginator = _s3().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(prefix):].split("/")
            if obj["Key"].endswith("/") or any(p.startswith((".", "_")) for p in rel):
                continue
            out.append(FileInfo(f"s3://{bucket}/{quote(obj['Key'])}", obj["Size"],
                                obj["LastModified"].timestamp(), obj.get("ETag", "").strip('"')))
    return out


def link_or_copy(source: str, target: str) -> None:
    """Put the file ``source`` at ``target`` without reading it through this process: a hard
    link locally (a copy across filesystems), a server-side copy on S3. For immutable files
    (Parquet data files of a published version) a link shares the bytes safely."""
    if is_local(source) and is_local(target):
        import shutil

        src, dst = local_path(source), local_path(target)
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
        return
    if is_local(source) or is_local(target):
        raise StorageError(f"cannot copy {source} to {target}: both must be local or on S3",
                           uri=target)
    bucket, key = _split_s3(source)
    to_bucket, to_key = _split_s3(target)
    _s3().copy_object(Bucket=to_bucket, Key=to_key, CopySource={"Bucket": bucket, "Key": key},
                      ServerSideEncryption="AES256")


def delete_tree(uri: str) -> None:
    """Remove a folder and everything under it (missing is fine)."""
    if is_local(uri):
        import shutil

        shutil.rmtree(local_path(uri), ignore_errors=True)
        return
    bucket, prefix = _split_s3(uri)
    client = _s3()
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix.rstrip("/") + "/"):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def relative_to(uri: str, base: str) -> str:
    """``uri`` relative to the folder ``base`` (both URIs), decoded."""
    base = base.rstrip("/") + "/"
    if not uri.startswith(base):
        raise StorageError(f"{uri} is not under {base}", uri=uri)
    return unquote(uri[len(base):])
