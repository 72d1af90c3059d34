"""A DQDL ruleset beside a contract in the real pipeline: its row-level failures go to quarantine
with the rule's name, a failing dataset-level rule blocks; `lakehouse quality dqdl` prints Glue's
result shape with exit codes 0 / 3 / 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from deltalake import DeltaTable

from lakehouse.cli.main import cli, main
from lakehouse.config import load_project
from lakehouse.errors import QualityGateError
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.sample import write_nycflights13
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import make_project

pytestmark = [pytest.mark.spark, pytest.mark.integration]
REPO = Path(__file__).resolve().parents[3]
RULESET = """Rules = [
    IsComplete "tailnum",
    ColumnValues "seats" <= 200 where "engines > 0",
    RowCount > 0,
    (Completeness "year" > 0.5) and (IsUnique "tailnum")
]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("dqdl"), REPO / "conf")
    write_nycflights13(project.zone_uri("landing"), months=[1], max_rows_per_file=200)
    (project.conf_dir / "datasets" / "planes.dqdl").write_text(RULESET)
    return load_project(project.conf_dir)


@pytest.fixture(scope="module")
def first_run(project, spark):
    run_pipeline(project, datasets=["planes"], stage="ingest", spark=spark)
    return run_pipeline(project, datasets=["planes"], stage="curate", spark=spark)


def _landing_planes(project) -> pd.DataFrame:
    folder = local_path(project.zone_uri("landing")) / "planes"
    return pd.concat(pd.read_csv(p) for p in sorted(folder.glob("*.csv*")))


def test_row_level_failures_reach_quarantine_with_the_rule_name(project, first_run) -> None:
    assert first_run.status == "succeeded" and first_run.balanced, first_run.render()
    planes = _landing_planes(project)
    yaml_bad = (planes["seats"] <= 0) | (planes["engines"] < 0) | (planes["engines"] > 8)
    dqdl_bad = (planes["engines"] > 0) & (planes["seats"] > 200)
    assert dqdl_bad.sum() > 0, "the sample must hold planes with more than 200 seats"
    q = read_delta(project.quarantine_uri("planes", "raw_to_curated")).to_pandas()
    got = {row["tailnum"]: list(row["_failed_rules"]) for _, row in q.iterrows()}
    want = {t: ["Rule_2"] for t in planes.loc[dqdl_bad & ~yaml_bad, "tailnum"]}
    assert {t: r for t, r in got.items() if "Rule_2" in r} == want
    assert all("Rule_2: ColumnValues" in reason for reason in q["_reason"] if "Rule_2" in reason)
    curated = read_delta(project.table_uri("curated", "planes")).to_pandas()
    assert len(curated) + len(q) == len(planes)


def test_a_failing_dataset_level_rule_blocks_and_writes_nothing(project, first_run, spark) -> None:
    before = DeltaTable(project.table_uri("curated", "planes")).version()
    path = project.conf_dir / "datasets" / "planes.dqdl"
    try:
        path.write_text("Rules = [ RowCount > 1000000, IsComplete \"tailnum\" ]\n")
        late = _landing_planes(project).head(5).copy()   # a new delivery for the gate to see
        late["tailnum"] = [f"N9{i}DQ" for i in range(5)]
        late.to_csv(local_path(project.zone_uri("landing")) / "planes" / "planes_late.csv",
                    index=False)
        blocked = load_project(project.conf_dir)
        run_pipeline(blocked, datasets=["planes"], stage="ingest", spark=spark)
        with pytest.raises(QualityGateError, match=r"Rule_1 \[dqdl, severity fail\]"):
            run_pipeline(blocked, datasets=["planes"], stage="curate", spark=spark)
    finally:
        path.write_text(RULESET)
    assert DeltaTable(project.table_uri("curated", "planes")).version() == before


def test_quality_dqdl_cli_prints_glue_results_and_exit_codes(project, first_run, tmp_path, monkeypatch,
                                                              capsys) -> None:
    conf = str(project.conf_dir)
    good = tmp_path / "good.dqdl"
    good.write_text('Rules = [ IsComplete "tailnum", RowCount > 0, '
                    'ColumnValues "seats" <= 2000 where "engines > 0", RowCountMatch "planes" = 1.0,'
                    ' SchemaMatch "planes" = 1.0, ReferentialIntegrity "tailnum" "planes.tailnum" = 1.0,'
                    ' CustomSql "select count(*) from primary" > 0 ]\n')
    result = CliRunner().invoke(cli, ["quality", "dqdl", "planes", "--ruleset", str(good),
                                      "--conf", conf, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [r["Name"] for r in doc["RuleResults"]] == [f"Rule_{i}" for i in range(1, 8)]
    metrics = {k: v for r in doc["RuleResults"] for k, v in r["EvaluatedMetrics"].items()}
    assert metrics["Dataset.planes.RowCountMatch"] == metrics["Dataset.planes.SchemaMatch"] == 1.0
    assert metrics["Column.planes.ReferentialIntegrity"] == 1.0
    assert metrics["Dataset.*.CustomSQL"] == doc["RowsEvaluated"]
    assert doc["RuleResults"][0] == {"Name": "Rule_1", "Description": 'IsComplete "tailnum"',
                                     "Result": "PASS",
                                     "EvaluatedMetrics": {"Column.tailnum.Completeness": 1.0}}
    assert doc["RuleResults"][1]["EvaluatedMetrics"]["Dataset.*.RowCount"] == doc["RowsEvaluated"]

    bad = tmp_path / "bad.dqdl"
    bad.write_text('Rules = [ RowCount > 1000000 ]\n')
    failed = CliRunner().invoke(cli, ["quality", "dqdl", "planes", "--ruleset", str(bad),
                                      "--conf", conf])
    assert failed.exit_code == 3, failed.output
    assert "FAIL" in failed.output and "RowCount > 1000000" in failed.output

    broken = tmp_path / "broken.dqdl"
    broken.write_text('Rules = [\n  RowCount >\n]\n')
    monkeypatch.setattr(sys, "argv", ["lakehouse", "quality", "dqdl", "planes", "--ruleset",
                                      str(broken), "--conf", conf])
    with pytest.raises(SystemExit) as exit_info:   # the console entry point: error -> exit code
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "line 3, column 1" in err and "broken.dqdl" in err

    helped = CliRunner().invoke(cli, ["quality", "dqdl", "--help"])
    assert "lakehouse quality dqdl flights --ruleset flights.dqdl" in helped.output


def test_dataset_match_and_aggregate_match_read_the_reference(project, first_run, tmp_path) -> None:
    """The batch (curated planes) against the curated planes as reference: equal rows match 1.0;
    a mapping onto another column and a ratio of two sums give the pandas values."""
    curated = read_delta(project.table_uri("curated", "planes")).to_pandas()
    ruleset = tmp_path / "match.dqdl"
    ruleset.write_text('Rules = [ DatasetMatch "planes" "tailnum" = 1.0,'
                       ' DatasetMatch "planes" "tailnum" "seats->engines" > 0.5,'
                       ' AggregateMatch "sum(seats)" "sum(planes.seats)" = 1.0,'
                       ' AggregateMatch "sum(engines)" "avg(seats)" > 1000000 ]\n')
    result = CliRunner().invoke(cli, ["quality", "dqdl", "planes", "--ruleset", str(ruleset),
                                      "--conf", str(project.conf_dir), "--json"])
    assert result.exit_code == 3, result.output   # rules 2 and 4 fail
    doc = json.loads(result.output)
    got = [(r["Result"], r["EvaluatedMetrics"]) for r in doc["RuleResults"]]
    same = float((curated["seats"] == curated["engines"]).mean())
    ratio = float(curated["engines"].sum() / curated["seats"].mean())
    assert got[0] == ("PASS", {"Dataset.planes.DatasetMatch": 1.0})
    assert got[1][0] == "FAIL" and got[1][1]["Dataset.planes.DatasetMatch"] == pytest.approx(same)
    assert got[2] == ("PASS", {"Column.seats.AggregateMatch": 1.0})
    assert got[3][0] == "FAIL"
    assert got[3][1]["Column.engines,seats.AggregateMatch"] == pytest.approx(ratio)
