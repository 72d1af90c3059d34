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


@pytest.fixture(scope="module")
def moto_process_endpoint():
    """A moto server in its own process: some delta-rs calls (history, is_deltatable) hold
    the GIL while they wait on HTTP, which would starve the in-process ``moto_endpoint``."""
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
