"""Find the ``conf/`` folder a job should load: a local folder, a zip, or an S3 object.

Clusters receive ``conf/`` as the zip ``lakehouse package`` builds (``--conf-uri
s3://.../conf-<sha>.zip``); it is downloaded and extracted into a temporary folder.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from lakehouse.errors import ConfigError
from lakehouse.storage.uri import local_path

_HINT = "pass --conf-uri with a conf/ folder, a conf zip, or an s3:// URI of one"


def materialize_conf(location: str | None, *, workdir: Path | None = None) -> Path | None:
    """Return a local folder holding ``lake.yaml`` for ``location`` (None: the default)."""
    if not location:
        return None
    if location.startswith(("s3://", "s3a://")):
        return _from_zip(_download(location, workdir), workdir)
    path = local_path(location)
    if path.is_dir():
        return path
    if path.is_file() and zipfile.is_zipfile(path):
        return _from_zip(path, workdir)
    raise ConfigError(location, ["not a folder or a zip file"], hint=_HINT)


def _tmp(workdir: Path | None) -> Path:
    return Path(tempfile.mkdtemp(prefix="lakehouse-conf-", dir=workdir))


def _download(uri: str, workdir: Path | None) -> Path:
    from lakehouse.runtimes.aws import client

    parsed = urlparse(uri)
    target = _tmp(workdir) / (Path(parsed.path).name or "conf.zip")
    try:
        client("s3").download_file(parsed.netloc, parsed.path.lstrip("/"), str(target))
    except Exception as exc:  # botocore raises many kinds; all mean "cannot read it"
        raise ConfigError(uri, [f"cannot download the conf archive: {exc}"], hint=_HINT) from exc
    return target


def _from_zip(archive: Path, workdir: Path | None) -> Path:
    if not zipfile.is_zipfile(archive):
        raise ConfigError(str(archive), ["not a zip file"], hint=_HINT)
    out = _tmp(workdir)
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            target = (out / name).resolve()
            if not target.is_relative_to(out.resolve()):
                raise ConfigError(str(archive), [f"entry {name!r} escapes the archive"])
        zf.extractall(out)  # members checked above
    for candidate in (out, out / "conf", *sorted(p for p in out.iterdir() if p.is_dir())):
        if (candidate / "lake.yaml").is_file():
            return candidate
    raise ConfigError(str(archive), ["no lake.yaml in the archive (at the top or in conf/)"],
                      hint=_HINT)
