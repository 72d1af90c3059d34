"""Bookmarks: what each dataset's stages have already processed, so re-runs are incremental.

One JSON document per dataset under ``<runs>/bookmarks/<dataset>.json``. Ingest records the
landing files it committed and a *pending* batch written before the commit: if a run dies
between commit and bookmark update, the next run re-plays the same batch with the same
idempotency key, which the table layer turns into a no-op (Delta app transaction). Files
ingest refused are recorded with the reason; they are read again once they change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lakehouse.failpoints import fault_point
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri


@dataclass
class PendingBatch:
    key: str
    files: dict[str, dict]            # relative path -> {"size", "modified", "etag"}


@dataclass
class Bookmark:
    dataset: str
    ingested: dict[str, dict] = field(default_factory=dict)   # rel path -> file facts + run id
    pending: PendingBatch | None = None
    refused: dict[str, dict] = field(default_factory=dict)    # rel path -> facts + reason
    curated_raw_version: int | None = None                   # last raw version curated

    def to_json(self) -> str:
        data = {
            "dataset": self.dataset,
            "ingested": self.ingested,
            "pending": None if self.pending is None else vars(self.pending),
            "refused": self.refused,
            "curated_raw_version": self.curated_raw_version,
        }
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Bookmark:
        data = json.loads(text)
        pending = data.get("pending")
        return cls(
            dataset=data["dataset"],
            ingested=data.get("ingested", {}),
            pending=PendingBatch(**pending) if pending else None,
            refused=data.get("refused", {}),
            curated_raw_version=data.get("curated_raw_version"),
        )


class BookmarkStore:
    """Reads and writes bookmarks under ``runs_uri``."""

    def __init__(self, runs_uri: str):
        self.root = join_uri(runs_uri, "bookmarks")

    def _uri(self, dataset: str) -> str:
        return join_uri(self.root, f"{dataset}.json")

    def load(self, dataset: str) -> Bookmark:
        uri = self._uri(dataset)
        if not files.exists(uri):
            return Bookmark(dataset)
        return Bookmark.from_json(files.read_text(uri))

    def save(self, bookmark: Bookmark) -> None:
        fault_point("bookmark.save", bookmark.dataset)
        files.write_text(self._uri(bookmark.dataset), bookmark.to_json())
