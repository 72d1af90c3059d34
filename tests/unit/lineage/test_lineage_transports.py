"""Lineage events through the real client transports: a file under the lake, and HTTP to a
local server (Spark-free: the observer is driven with a run summary)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from lakehouse.config import load_project
from lakehouse.lineage.emitter import LineageObserver, run_uuid
from lakehouse.lineage.validate import parse_event, read_events
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.testing.project import write_project

BIRDS = {"name": "birds", "source": {"format": "csv", "path": "birds"},
         "schema": [{"name": "id", "type": "int"}, {"name": "wing", "type": "double", "source": "Wing (mm)"}],
         "primary_key": ["id"]}


def drive(observer: LineageObserver, *, fail: bool = False) -> RunSummary:
    summary = RunSummary("20260101T000000Z-00000001", "local", "all", ["birds"])
    observer.run_started(summary, [("curate", "birds")])
    observer.stage_started(summary, "curate", "birds")
    result = StageResult("birds", "curate", "failed" if fail else "succeeded", 10, 8, 2,
                         message="boom" if fail else "")
    observer.stage_finished(summary, result)
    summary.finish("failed" if fail else "succeeded", "boom" if fail else None)
    observer.run_finished(summary)
    return summary


def test_file_transport_writes_valid_paired_events(tmp_path) -> None:
    project = load_project(write_project(tmp_path, datasets={"birds": BIRDS}))
    summary = drive(LineageObserver(project))
    events = read_events(tmp_path / ".lake" / "_runs" / "lineage" / f"{summary.run_id}.jsonl")
    for event in events:
        parse_event(event)
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        ("pipeline", "START"), ("curate.birds", "START"), ("curate.birds", "COMPLETE"),
        ("pipeline", "COMPLETE")]
    stage_run = run_uuid(summary.run_id, "curate", "birds")
    assert events[2]["run"]["runId"] == stage_run == events[1]["run"]["runId"]
    curated, quarantine = events[2]["outputs"]
    assert curated["outputFacets"]["outputStatistics"]["rowCount"] == 8
    assert quarantine["outputFacets"]["outputStatistics"]["rowCount"] == 2
    assert curated["facets"]["columnLineage"]["fields"]["wing"]["inputFields"][0]["field"] == "Wing (mm)"


def test_http_transport_posts_events_and_failures_carry_the_error(tmp_path) -> None:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                             "event": json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        lake = {"lineage": {"transport": "http", "url": f"http://127.0.0.1:{server.server_port}",
                            "api_key_env": "LH_TEST_OL_KEY"}}
        project = load_project(write_project(tmp_path, lake=lake, datasets={"birds": BIRDS}))
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("LH_TEST_OL_KEY", "k123")
            drive(LineageObserver(project), fail=True)
    finally:
        server.shutdown()
    assert [r["path"] for r in received] == ["/api/v1/lineage"] * 4
    assert received[0]["auth"] == "Bearer k123"
    failed = received[2]["event"]
    assert failed["eventType"] == "FAIL" and failed["run"]["facets"]["errorMessage"]["message"] == "boom"
    for r in received:
        parse_event(r["event"])
    assert not (tmp_path / ".lake" / "_runs" / "lineage").exists()


def test_http_without_url_is_a_config_error(tmp_path) -> None:
    from lakehouse.errors import ConfigError

    with pytest.raises(ConfigError, match="needs 'url'"):
        load_project(write_project(tmp_path, lake={"lineage": {"transport": "http"}}))
