"""Run the code under test against a request-logging moto server (test harness).

:class:`LoggedMoto` starts :mod:`request_log_server` in its own process; ``logging()`` wraps
the code whose AWS calls are to be judged, and returns them parsed. The pipeline and the
trigger Lambda each run in such a window, against resources created the way the dev stack's
Terraform creates them (bucket, Glue databases, DynamoDB tables).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from iam_requests import Recorded, load_recording

from lakehouse.testing.moto_server import FAKE_CREDENTIALS, _free_port

SERVER = Path(__file__).resolve().parent / "request_log_server.py"


class LoggedMoto:
    """A moto server process whose requests can be logged on demand."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.windows = 0
        self.log = workdir / "requests.jsonl"
        port = _free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, str(SERVER), str(port), str(self.log)],
                                     env={**os.environ, **FAKE_CREDENTIALS},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.close()
                    raise RuntimeError("the request-logging moto server did not start") from None
                time.sleep(0.3)

    def _switch(self, what: str) -> None:
        request = urllib.request.Request(f"{self.endpoint}/_requests/{what}", method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    @contextmanager
    def logging(self) -> Iterator[list[Recorded]]:
        """Log the requests made inside the block; the yielded list is filled at its end."""
        calls: list[Recorded] = []
        self._switch("start")
        try:
            yield calls
        finally:
            self._switch("stop")
            text = self.log.read_text(encoding="utf-8")
            self.windows += 1      # kept for reading after a failure
            (self.workdir / f"window-{self.windows}.jsonl").write_text(text, encoding="utf-8")
            calls.extend(load_recording(text))

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
