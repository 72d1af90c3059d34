"""Route an arrival's key to the one dataset whose landing glob matches it.

The landing root events are relative to is, in order: ``triggers.source_uri``; the landing
zone itself when it is ``s3://bucket/prefix``; otherwise (a local landing zone fed from an S3
bucket) any bucket, with keys taken as relative to the bucket root. Keys outside the root or
matching no dataset are *unrouted*: reported (logged and counted), never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from lakehouse.config.key_globs import find_overlaps, source_matches
from lakehouse.config.project import Project
from lakehouse.errors import ConfigError
from lakehouse.events.model import ObjectArrival


@dataclass(frozen=True)
class Route:
    """Where an arrival goes: ``dataset`` is ``None`` when unrouted (``reason`` says why)."""

    dataset: str | None
    relative_key: str
    reason: str = ""
    skipped: bool = False  # not for any dataset by design (empty, hidden): ignored, not unrouted


@dataclass(frozen=True)
class Router:
    """Maps ``(bucket, key)`` to a dataset by the datasets' ``source.key_glob`` (``path/pattern``:
    files at any depth under ``path`` whose name matches ``pattern``, as the pipeline reads)."""

    globs: dict[str, str]
    bucket: str | None = None
    prefix: str = ""

    def __post_init__(self) -> None:
        problems = find_overlaps(self.globs)
        if problems:
            raise ConfigError("conf/datasets", problems,
                              hint="make the datasets' source path/pattern disjoint")

    @classmethod
    def for_project(cls, project: Project) -> Router:
        """Build the router from ``conf/`` (see the module docstring for the landing root)."""
        globs = {name: ds.source.key_glob for name, ds in project.datasets.items()}
        root = project.lake.triggers.source_uri
        if root is None and project.zone_uri("landing").startswith("s3://"):
            root = project.zone_uri("landing")
        if root is None:
            return cls(globs=globs)
        parsed = urlparse(root)
        return cls(globs=globs, bucket=parsed.netloc, prefix=parsed.path.strip("/"))

    @property
    def root(self) -> str:
        if self.bucket is None:
            return "any bucket"
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def route(self, arrival: ObjectArrival) -> Route:
        """The dataset for ``arrival``, or an unrouted :class:`Route` with the reason."""
        if self.bucket is not None and arrival.bucket != self.bucket:
            return Route(None, arrival.key,
                         f"bucket {arrival.bucket!r} is not the landing bucket {self.bucket!r}")
        key = arrival.key
        if self.prefix:
            if not key.startswith(self.prefix + "/"):
                return Route(None, key, f"key is outside the landing prefix {self.root}/")
            key = key[len(self.prefix) + 1:]
        if ".." in key.split("/"):
            return Route(None, key, f"landing key {key!r} has a '..' segment: refused, it would "
                                    "resolve outside the landing zone")
        if key.endswith("/"):  # a console "folder"; empty *files* are routed: ingest records them
            return Route(None, key, "folder marker (key ends with '/'): nothing to ingest",
                         skipped=True)
        hits = [name for name, glob in sorted(self.globs.items()) if source_matches(glob, key)]
        if not hits and any(p.startswith((".", "_")) for p in key.split("/")[1:]):
            return Route(None, key, "hidden or '_'-prefixed names are never ingested",
                         skipped=True)
        if not hits:
            known = ", ".join(f"{n}: {g}" for n, g in sorted(self.globs.items()))
            return Route(None, key, f"landing key {key!r} matches no dataset's source ({known})")
        return Route(hits[0], key)
