"""Dispatcher selection and the runtimes adapter's call contract."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from lakehouse.errors import EventError
from lakehouse.events.batching import Batch, PendingArrival
from lakehouse.events.dispatch import (
    LocalDispatcher,
    RunRequest,
    RuntimeDispatcher,
    build_dispatcher,
)
from lakehouse.events.model import ObjectArrival


def request() -> RunRequest:
    batch = Batch("flights", 0.0)
    for key in ("flights/b.csv", "flights/a.csv"):
        arrival = ObjectArrival("landing", key, 3, "e", sequencer="0A")
        batch.items[arrival.identity] = PendingArrival(arrival, key, {"m"})
    return RunRequest.from_batch(batch)


def test_run_request_trigger_lists_objects_in_key_order() -> None:
    trigger = request().trigger()
    assert trigger["type"] == "s3_arrival" and trigger["dataset"] == "flights"
    assert [o["relative_key"] for o in trigger["objects"]] == ["flights/a.csv", "flights/b.csv"]
    assert trigger["objects"][0]["sequencer"] == "0A" and trigger["batch_id"]


def test_build_dispatcher_follows_triggers_dispatch(make_project, tmp_path) -> None:
    assert isinstance(build_dispatcher(make_project()), LocalDispatcher)
    glue = build_dispatcher(make_project(triggers={"dispatch": "glue", "package_dir": "dist"}))
    assert isinstance(glue, RuntimeDispatcher) and glue.target == "glue"
    assert glue.package_dir == tmp_path / "dist"


def test_local_dispatch_needs_a_local_landing_zone(make_project) -> None:
    with pytest.raises(EventError, match="local landing zone"):
        LocalDispatcher(make_project(lake={"root": "s3://b/lake"}))


def test_local_dispatcher_calls_the_runner_with_the_trigger(make_project) -> None:
    calls = []

    def run(project, **kwargs):
        calls.append(kwargs)
        return SimpleNamespace(run_id="r-1", status="succeeded")

    project = make_project()
    result = LocalDispatcher(project, run=run, spark="SPARK").dispatch(request())
    assert result.run_id == "r-1"
    [call] = calls
    assert call["datasets"] == ["flights"] and call["stage"] == "all" and call["spark"] == "SPARK"
    assert call["trigger"]["type"] == "s3_arrival" and len(call["trigger"]["objects"]) == 2


def test_runtime_adapter_submits_without_waiting(make_project) -> None:
    calls = []

    def submit(project, **kwargs):
        calls.append(kwargs)
        return SimpleNamespace(run_id="jr_123", state="SUBMITTED", logs="s3://logs/jr_123")

    result = RuntimeDispatcher(make_project(), target="emr-serverless", submit=submit).dispatch(
        request())
    assert (result.run_id, result.status) == ("jr_123", "SUBMITTED")
    [call] = calls
    assert call["target"] == "emr-serverless" and call["datasets"] == ["flights"]
    assert call["wait"] is False and call["stage"] == "all"


def test_runtime_adapter_wraps_foreign_errors(make_project) -> None:
    def submit(project, **kwargs):
        raise ValueError("boom")

    with pytest.raises(EventError, match="submitting 'flights' to glue failed: boom"):
        RuntimeDispatcher(make_project(), target="glue", submit=submit).dispatch(request())


def test_runtime_adapter_uses_the_runtimes_submit_function() -> None:
    from lakehouse.events.dispatch import _runtime_submit
    from lakehouse.runtimes.submit.orchestrate import submit

    assert _runtime_submit() is submit
    accepted = inspect.signature(submit).parameters
    for name in ("target", "datasets", "stage", "wait", "package_dir", "echo"):
        assert name in accepted, f"lakehouse.runtimes.submit.orchestrate.submit no longer takes {name}="


def test_versions_of_one_key_are_ordered_by_sequencer() -> None:
    batch = Batch("flights", 0.0)
    for etag, seq in (("v2", "0100"), ("v1", "FF"), ("v3", "00FF1")):  # 256, 255, 4081
        arrival = ObjectArrival("landing", "flights/a.csv", 3, etag, sequencer=seq)
        batch.items[arrival.identity] = PendingArrival(arrival, "flights/a.csv", {"m"})
    assert [o["etag"] for o in RunRequest.from_batch(batch).objects] == ["v1", "v2", "v3"]
