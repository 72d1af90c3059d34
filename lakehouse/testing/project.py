"""Throwaway projects for tests (the one builder every test uses).

:func:`write_project` writes ``conf/lake.yaml`` (settings as a dict or YAML text), dataset
contracts, exports and landing files under a folder; :func:`make_project` copies an existing
``conf/`` folder; :func:`write_minimal_project` is the one-column-CSV shortcut of the trigger
tests. Each returns the conf folder (or the loaded :class:`Project`).
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lakehouse.config import Project, load_project

SMALL_SPARK = {"master": "local[1]", "shuffle_partitions": 1, "driver_memory": "1g"}


def write_project(root: Path, *, lake: Mapping[str, Any] | str | None = None,
                  datasets: Mapping[str, Mapping[str, Any] | str] | None = None,
                  exports: Mapping[str, Mapping[str, Any] | str] | None = None,
                  landing: Mapping[str, str | bytes] | None = None, project: str = "demo") -> Path:
    """Write ``root/conf`` and landing files; returns the conf folder.

    Args:
        lake: ``lake.yaml`` as text, or a dict of sections merged over the defaults
            (``project``, ``lake.root = root/.lake``).
        datasets / exports: name -> contract (dict or YAML text).
        landing: relative path -> content (``.gz`` paths are gzip-compressed) under the
            landing zone ``root/.lake/landing`` (or the lake root given in ``lake``).
    """
    import yaml

    conf = root / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    if isinstance(lake, str):
        text = lake
    else:
        settings: dict[str, Any] = {"project": project, "lake": {"root": (root / ".lake").as_posix()}}
        for key, value in (lake or {}).items():
            if isinstance(value, Mapping) and isinstance(settings.get(key), dict):
                settings[key] = {**settings[key], **value}
            else:
                settings[key] = value
        text = yaml.safe_dump(settings, sort_keys=False)
    (conf / "lake.yaml").write_text(text, encoding="utf-8")
    for folder, docs in (("datasets", datasets), ("exports", exports)):
        for name, doc in (docs or {}).items():
            (conf / folder).mkdir(exist_ok=True)
            body = doc if isinstance(doc, str) else yaml.safe_dump(dict(doc), sort_keys=False)
            (conf / folder / f"{name}.yaml").write_text(body, encoding="utf-8")
    if landing:
        from lakehouse.storage.uri import local_path

        zone = local_path(load_project(conf).zone_uri("landing"))
        for rel, content in landing.items():
            write_file(zone / rel, content)
    return conf


def write_file(path: Path, content: str | bytes) -> Path:
    """Write ``content`` (gzip-compressed when ``path`` ends in ``.gz``), creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def make_project(root: Path, conf_src: Path, *, env: str | None = None) -> Project:
    """Copy ``conf_src`` to ``root/conf`` and load it; the lake lands in ``root/.lake``."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / "conf"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(conf_src, target)
    return load_project(target, env)


def write_minimal_project(root: Path, *, datasets: dict[str, tuple[str, str]],
                          lake: dict | None = None) -> Path:
    """Write ``root/conf`` with one-column CSV datasets ``{name: (path, pattern)}``.

    ``lake`` adds top-level ``lake.yaml`` sections. Returns the conf folder.
    """
    docs = {name: {"name": name, "source": {"format": "csv", "path": path, "pattern": pattern},
                   "schema": [{"name": "id", "type": "int"}], "primary_key": ["id"]}
            for name, (path, pattern) in datasets.items()}
    return write_project(root, lake=lake, datasets=docs, project="trig")


TRIPS = """\
name: trips
source: {format: csv, path: trips, options: {header: true}}
schema:
  - {name: id, type: int}
  - {name: city, type: string}
primary_key: [id]
schema_policy: %s
"""
TRIPS_BY_CITY = """\
name: trips_by_city
inputs: [trips]
sql: SELECT id, city FROM trips
partition_by: [city]
"""


def write_trips_conf(root: Path, *, backend: str = "local", endpoint: str | None = None,
                     policy: str = "additive", domain: str | None = None, export: bool = False) -> Path:
    """The catalog tests' project: dataset ``trips`` (+ export ``trips_by_city``), lake ``./lake``."""
    catalog: dict[str, Any] = {"backend": backend}
    if domain:
        catalog["domain"] = domain
    if endpoint:
        catalog.update(endpoint_url=endpoint, region="us-east-1")
    return write_project(root, lake={"lake": {"root": "./lake"}, "catalog": catalog},
                         datasets={"trips": TRIPS % policy},
                         exports={"trips_by_city": TRIPS_BY_CITY} if export else None)


def trips_project(root: Path, **kwargs: Any) -> Project:
    """:func:`write_trips_conf`, loaded."""
    return load_project(write_trips_conf(root, **kwargs))
