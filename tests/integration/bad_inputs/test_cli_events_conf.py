"""Issue 14: bad input at the edges - the real CLI in a subprocess (a corrupt file, bad conf),
poison queue messages and hostile S3 keys through the event processor built from conf/.

The user sees one actionable message naming the file (and line or key), never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lakehouse.config import load_project
from lakehouse.testing.project import write_project

from .landing import BASE, HEADER, dataset

REPO = Path(__file__).resolve().parents[3]


def _cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "lakehouse.cli.main", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


# ------------------------------------------------------------------------- CLI, with Spark
@pytest.mark.spark
@pytest.mark.integration
def test_cli_names_the_corrupt_file_and_still_ingests_the_good_dataset(
        tmp_path: Path, spark, monkeypatch, capsys) -> None:
    """`lakehouse run` in this process (sharing the session's Spark; the conf cases below run
    the CLI in a subprocess): the corrupt file is refused and named with its reason, no
    traceback, exit code 1; the good file beside it and the good dataset are ingested."""
    import gzip

    from lakehouse.cli.main import main
    from lakehouse.records.bookmarks import BookmarkStore
    from lakehouse.storage.uri import local_path
    from lakehouse.testing.delta import read_delta

    good_name = "ünï %+ x[1].csv"
    conf = write_project(
        tmp_path, lake={"reports": {"enabled": False}, "lineage": {"transport": "none"}},
        datasets={"good": dataset("good"), "bad": dataset("bad", pattern="*.csv.gz")},
        landing={f"good/{good_name}": f"{HEADER}\n1,a,1.0\n2,b,2.0\n",
                 "bad/fine.csv.gz": f"{HEADER}\n7,g,7.0\n"})
    project = load_project(conf)
    cut = local_path(project.zone_uri("landing")) / "bad" / "cut.csv.gz"
    cut.write_bytes(gzip.compress(f"{HEADER}\n1,a,1.0\n".encode() * 50)[:-30])
    monkeypatch.setattr(sys, "argv", ["lakehouse", "run", "--conf", str(conf), "--stage",
                                      "ingest", "--quiet"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "bad/ingest refused bad/cut.csv.gz: truncated gzip file (the stream ends before " \
           "its end marker); nothing of this file was ingested" in out.out
    assert "hint: the upload was cut short: deliver the file again" in out.out
    assert "ended failed:\n  bad ingest refused bad/cut.csv.gz" in out.err
    assert "Traceback" not in text and "Py4J" not in text
    raw = read_delta(project.table_uri("raw", "good")).to_pandas()
    assert sorted(raw["id"]) == ["1", "2"]
    assert read_delta(project.table_uri("raw", "bad")).to_pandas()["id"].tolist() == ["7"]
    bookmark = BookmarkStore(project.runs_uri).load("bad")
    assert sorted(bookmark.ingested) == ["bad/fine.csv.gz"] and list(bookmark.refused) == [
        "bad/cut.csv.gz"]
    assert cut.exists()


# ------------------------------------------------------------------- CLI, conf errors (no Spark)
def _conf_dir(tmp_path: Path, dataset_text: str) -> Path:
    conf = write_project(tmp_path, datasets={"sales": dataset("sales")})
    (conf / "datasets" / "sales.yaml").write_text(dataset_text, encoding="utf-8")
    return conf


GOOD = yaml.safe_dump(dataset("sales"), sort_keys=False)
BAD_CONF = {
    "invalid_yaml": (GOOD.replace("source:", "source: [", 1),
                     "line 4, column 7: not valid YAML (expected ',' or ']', but got ':')"),
    "tab_indented_yaml": ("name: sales\n\tsource: {}\n", "not valid YAML"),
    "unknown_key": (GOOD.replace("primary_key:", "primary_keys:"),
                    "primary_keys"),
    "wrong_type": (GOOD.replace("format: csv", "format: [csv]"), "source.format"),
    "wrong_value": (GOOD.replace("path: sales", "path: sales\n  empty_files: sometimes"),
                    "source.empty_files"),
    "not_a_mapping": ("- just\n- a list\n", "expected a mapping at the top level, got list"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONF))
def test_cli_names_the_bad_conf_file(tmp_path: Path, case: str) -> None:
    text, fragment = BAD_CONF[case]
    conf = _conf_dir(tmp_path, text)
    out = _cli("run", "--conf", str(conf), timeout=120)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "invalid configuration in" in out.stderr
    assert str(conf / "datasets" / "sales.yaml") in out.stderr
    assert fragment in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


# ------------------------------------------------------- events: poison messages, hostile keys
def _body(key: str, *, bucket: str = "landing-bucket", etag: str | None = "e1") -> str:
    obj = {"key": key, "size": 5, **({"eTag": etag} if etag else {})}
    return json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                    "s3": {"bucket": {"name": bucket}, "object": obj}}]})


@pytest.fixture
def processor(tmp_path: Path):
    from lakehouse.events.idempotency import SqliteIdempotencyStore
    from lakehouse.events.service import build_processor
    from lakehouse.events.testing import RecordingDispatcher

    conf = write_project(tmp_path, lake={"triggers": {"source_uri": "s3://landing-bucket/in",
                                                      "window_seconds": 0}},
                         datasets={"hostile": dataset("hostile")})
    project = load_project(conf)
    recorder = RecordingDispatcher()

    def make(**kwargs):
        return build_processor(project, dispatcher=recorder,
                               store=SqliteIdempotencyStore(tmp_path / "ids.sqlite"), **kwargs)

    make.recorder = recorder
    make.project = project
    return make


POISON = {
    "not_json": ("{not json", "rejected: message body is not JSON"),
    "json_array": ("[1, 2]", "rejected: expected a JSON object, got list"),
    "wrong_shape": ('{"hello": "world"}', "rejected: unrecognized message shape"),
    "records_not_a_list": ('{"Records": {"a": 1}}', "rejected: 'Records' must be a non-empty list"),
    "other_event_source": ('{"Records": [{"eventSource": "aws:kinesis"}]}',
                           "rejected: Records[0].eventSource is 'aws:kinesis'"),
    "no_etag": (_body("in/hostile/a.csv", etag=None), "has neither an ETag nor a version id"),
    "unknown_bucket": (_body("in/hostile/a.csv", bucket="someone-else"),
                       "unrouted: bucket 'someone-else' is not the landing bucket"),
    "dot_dot_key": (_body("in/hostile/../../etc/x.csv"), "has a '..' segment: refused"),
    "outside_prefix": (_body("elsewhere/hostile/a.csv"), "outside the landing prefix"),
}


@pytest.mark.parametrize("case", sorted(POISON))
def test_poison_message_is_dead_lettered_with_its_reason(processor, case: str) -> None:
    from lakehouse.events.model import InboundMessage

    body, reason = POISON[case]
    proc = processor()
    proc.unrouted = "dead_letter"
    decision = proc.accept(InboundMessage(f"m-{case}", body))
    assert decision is not None and decision.action == "dead_letter"
    assert reason in decision.reason, decision.reason
    assert processor.recorder.runs == 0
    stats = proc.stats
    assert stats.messages == 1 and stats.rejected + stats.unrouted == 1   # counted, not dropped


def test_unrouted_keys_are_reported_by_default(processor) -> None:
    from lakehouse.events.model import InboundMessage

    proc = processor()
    decision = proc.accept(InboundMessage("m1", _body("in/hostile/../../x.csv")))
    assert decision is not None and decision.action == "ack"
    assert proc.stats.unrouted_keys == ["s3://landing-bucket/in/hostile/../../x.csv"]


ENCODED_KEYS = {
    "in/hostile/caf%C3%A9+%C3%BCn%C3%AF.csv": "hostile/café ünï.csv",
    "in/hostile/100%25.csv": "hostile/100%.csv",
    "in/hostile/a%2Bb.csv": "hostile/a+b.csv",
    "in/hostile/sp+ace.csv": "hostile/sp ace.csv",
    "in/hostile/%2520x.csv": "hostile/%20x.csv",
    "in/hostile/x%5B1%5D.csv": "hostile/x[1].csv",
}


def test_hostile_event_keys_route_to_the_landing_names(processor) -> None:
    """The decoded keys are the names the landing-path catalogue ingests (HOSTILE_NAMES)."""
    from lakehouse.events.model import InboundMessage

    from .landing import HOSTILE_NAMES

    proc = processor()
    for i, key in enumerate(ENCODED_KEYS):
        assert proc.accept(InboundMessage(f"m{i}", _body(key, etag=f"e{i}"))) is None
    decisions = proc.flush(force=True)
    assert sorted(d.action for d in decisions) == ["ack"] * len(ENCODED_KEYS)
    routed = sorted(o["relative_key"] for r in processor.recorder.requests for o in r.objects)
    assert routed == sorted(ENCODED_KEYS.values())
    assert {k.split("/", 1)[1] for k in routed} <= set(HOSTILE_NAMES)


def test_local_dispatch_refuses_a_key_resolving_outside_landing(processor) -> None:
    from lakehouse.errors import EventError
    from lakehouse.events.dispatch import LocalDispatcher, RunRequest

    class NoS3:
        def get_object(self, **kwargs):
            raise AssertionError("must refuse before reading the object")

    dispatcher = LocalDispatcher(processor.project, s3=NoS3(), run=lambda *a, **k: None)
    request = RunRequest("hostile", ({"bucket": "landing-bucket", "key": "in/../../evil.csv",
                                      "relative_key": "hostile/../../evil.csv"},))
    with pytest.raises(EventError, match="resolves outside the landing zone"):
        dispatcher.dispatch(request)
    assert not (Path(processor.project.project_dir) / ".lake" / "evil.csv").exists()


def test_base_schema_is_the_one_the_cases_use() -> None:
    assert [c["name"] for c in BASE] == HEADER.split(",")
