"""Gates inside the real pipeline: bad rows injected into landing files end up, exactly, in
quarantine; a `fail` rule beyond its threshold blocks (curated keeps its version, the CLI exits
3); replay after a rule fix moves the fixed rows into curated exactly once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from deltalake import DeltaTable

from lakehouse.config import load_project
from lakehouse.errors import QualityGateError
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.quality.replay import replay
from lakehouse.sample import write_nycflights13
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import make_project

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[3]
ROWS = 120
BAD = {  # flight number -> (column changes, rule expected in _failed_rules)
    "99001": ({"distance": "-5"}, "distance_positive"),
    "99002": ({"origin": "BOS"}, "origin_nyc"),
    "99003": ({"carrier": "a1x"}, "carrier_code"),
}


def _edit_rules(project, dataset: str, edit) -> object:
    path = project.conf_dir / "datasets" / f"{dataset}.yaml"
    doc = yaml.safe_load(path.read_text())
    edit(doc["rules"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_project(project.conf_dir)


def _curated(project) -> pd.DataFrame:
    return read_delta(project.table_uri("curated", "flights")).to_pandas()


def _quarantine(project) -> pd.DataFrame:
    return read_delta(project.quarantine_uri("flights", "raw_to_curated")).to_pandas()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("gates"), REPO / "conf")
    landing = project.zone_uri("landing")
    write_nycflights13(landing, months=[1], max_rows_per_file=ROWS)
    folder = local_path(landing) / "flights"
    jan = pd.read_csv(folder / "flights_2013_01.csv", dtype=str, keep_default_na=False)
    bad = []
    for i, (flight, (changes, _)) in enumerate(BAD.items()):
        row = jan.iloc[[20 + i]].copy()
        row["flight"] = flight
        for col, value in changes.items():
            row[col] = value
        bad.append(row)
    pd.concat(bad).to_csv(folder / "flights_2013_01_bad.csv", index=False)
    return project


@pytest.fixture(scope="module")
def first_run(project, spark):
    run_pipeline(project, datasets=["airports", "planes", "flights"], stage="ingest", spark=spark)
    return run_pipeline(project, datasets=["airports", "planes", "flights"], stage="curate",
                        spark=spark)


def test_injected_bad_rows_land_in_quarantine_exactly(project, first_run) -> None:
    assert first_run.status == "succeeded" and first_run.balanced, first_run.render()
    q = _quarantine(project)
    got = {row["flight"]: list(row["_failed_rules"]) for _, row in q.iterrows()}
    assert got == {flight: [rule] for flight, (_, rule) in BAD.items()}
    assert set(q["_gate"]) == {"raw_to_curated"} and set(q["_run_id"]) == {first_run.run_id}
    curated = _curated(project)
    assert len(curated) == ROWS and not curated["flight"].isin([99001, 99002, 99003]).any()
    stage = next(s for s in first_run.stages if s.dataset == "flights" and s.stage == "curate")
    assert stage.rows_read == ROWS + len(BAD)
    assert stage.rows_quarantined == len(BAD) and stage.rows_written == ROWS


def test_fail_rule_beyond_threshold_blocks_and_cli_exits_3(project, first_run, spark,
                                                            monkeypatch, capsys) -> None:
    before = DeltaTable(project.table_uri("curated", "flights")).version()
    landing = local_path(project.zone_uri("landing")) / "flights"
    jan = pd.read_csv(landing / "flights_2013_01.csv", dtype=str, keep_default_na=False)
    late = jan.head(10).copy()
    late["flight"] = [str(98000 + i) for i in range(10)]
    late.to_csv(landing / "flights_2013_01_late.csv", index=False)
    blocking = {"name": "short_haul", "rule": "between", "column": "distance", "max": 500,
                "severity": "fail", "threshold": {"max_ratio": 0.05}}
    gated = _edit_rules(project, "flights", lambda r: r["raw_to_curated"].append(blocking))
    run_pipeline(gated, datasets=["flights"], stage="ingest", spark=spark)
    with pytest.raises(QualityGateError, match="short_haul"):
        run_pipeline(gated, datasets=["flights"], stage="curate", spark=spark)
    assert DeltaTable(project.table_uri("curated", "flights")).version() == before

    from lakehouse.cli.main import main

    capsys.readouterr()
    for extra in ([], ["--json"]):
        monkeypatch.setattr(sys, "argv", ["lakehouse", "run", "--conf", str(gated.conf_dir),
                                          "--dataset", "flights", "--stage", "curate", *extra])
        with pytest.raises(SystemExit) as exit_info:
            main()
        assert exit_info.value.code == 3
        out = capsys.readouterr().out
        # issue 31: the run's own summary says why: the failing check, its numbers, the hint
        if extra:
            stage = json.loads(out)["stages"][0]
            assert stage["status"] == "blocked" and "short_haul" in stage["error"]
            assert "\n  hint: fix the data or the rule" in stage["error"]
            rules = {r["name"]: r for r in stage["details"]["gates"][0]["results"]}
            assert (rules["short_haul"]["failing"], rules["short_haul"]["blocking"]) == (9, True)
        else:
            assert "flights/curate blocked: quality gate raw_to_curated blocked flights" in out, out
            assert "- short_haul [between, severity fail] (9 of 10 rows, 90.00%)" in out, out
            assert "hint: fix the data or the rule (threshold/severity)" in out, out
    assert DeltaTable(project.table_uri("curated", "flights")).version() == before
    assert len(_quarantine(project)) == len(BAD)            # nothing quarantined either
    _edit_rules(project, "flights",
                lambda r: r["raw_to_curated"].remove(blocking))


def test_replay_moves_fixed_rows_into_curated_exactly_once(project, first_run, spark) -> None:
    def relax(rules):
        for rule in rules["raw_to_curated"]:
            if rule["name"] == "distance_positive":
                rule["severity"] = "warn"

    fixed = _edit_rules(project, "flights", relax)
    base = _curated(project)
    result = replay(spark, fixed, "flights")
    assert (result.rows_replayed, result.rows_fixed, result.rows_still_quarantined) == (3, 1, 2)
    assert result.still_failing == {"origin_nyc": 1, "carrier_code": 1}
    curated = _curated(project)
    assert len(curated) == len(base) + 1
    assert (curated["flight"] == 99001).sum() == 1
    assert curated.loc[curated["flight"] == 99001, "distance"].iloc[0] == -5
    q = _quarantine(project)
    assert sorted(q["flight"]) == ["99002", "99003"]
    assert set(q["_run_id"]) == {first_run.run_id}            # original run id kept

    again = replay(spark, fixed, "flights")                  # nothing new to move
    assert (again.rows_replayed, again.rows_fixed) == (2, 0)
    assert len(_curated(project)) == len(base) + 1


def test_replay_crash_between_merge_and_quarantine_commit_is_safe(project, first_run, spark,
                                                                  monkeypatch) -> None:
    from lakehouse.tables import open_table

    def relax(rules):
        for rule in rules["raw_to_curated"]:
            if rule["name"] == "origin_nyc":
                rule["severity"] = "warn"

    fixed = _edit_rules(project, "flights", relax)
    base = len(_curated(project))
    q_version = DeltaTable(project.quarantine_uri("flights", "raw_to_curated")).version()
    store = type(open_table(spark, project.quarantine_uri("flights", "raw_to_curated")))
    real = store.overwrite  # the backend the project writes with (native where the JARs load)

    def crash(self, *args, **kwargs):
        raise RuntimeError("simulated crash before the quarantine commit")

    monkeypatch.setattr(store, "overwrite", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        replay(spark, fixed, "flights")
    assert len(_curated(project)) == base + 1                 # merged ...
    assert DeltaTable(project.quarantine_uri("flights", "raw_to_curated")).version() == q_version
    monkeypatch.setattr(store, "overwrite", real)
    curated_version = DeltaTable(project.table_uri("curated", "flights")).version()

    again = replay(spark, fixed, "flights")                   # ... and completed, not re-merged
    assert (again.rows_replayed, again.rows_fixed, again.rows_still_quarantined) == (2, 1, 1)
    assert DeltaTable(project.table_uri("curated", "flights")).version() == curated_version
    curated = _curated(project)
    assert len(curated) == base + 1 and (curated["flight"] == 99002).sum() == 1
    assert sorted(_quarantine(project)["flight"]) == ["99003"]


def test_quality_cli_history_report_and_replay(project, first_run) -> None:
    import json

    from click.testing import CliRunner

    from lakehouse.cli.main import cli

    conf = str(project.conf_dir)
    runner = CliRunner()
    hist = runner.invoke(cli, ["quality", "history", "flights", "--conf", conf, "--json"])
    assert hist.exit_code == 0, hist.output
    runs = json.loads(hist.output)
    first = next(r for r in runs if r["run_id"] == first_run.run_id)
    assert first["rows_quarantined"] == len(BAD) and not first["blocked"]
    assert first["rules"]["distance_positive"]["failing"] == 1
    assert any(r["blocked"] for r in runs)                    # the blocked attempt is kept
    text = runner.invoke(cli, ["quality", "history", "flights", "--conf", conf])
    assert "BLOCKED" in text.output and "distance_positive=1" in text.output

    report = runner.invoke(cli, ["quality", "report", "--conf", conf, "--dataset", "flights"])
    assert report.exit_code == 0, report.output
    assert "flights / raw_to_curated" in report.output and "latest.html" in report.output
    page = local_path(project.lake_root) / "_quality/docs/flights/raw_to_curated/latest.html"
    assert page.is_file() and "flights.raw_to_curated" in page.read_text()

    replayed = runner.invoke(cli, ["quality", "replay", "flights", "--conf", conf, "--json"])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.output)["rows_fixed"] == 0     # nothing fixed since last replay
