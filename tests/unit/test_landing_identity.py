"""A landing file is known by its content, not its timestamp (no Spark): the same bytes
delivered again are the same file; other bytes of the same size are not."""

from __future__ import annotations

import os
from pathlib import Path

from lakehouse.sources.landing import LandingFile, changes, new_files


def _listed(path: Path) -> LandingFile:
    stat = path.stat()
    return LandingFile(path.as_uri(), f"d/{path.name}", stat.st_size, stat.st_mtime)


def _redeliver(path: Path, data: bytes) -> LandingFile:
    """Write ``data`` as a producer would, with a later modification time."""
    before = path.stat().st_mtime if path.exists() else 0.0
    path.write_bytes(data)
    os.utime(path, (before + 60, before + 60))
    return _listed(path)


def test_same_bytes_with_a_new_time_are_the_same_local_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    first = _redeliver(path, b"id,name\n1,a\n").hashed()
    again = _redeliver(path, b"id,name\n1,a\n")
    assert again.modified != first.modified
    same, differences = changes(first.facts(), again)
    assert differences == [] and same.sha256 == first.sha256
    assert new_files([again], {"d/a.csv": first.facts()}) == []


def test_other_bytes_of_the_same_size_are_a_new_local_file(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    first = _redeliver(path, b"id,name\n1,a\n").hashed()
    other = _redeliver(path, b"id,name\n2,b\n")
    _, differences = changes(first.facts(), other)
    assert differences[0].startswith(f"SHA-256 {first.sha256[:12]}… -> ")
    assert differences[1].startswith("modified ") and " -> " in differences[1]
    assert [f.rel_path for f in new_files([other], {"d/a.csv": first.facts()})] == ["d/a.csv"]


def test_size_and_etag_decide_on_s3_whatever_the_time() -> None:
    seen = {"size": 10, "modified": 1.0, "etag": "abc"}
    assert changes(seen, LandingFile("s3://b/d/a.csv", "d/a.csv", 10, 9.0, "abc"))[1] == []
    _, differences = changes(seen, LandingFile("s3://b/d/a.csv", "d/a.csv", 12, 9.0, "def"))
    assert differences == ["size 10 -> 12", "ETag abc -> def",
                           "modified 1970-01-01 00:00:01.000Z -> 1970-01-01 00:00:09.000Z"]


def test_a_bookmark_without_hashes_compares_sizes_only(tmp_path: Path) -> None:
    """Bookmarks written before hashes were kept: an upgrade never re-ingests landing."""
    path = tmp_path / "a.csv"
    legacy = {"size": 12, "modified": 1.0, "etag": None}
    rewritten = _redeliver(path, b"id,name\n2,b\n")
    assert new_files([rewritten], {"d/a.csv": legacy}) == []
    # a pending batch must prove its content: without a hash, a new time is a change
    assert changes(legacy, rewritten)[1][0] == "no content hash recorded to compare"
