"""Fixtures for the runtime tests: a throwaway project and one artifact set (tiny venv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_helpers import REPO_ROOT, make_tiny_wheel, write_project


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture(scope="session")
def artifact_set(tmp_path_factory: pytest.TempPathFactory):
    """``build_package`` on this repository, with a venv archive holding only a tiny wheel."""
    from lakehouse.runtimes.packaging import build_package

    links = tmp_path_factory.mktemp("links")
    make_tiny_wheel(links)
    out = tmp_path_factory.mktemp("pkg") / "dist"
    return build_package(REPO_ROOT, out, deps_archive=True, deps_requirements=["tinydep==0.1"],
                         pip_args=["--no-index", f"--find-links={links}"],
                         cache_dir=tmp_path_factory.mktemp("cache"))
