"""Find a dataset's files in the landing zone (no Spark)."""

from __future__ import annotations

from dataclasses import dataclass

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

    def facts(self) -> dict:
        return {"size": self.size, "modified": self.modified, "etag": self.etag}


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


def new_files(found: list[LandingFile], ingested: dict[str, dict]) -> list[LandingFile]:
    """Files not ingested yet. A file delivered again with other content (size/etag) is new."""
    out = []
    for item in found:
        seen = ingested.get(item.rel_path)
        if seen is None or seen.get("size") != item.size or (
            item.etag and seen.get("etag") and seen["etag"] != item.etag
        ):
            out.append(item)
    return out
