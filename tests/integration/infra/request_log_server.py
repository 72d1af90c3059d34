"""A moto server that logs every request it serves (test harness; run as a script).

    python request_log_server.py PORT LOGFILE

Between ``POST /_requests/start`` and ``POST /_requests/stop`` each request is appended to
LOGFILE as one JSON line: method, URL (path and raw query), headers, response status and the
body when it is small protocol payload (JSON, XML, form; object data is left out). Whoever
sends it - boto3, the JVM's S3A client, delta-rs or Arrow - is logged the same way, which is
what :mod:`iam_requests` turns into IAM requests.

moto's own recorder (``MOTO_ENABLE_RECORDING``) is not used: it writes each entry in two
unlocked writes, so concurrent uploads (Spark writes files in parallel) can interleave lines,
and it keeps whole object bodies.
"""

from __future__ import annotations

import base64
import io
import json
import sys
import threading
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

BODY_LIMIT = 1 << 20
_PROTOCOL = ("json", "xml", "x-www-form-urlencoded", "x-amz-json")


class RequestLog:
    """WSGI middleware: log requests while switched on, then hand them to moto."""

    def __init__(self, app: Any, path: str):
        self.app, self.path = app, path
        self.lock = threading.Lock()
        self.on = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path in ("/_requests/start", "/_requests/stop"):
            with self.lock:
                self.on = path.endswith("start")
                if self.on:
                    open(self.path, "w").close()
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if not self.on:
            return self.app(environ, start_response)
        body = b""
        length = environ.get("CONTENT_LENGTH")
        kind = (environ.get("CONTENT_TYPE") or "").lower()
        if length and int(length) <= BODY_LIMIT:
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        headers["content-type"] = kind
        keep = any(p in kind for p in _PROTOCOL) or environ.get("QUERY_STRING", "").startswith(
            "delete") or (not kind and len(body) < 4096)
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or path).split("?", 1)[0]
        entry = {"method": environ["REQUEST_METHOD"], "path": raw_path,   # still %-encoded
                 "query": environ.get("QUERY_STRING", ""), "headers": headers,
                 "body": base64.b64encode(body).decode() if keep else ""}
        status: list[str] = []

        def record_status(code: str, response_headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, response_headers, exc_info)

        try:
            return self.app(environ, record_status)
        finally:
            entry["status"] = status[0] if status else ""
            with self.lock:
                with open(self.path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")


def main() -> None:
    port, logfile = int(sys.argv[1]), sys.argv[2]
    app = RequestLog(DomainDispatcherApplication(create_backend_app), logfile)
    run_simple("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
