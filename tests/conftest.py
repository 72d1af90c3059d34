"""Shared fixtures: one session-scoped SparkSession, one moto server over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    from lakehouse.testing.spark import test_session

    session = test_session(str(tmp_path_factory.mktemp("warehouse")))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from lakehouse.testing.moto_server import moto_server

    with moto_server() as endpoint:
        os.environ["LAKEHOUSE_TEST_AWS_ENDPOINT"] = endpoint
        yield endpoint
        os.environ.pop("LAKEHOUSE_TEST_AWS_ENDPOINT", None)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A bucket/table-safe name unique to this test."""
    import re
    import uuid

    base = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_project(tmp_path: Path):
    """Factory of minimal projects under ``tmp_path``: ``make_project({name: (path, glob)}, **lake)``."""
    from lakehouse.config import load_project
    from lakehouse.testing.project import write_minimal_project

    def make(datasets: dict[str, tuple[str, str]] | None = None, **lake):
        conf = write_minimal_project(
            tmp_path, datasets=datasets or {"flights": ("flights", "*.csv*"),
                                            "weather": ("weather", "*.csv")}, lake=lake)
        return load_project(conf)

    return make
