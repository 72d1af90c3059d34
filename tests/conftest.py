"""Shared fixtures: one session-scoped SparkSession, one moto server over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Every run record the suite writes (in this process and in the CLI / job subprocesses it
# starts, which inherit the variable) is checked against docs/schemas/run-record.v1.json
# before it is written: lakehouse.records.history.write_run raises on a mismatch.
os.environ["LAKEHOUSE_VALIDATE_RECORDS"] = "1"


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    from lakehouse.testing.moto_server import FAKE_CREDENTIALS
    from lakehouse.testing.spark import test_session

    # Spark's JVM and Python workers keep the environment they start with: give them dummy
    # credentials (never a real account from tests), as moto servers started later expect.
    for key, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(key, value)
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


@pytest.fixture(scope="session")
def moto_process_endpoint():
    """A moto server in its own process: some delta-rs calls (history, is_deltatable) hold
    the GIL while they wait on HTTP, which would starve the in-process ``moto_endpoint``.
    Spark's S3A reaches it too (:func:`s3a_spark`)."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from lakehouse.testing.moto_server import FAKE_CREDENTIALS, _free_port

    saved = {k: os.environ.get(k) for k in FAKE_CREDENTIALS}
    os.environ.update(FAKE_CREDENTIALS)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
                break
            except (TimeoutError, OSError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server process did not start") from None
                time.sleep(0.3)
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def s3a_spark(spark, moto_process_endpoint):
    """The test session with S3A pointed at the moto server (skips where hadoop-aws is absent)."""
    from lakehouse.spark.jars import resolve
    from lakehouse.spark.s3 import configure_s3a

    resolution = resolve()
    if not resolution.available:
        pytest.skip(f"Spark on S3 needs hadoop-aws: {resolution.reason}")
    configure_s3a(spark, moto_process_endpoint, credentials_from_env=True)
    return spark
