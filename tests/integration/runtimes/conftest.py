"""Fixtures for the runtime tests: a throwaway project and one artifact set (tiny lock)."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import REPO_ROOT, make_tiny_lock, make_tiny_wheel, write_project


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture(scope="session")
def artifact_set(tmp_path_factory: pytest.TempPathFactory):
    """``build_package`` on this repository, whose environment archive and Glue wheels come
    from a hash-pinned lock of one tiny wheel (no package index)."""
    from lakehouse.runtimes.submit.packaging import build_package

    links = tmp_path_factory.mktemp("links")
    lock = make_tiny_lock(make_tiny_wheel(links), links / "cluster-tiny.txt")
    out = tmp_path_factory.mktemp("pkg") / "dist"
    return build_package(REPO_ROOT, out, deps_archive=True, lock=lock,
                         glue_locks={3: lock, 4: lock},
                         pip_args=["--no-index", f"--find-links={links}"],
                         cache_dir=tmp_path_factory.mktemp("cache"))
