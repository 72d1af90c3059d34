"""Find a dataset's files in the landing zone, and tell a new file from one already seen (no Spark).

A file is identified by its *content*, not its timestamp: a producer that delivers the same
bytes again (a retry, ``lakehouse sample`` run twice) delivers the same file. On S3 the
content identity is the size and the ETag; on a local disk it is the size and a SHA-256 of
the bytes, computed when a file joins a batch and recomputed only for a file whose
modification time changed (the same size and time are taken as the same file, as ``rsync``
does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lakehouse.config.key_globs import source_matches
from lakehouse.config.models import DatasetConfig
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri


@dataclass(frozen=True)
class LandingFile:
    uri: str
    rel_path: str          # relative to the landing zone, e.g. "flights/flights_2013_01.csv"
    size: int
    modified: float
    etag: str | None = None
    sha256: str | None = None   # local files: the content hash, once computed

    def facts(self) -> dict:
        """What identifies this version of the file (the bookmark and run record keep it)."""
        out = {"size": self.size, "modified": self.modified, "etag": self.etag}
        if self.sha256:
            out["sha256"] = self.sha256
        return out

    def hashed(self) -> LandingFile:
        """This file with its content hash, when its store gives no ETag (local files)."""
        if self.etag or self.sha256:
            return self
        digest = hashlib.sha256()
        for chunk in files.iter_chunks(self.uri):
            digest.update(chunk)
        return replace(self, sha256=digest.hexdigest())

    @classmethod
    def from_facts(cls, uri: str, rel_path: str, facts: dict) -> LandingFile:
        return cls(uri, rel_path, facts["size"], facts["modified"], facts.get("etag"),
                   facts.get("sha256"))


def list_landing_files(landing_uri: str, dataset: DatasetConfig) -> list[LandingFile]:
    """Files under ``<landing>/<source.path>/`` whose name matches ``source.pattern``.

    Empty (0-byte) files are listed too: ingest records them rather than ignoring them.
    """
    folder = join_uri(landing_uri, dataset.source.path)
    found = []
    for info in files.list_files(folder):
        rel = files.relative_to(info.uri, landing_uri)
        if source_matches(dataset.source.key_glob, rel):  # the rule event routing uses too
            found.append(LandingFile(info.uri, rel, info.size, info.modified, info.etag))
    return found


def changes(seen: dict, now: LandingFile) -> tuple[LandingFile, list[str]]:
    """How the file ``now`` differs in content from the version whose facts are ``seen``.

    Returns ``now`` (with its hash when one was computed) and the differences, e.g.
    ``["size 10 -> 12", "modified 2026-01-02 10:00:00 -> 2026-01-02 10:05:00"]``; no
    differences means the same content (a new modification time alone is no change). A
    local file whose time changed is hashed; when ``seen`` holds no hash to compare with
    (a bookmark written before hashes were kept), the new time counts as a change.
    """
    found = []
    if seen.get("size") != now.size:
        found.append(f"size {seen.get('size')} -> {now.size}")
    if seen.get("etag") and now.etag:
        if seen["etag"] != now.etag:
            found.append(f"ETag {seen['etag']} -> {now.etag}")
    elif not found and seen.get("modified") != now.modified:
        if seen.get("sha256"):
            now = now.hashed()
            if now.sha256 != seen["sha256"]:
                found.append(f"SHA-256 {seen['sha256'][:12]}… -> {now.sha256[:12]}…")
        else:
            found.append("no content hash recorded to compare")
    if found and seen.get("modified") != now.modified:
        found.append(f"modified {_when(seen.get('modified'))} -> {_when(now.modified)}")
    return now, found


def describe(rel: str, differences: list[str]) -> str:
    """``a.csv (size 10 -> 12, modified ... -> ...)``."""
    return f"{rel} ({', '.join(differences)})"


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "?"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"


def new_files(found: list[LandingFile], ingested: dict[str, dict]) -> list[LandingFile]:
    """Files not ingested yet: unseen, or delivered again with other content.

    A file ingested before hashes were kept (no ETag, no hash recorded) is compared by size
    only, so upgrading never re-ingests a landing zone.
    """
    out = []
    for item in found:
        seen = ingested.get(item.rel_path)
        if seen is None:
            out.append(item)
            continue
        if not seen.get("sha256") and not (seen.get("etag") and item.etag):
            if seen.get("size") != item.size:
                out.append(item)
            continue
        item, differences = changes(seen, item)
        if differences:
            out.append(item)
    return out
