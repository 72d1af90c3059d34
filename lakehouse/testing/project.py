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
