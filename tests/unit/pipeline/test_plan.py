"""The plan of a run, from typed keys: what runs, in which order, what each unit waits for."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.errors import InvalidArgumentError
from lakehouse.pipeline.plan import UnitKey, build_plan
from lakehouse.testing.project import write_project

REPO = Path(__file__).resolve().parents[3]


def _dataset(name: str, refs: tuple[str, ...] = ()) -> dict:
    rules = [{"name": f"{r}_known", "rule": "references", "column": "ref", "dataset": r,
              "ref_column": "id", "severity": "warn"} for r in refs]
    return {"name": name, "source": {"format": "csv", "path": name},
            "schema": [{"name": "id", "type": "int"}, {"name": "ref", "type": "int"}],
            "primary_key": ["id"],
            **({"rules": {"raw_to_curated": rules}} if rules else {})}


def _project(tmp_path, datasets: dict, exports: dict | None = None):
    return load_project(write_project(tmp_path, datasets=datasets, exports=exports))


def test_unit_keys_are_typed_hashable_and_print_as_words() -> None:
    key = UnitKey("curate", "flights")
    assert str(key) == "curate flights"
    assert key == UnitKey("curate", "flights") and len({key, UnitKey("curate", "flights")}) == 1
    assert key != UnitKey("ingest", "flights")


def test_the_repository_conf_plans_references_first_and_exports_after_their_inputs() -> None:
    plan = build_plan(load_project(REPO / "conf"))
    keys = [str(k) for k in plan.keys]
    assert keys[:4] == ["ingest airports", "ingest flights", "ingest planes", "ingest weather"]
    # flights reads airports and planes (references rules): curated after them
    assert keys.index("curate airports") < keys.index("curate flights")
    assert keys.index("curate planes") < keys.index("curate flights")
    after = {str(u.key): sorted(map(str, u.after)) for u in plan.units}
    assert after["curate flights"] == ["curate airports", "curate planes", "ingest flights"]
    assert after["curate weather"] == ["ingest weather"]
    assert after["ingest flights"] == []
    assert after["export flights_enriched"] == ["curate flights", "curate planes",
                                                "curate weather"]
    assert after["export flights_delay_ml"] == ["curate flights", "curate weather"]
    assert keys[-2:] == ["export flights_delay_ml", "export flights_enriched"]
    assert plan.steps()[0] == ("ingest", "airports")


def test_references_order_the_curates_and_waits_name_only_planned_units(tmp_path) -> None:
    project = _project(tmp_path, {"a": _dataset("a", ("c",)), "b": _dataset("b"),
                                  "c": _dataset("c", ("b",))})
    plan = build_plan(project, stage="curate")
    assert [str(k) for k in plan.keys] == ["curate b", "curate c", "curate a"]
    after = {u.key.name: u.after for u in plan.units}
    # only curates run: no ingest to wait for; a waits for c, c for b
    assert after == {"b": frozenset(), "c": {UnitKey("curate", "b")},
                     "a": {UnitKey("curate", "c")}}
    # a dataset not selected is not waited for
    only_a = build_plan(project, datasets=["a"], stage="all")
    assert [str(k) for k in only_a.keys] == ["ingest a", "curate a"]
    assert only_a.units[1].after == {UnitKey("ingest", "a")}


def test_a_reference_cycle_keeps_the_given_order_without_a_deadlock(tmp_path) -> None:
    project = _project(tmp_path, {"a": _dataset("a", ("b",)), "b": _dataset("b", ("a",))})
    plan = build_plan(project, stage="curate")
    assert [str(k) for k in plan.keys] == ["curate a", "curate b"]
    assert plan.units[0].after == frozenset()            # the edge closing the cycle is left out
    assert plan.units[1].after == {UnitKey("curate", "a")}


def test_exports_wait_for_their_inputs_and_not_for_each_other(tmp_path) -> None:
    sql = "SELECT * FROM a"
    exports = {"x": {"name": "x", "inputs": ["a"], "sql": sql},
               "y": {"name": "y", "inputs": ["a"], "sql": sql}}
    project = _project(tmp_path, {"a": _dataset("a"), "b": _dataset("b")}, exports)
    plan = build_plan(project)
    after = {str(u.key): u.after for u in plan.units}
    assert after["export x"] == after["export y"] == {UnitKey("curate", "a")}
    assert [str(k) for k in plan.keys][-2:] == ["export x", "export y"]
    # exporting alone: nothing of this run to wait for
    alone = build_plan(project, stage="export")
    assert [(str(u.key), u.after) for u in alone.units] == [("export x", frozenset()),
                                                            ("export y", frozenset())]
    assert build_plan(project, stage="ingest").keys == [UnitKey("ingest", "a"),
                                                        UnitKey("ingest", "b")]


def test_an_unknown_stage_is_refused_before_anything_is_planned(tmp_path) -> None:
    project = _project(tmp_path, {"a": _dataset("a")})
    with pytest.raises(InvalidArgumentError, match="stage"):
        build_plan(project, stage="load")  # type: ignore[arg-type]
