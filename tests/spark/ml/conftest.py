"""Fixtures for the ML export tests (helpers in churn.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.spark.ml.churn import churn_ml, generate_customers, write_landing, write_project


@pytest.fixture
def churn_project(tmp_path: Path) -> Callable:
    """``churn_project(ml=None, rows=None, sql=None)`` -> loaded Project with landing data."""
    from lakehouse.config import load_project

    def make(ml: dict | None = None, rows: list[dict] | None = None, sql: str | None = None):
        conf = write_project(tmp_path, ml or churn_ml(), sql=sql)
        write_landing(tmp_path, rows if rows is not None else generate_customers())
        return load_project(conf)

    return make
