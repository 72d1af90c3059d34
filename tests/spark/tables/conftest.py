"""Fixtures for the table conformance suite: every test runs once per backend."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["portable", "native"])
def backend(request, spark) -> str:
    """The backend under test; native is skipped (with the reason) where Delta JARs are absent."""
    from lakehouse.spark.delta import delta_support

    if request.param == "native":
        support = delta_support(spark)
        if not support.available:
            pytest.skip(f"native backend: {support.reason}")
    return request.param


@pytest.fixture
def make_table(spark, backend, tmp_path):
    """Open a fresh table under tmp_path (``make_table("name")``)."""
    from lakehouse.tables import open_table

    def _make(name: str = "t"):
        return open_table(spark, str(tmp_path / name), backend=backend)

    return _make


@pytest.fixture
def delta_reader():
    """The independent reader: rows of a table as dicts via delta-rs, sorted by ``sort``."""
    from lakehouse.storage.uri import local_path
    from lakehouse.testing.delta import read_delta

    def _read(uri: str, sort: str = "id", version: int | None = None) -> list[dict]:
        rows = read_delta(local_path(uri), version=version).to_pylist()
        return sorted(rows, key=lambda r: (r[sort] is None, r[sort]))

    return _read
