"""Throwaway projects for tests: a copy of a ``conf/`` folder with its own lake under a temp dir."""

from __future__ import annotations

import shutil
from pathlib import Path

from lakehouse.config import Project, load_project


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
    import yaml

    conf = root / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    settings = {"project": "trig", "lake": {"root": str(root / ".lake")}, **(lake or {})}
    (conf / "lake.yaml").write_text(yaml.safe_dump(settings))
    for name, (path, pattern) in datasets.items():
        doc = {"name": name, "source": {"format": "csv", "path": path, "pattern": pattern},
               "schema": [{"name": "id", "type": "int"}], "primary_key": ["id"]}
        (conf / "datasets" / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    return conf
