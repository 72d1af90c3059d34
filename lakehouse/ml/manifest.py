"""The ML export's ``_manifest.json``: inputs, seed, counts and checksums (Spark-free).

What makes a version reproducible: the input Delta table versions, the export spec (SQL and
``ml:``), the seed, and - to prove it - the SHA-256 of every output file and of the fitted
parameters. :func:`compare` says which files differ between two manifests.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from lakehouse.storage import files
from lakehouse.storage.uri import child_uri, join_uri

MANIFEST = "_manifest.json"
TRANSFORMS = "_transforms.json"
FORMAT_VERSION = 1


def canonical_json(data: Any) -> str:
    """Stable JSON (sorted keys, fixed separators): the same dict always gives the same bytes."""
    return json.dumps(data, sort_keys=True, indent=1, default=str) + "\n"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checksums(location: str, relative: list[str]) -> dict[str, str]:
    """SHA-256 of each file (``relative`` paths under ``location``), sorted by path."""
    return {rel: sha256_bytes(files.read_bytes(child_uri(location, rel))) for rel in sorted(relative)}


def build(*, export: str, version: int, location: str, run_id: str | None, created_at: str,
          spec: dict[str, Any], input_versions: dict[str, int | None], seed: int,
          split_info: dict[str, Any], counts: dict[str, int], class_counts: dict[str, Any],
          label: dict[str, Any], transforms_sha256: str, file_checksums: dict[str, str], rows: dict[str, int],
          checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest dict (JSON-ready)."""
    return {
        "format_version": FORMAT_VERSION, "kind": "ml", "export": export, "version": version,
        "location": location, "run_id": run_id, "created_at": created_at,
        "input_versions": input_versions, "seed": seed, "split": split_info,
        "label": label, "split_counts": counts, "class_counts": class_counts, "rows": rows,
        "transforms_sha256": transforms_sha256, "files": file_checksums, "spec": spec,
        "checks": checks,
    }


def read(uri: str) -> dict[str, Any]:
    """A manifest from ``uri`` (a ``_manifest.json`` file or the folder holding one)."""
    target = uri if uri.endswith(".json") else join_uri(uri, MANIFEST)
    return json.loads(files.read_text(target))


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Differences in data files and fitted parameters (empty when byte-identical)."""
    problems = []
    if expected.get("transforms_sha256") != actual.get("transforms_sha256"):
        problems.append(f"{TRANSFORMS}: checksum {actual.get('transforms_sha256')} != "
                        f"{expected.get('transforms_sha256')}")
    want, got = expected.get("files", {}), actual.get("files", {})
    for rel in sorted(set(want) | set(got)):
        if rel not in got:
            problems.append(f"{rel}: missing from the rebuild")
        elif rel not in want:
            problems.append(f"{rel}: not in the original")
        elif want[rel] != got[rel]:
            problems.append(f"{rel}: checksum {got[rel][:12]}… != {want[rel][:12]}…")
    return problems
