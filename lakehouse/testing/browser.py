"""Load a page in a real headless Chromium and read it back over the DevTools protocol.

Used by the run-report test: the page must load with no console error, no uncaught
exception and no failed resource, and show the expected numbers once its scripts ran.
A small client over ``websocket-client`` (the protocol is JSON over one websocket); no
browser is downloaded: Debian's ``chromium`` package is used when it is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--remote-allow-origins=*"]


def chromium_path() -> str | None:
    """The installed Chromium binary, if any."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageResult:
    """What the page did: console errors and exceptions, and the value of ``evaluate``."""

    errors: list[str] = field(default_factory=list)
    value: Any = None


class _Session:
    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params: Any) -> dict:
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == msg_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def drain(self, seconds: float) -> None:
        import websocket

        end = time.monotonic() + seconds
        self.ws.settimeout(0.2)
        try:
            while time.monotonic() < end:
                try:
                    self.events.append(json.loads(self.ws.recv()))
                except websocket.WebSocketTimeoutException:
                    continue
        finally:
            self.ws.settimeout(30)


def load_page(url: str, *, evaluate: str, ready: str = "document.readyState === 'complete'",
              timeout: float = 60.0, binary: str | None = None) -> PageResult:
    """Open ``url``, wait until the JS expression ``ready`` is true, then return the JSON value of
    ``evaluate`` and every console error / exception / failed load seen on the way."""
    binary = binary or chromium_path()
    if not binary:
        raise FileNotFoundError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="lh-chromium-") as profile:
        proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = _devtools_port(Path(profile), proc, timeout)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
                targets = json.load(resp)
            page = next(t for t in targets if t.get("type") == "page")
            session = _Session(page["webSocketDebuggerUrl"])
            for domain in ("Runtime", "Log", "Page"):
                session.call(f"{domain}.enable")
            session.call("Page.navigate", url=url)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                done = session.call("Runtime.evaluate", expression=f"Boolean({ready})", returnByValue=True)
                if done.get("result", {}).get("value"):
                    break
                session.drain(0.3)
            else:
                raise TimeoutError(f"{url}: not ready after {timeout}s ({ready})")
            session.drain(0.5)
            value = session.call("Runtime.evaluate", expression=f"JSON.stringify({evaluate})",
                                 returnByValue=True)["result"].get("value")
            result = PageResult(errors=_errors(session.events), value=json.loads(value) if value else None)
            try:
                session.call("Browser.close")
            except Exception:  # noqa: S110 - the browser may close the socket first
                pass
            return result
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _devtools_port(profile: Path, proc: subprocess.Popen, timeout: float) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with code {proc.returncode} before DevTools was up")
        if marker.exists():
            text = marker.read_text().split()
            if text:
                return int(text[0])
        time.sleep(0.1)
    raise TimeoutError("chromium did not open its DevTools port")


def _errors(events: list[dict]) -> list[str]:
    out = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            out.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                    for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            out.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
    return out
