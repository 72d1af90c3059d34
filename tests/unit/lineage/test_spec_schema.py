"""OpenLineage events checked against the spec's JSON Schemas (vendored, Spark-free)."""

from __future__ import annotations

import copy

import pytest

from lakehouse.config import load_project
from lakehouse.lineage.emitter import LineageObserver
from lakehouse.lineage.spec_schema import SpecViolation, validate_event
from lakehouse.lineage.validate import read_events
from lakehouse.testing.project import write_project
from tests.unit.lineage.test_lineage_transports import BIRDS, drive


@pytest.fixture
def events(tmp_path):
    """The events of a succeeded and of a failed run."""
    project = load_project(write_project(tmp_path, datasets={"birds": BIRDS}))
    run_ids = {drive(LineageObserver(project), fail=fail).run_id for fail in (False, True)}
    assert len(run_ids) == 1  # drive() reuses one run id: both runs append to one log
    return read_events(tmp_path / ".lake" / "_runs" / "lineage" / f"{run_ids.pop()}.jsonl")


def test_emitted_events_validate(events) -> None:
    assert [e["eventType"] for e in events] == ["START", "START", "COMPLETE", "COMPLETE",
                                                "START", "START", "FAIL", "FAIL"]
    for event in events:
        validate_event(event)


def _stage_end(events):
    """A deep copy of the succeeded stage's COMPLETE event merged with the failed stage's
    error facet: one event that carries every facet the emitter writes."""
    complete, failed = (copy.deepcopy(next(e for e in events if e["job"]["name"] == "curate.birds"
                                           and e["eventType"] == state))
                        for state in ("COMPLETE", "FAIL"))
    complete["run"]["facets"]["errorMessage"] = failed["run"]["facets"]["errorMessage"]
    return complete


@pytest.mark.parametrize(("change", "where"), [
    (lambda e: e.pop("eventTime"), "event: 'eventTime' is a required property"),
    (lambda e: e["run"].update(runId="run-1"), "event/run/runId: 'run-1' is not a 'uuid'"),
    (lambda e: e.update(eventTime="yesterday"), "event/eventTime: 'yesterday' is not a 'date-time'"),
    (lambda e: e["outputs"][0]["outputFacets"]["outputStatistics"].update(rowCount="8"),
     "outputs/0/outputFacets/outputStatistics/rowCount: '8' is not of type 'integer'"),
    (lambda e: e["outputs"][0]["facets"]["schema"]["fields"][0].pop("name"),
     "outputs/0/facets/schema/fields/0: 'name' is a required property"),
    (lambda e: e["run"]["facets"]["errorMessage"].pop("programmingLanguage"),
     "run/facets/errorMessage: 'programmingLanguage' is a required property"),
    (lambda e: e["run"]["facets"]["parent"].update(_schemaURL="https://example.com/x.json#/$defs/X"),
     "run/facets/parent: facet 'parent' names an unknown schema"),
])
def test_a_broken_event_is_named_precisely(events, change, where) -> None:
    event = _stage_end(events)
    change(event)
    with pytest.raises(SpecViolation) as raised:
        validate_event(event)
    assert str(raised.value).startswith(where)
