"""Throwaway projects for catalog tests (conf + lake under tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.testing.project import trips_project as make_project


@pytest.fixture
def project(tmp_path: Path):
    return make_project(tmp_path)
