"""A minimal reader of individual Delta commit files (``_delta_log/<version>.json``).

delta-rs gives snapshots; two operations need the per-commit view instead:
``read_appended`` (which files did commits after version v add?) and ``vacuum`` (which
files were removed, and when?). Paths in the log are URL-encoded; we return raw paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import unquote

from lakehouse.errors import TableError
from lakehouse.tables.fs import TableFiles

LOG_DIR = "_delta_log"
OPERATION_KEY = "lakehouse.operation"  # commitInfo: the operation as lakehouse names it
METRICS_KEY = "lakehouse.metrics"      # commitInfo: file and row counts of the commit


@dataclass
class Commit:
    """The file actions of one commit."""

    version: int
    adds: list[dict] = field(default_factory=list)
    removes: list[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    txns: dict[str, int] = field(default_factory=dict)     # app id -> version (idempotency keys)
    metadata: bool = False                                 # a metaData action: schema or settings


def commit_path(version: int) -> str:
    return f"{LOG_DIR}/{version:020d}.json"


def read_commit(files: TableFiles, version: int) -> Commit:
    """Parse one commit file, raising TableError when it was cleaned up."""
    rel = commit_path(version)
    if not files.exists(rel):
        raise TableError(
            f"commit {version} is no longer in the Delta log",
            hint="log retention removed it; read the full table instead of incrementally",
            table=files.uri, file=rel,
        )
    commit = Commit(version)
    for line in files.read_text(rel).splitlines():
        if not line.strip():
            continue
        action = json.loads(line)
        if "add" in action:
            add = dict(action["add"])
            add["path"] = unquote(add["path"])
            commit.adds.append(add)
        elif "remove" in action:
            rm = dict(action["remove"])
            rm["path"] = unquote(rm["path"])
            commit.removes.append(rm)
        elif "commitInfo" in action:
            commit.info = action["commitInfo"]
        elif "metaData" in action:
            commit.metadata = True
        elif "txn" in action:
            commit.txns[action["txn"]["appId"]] = int(action["txn"]["version"])
    return commit


def commit_metrics(files: TableFiles, idempotency_key: str, *, recent: int = 50) -> dict | None:
    """The operation metrics of the commit made with ``idempotency_key`` among the last
    ``recent`` commits (numbers), or None. Lets a retried write report what the first did."""
    for version in sorted(available_versions(files), reverse=True)[:recent]:
        commit = read_commit(files, version)
        if idempotency_key in commit.txns:
            metrics = commit.info.get("lakehouse.metrics") or commit.info.get("operationMetrics")
            return {k: int(v) for k, v in (metrics or {}).items()
                    if isinstance(v, int) or (isinstance(v, str) and v.isdigit())}
    return None


def available_versions(files: TableFiles) -> list[int]:
    """Versions whose commit JSON is still present, ascending."""
    out = []
    for entry in files.walk(LOG_DIR):
        name = entry.rel.rsplit("/", 1)[-1]
        if entry.rel.count("/") == 1 and name.endswith(".json") and name[:-5].isdigit():
            out.append(int(name[:-5]))
    return sorted(out)


def has_delta_log(files: TableFiles) -> bool:
    """Whether a Delta log with at least one commit or checkpoint exists under the table."""
    if files.exists(commit_path(0)) or files.exists(f"{LOG_DIR}/_last_checkpoint"):
        return True
    return any(e.rel.endswith((".json", ".checkpoint.parquet")) for e in files.walk(LOG_DIR))
