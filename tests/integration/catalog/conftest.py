"""Catalog backends for the conformance suite: local (SQLite in tmp) and glue (moto server)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(params=["local", pytest.param("glue", marks=pytest.mark.aws)])
def catalog(request: pytest.FixtureRequest, tmp_path):
    if request.param == "local":
        from lakehouse.catalog.local import LocalCatalog

        cat = LocalCatalog(tmp_path / "_catalog" / "catalog.db")
    else:
        from lakehouse.catalog.glue import GlueCatalog

        endpoint = request.getfixturevalue("moto_endpoint")
        cat = GlueCatalog(region="us-east-1", endpoint_url=endpoint)
    yield cat
    cat.close()


@pytest.fixture
def db_name() -> str:
    """A database name unique to this test (the moto server is shared by the session)."""
    return f"db_{uuid.uuid4().hex[:10]}"
