"""docs/datasets.md's worked example, run as written: its files and contracts are taken from
the page, run through the real runner and checked with independent Delta readers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lakehouse.config import load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.testing.delta import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.integration]
DOC = Path(__file__).resolve().parents[2] / "docs" / "datasets.md"
_BLOCK = re.compile(r"<!-- example: (\S+) -->\n```[a-z]*\n(.*?)```", re.S)


def _write_example(root: Path) -> Path:
    blocks = _BLOCK.findall(DOC.read_text())
    assert {name for name, _ in blocks} == {
        "lake.yaml", "landing/penguins/penguins.csv", "landing/islands/islands.json",
        "datasets/penguins.yaml", "datasets/islands.yaml"}
    for name, body in blocks:
        target = root / (name if name.startswith("landing/") else f"conf/{name}")
        if name.startswith("landing/"):
            target = root / ".lake" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    return root / "conf"


def test_worked_example_runs_as_documented(tmp_path: Path, spark) -> None:
    project = load_project(_write_example(tmp_path))
    assert project.lake_root == (tmp_path / ".lake").resolve().as_uri()  # relative to conf/..
    summary = run_pipeline(project, spark=spark)
    assert summary.status == "succeeded", summary.render()
    counts = {(s.dataset, s.stage): (s.rows_read, s.rows_written, s.rows_quarantined)
              for s in summary.stages}
    assert counts == {("islands", "ingest"): (3, 3, 0), ("penguins", "ingest"): (6, 5, 1),
                      ("islands", "curate"): (3, 3, 0), ("penguins", "curate"): (5, 4, 1)}
    csv_lines = (tmp_path / ".lake/landing/penguins/penguins.csv").read_text().count("\n") - 1
    assert counts[("penguins", "ingest")][0] == csv_lines

    landing_q = read_delta(project.quarantine_uri("penguins", "landing_to_raw")).to_pandas()
    assert landing_q["_line"].tolist() == [6]
    assert landing_q["_reason"].tolist() == [
        "penguins/penguins.csv, line 6: 8 fields, the header has 7 (too many)"]
    curate_q = read_delta(project.quarantine_uri("penguins", "raw_to_curated")).to_pandas()
    assert curate_q["sample_number"].tolist() == ["6"]
    assert curate_q["_failed_rules"].map(list).tolist() == [["not_null:species"]]

    penguins = read_delta(project.table_uri("curated", "penguins")).to_pandas() \
        .set_index("sample_number")
    assert sorted(penguins.index) == [1, 2, 3, 4]
    assert penguins.loc[2, ["culmen_length_mm", "body_mass_g"]].isna().all()
    assert penguins.loc[2, "comments"] == "Not enough blood, no measurement"
    assert penguins.loc[3, "comments"] is None
    assert str(penguins.loc[1, "egg_date"]) == "2007-11-11"
    islands = read_delta(project.table_uri("curated", "islands")).to_pandas().set_index("island")
    assert islands.loc["Dream", "ranger"] == "NA"
    assert islands.loc["Torgersen", "ranger"] is None
    assert islands["area_km2"].isna().sum() == 1
