"""From three never-seen files to curated tables, with no hand edit of the drafted contracts.

One module-scoped scenario (Spark is the cost): ``dataset init`` x3 through the CLI, a first
run, a second penguin delivery (a bad value, a duplicate key, an update, a new species),
``dataset check`` (dry run) and a second run. The tests read what the scenario left behind:
the contracts, the curated Delta tables (through deltalake), the run records (``runs show``),
the HTML report (headless Chromium) and the OpenLineage events.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from lakehouse.cli.main import cli
from lakehouse.config import load_project
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.project import SMALL_SPARK, write_file, write_project
from tests.integration.onboarding.data import second_penguin_delivery, write_unseen_files

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("onboard")
    conf = write_project(root, lake={"spark": SMALL_SPARK})
    sources = write_unseen_files(root / "incoming")
    inits = {name: invoke("dataset", "init", name, "--from", str(path), "--conf", str(conf))
             for name, path in sources.items()}
    project = load_project(conf)
    first = run_pipeline(project, spark=spark)
    landing = local_path(project.zone_uri("landing"))
    write_file(landing / "penguins" / "penguins_2.csv", second_penguin_delivery())
    bookmark = (local_path(project.runs_uri) / "bookmarks" / "penguins.json").read_text()
    check = invoke("dataset", "check", "penguins", "--conf", str(conf), "--json")
    bookmark_after_check = (local_path(project.runs_uri) / "bookmarks" / "penguins.json").read_text()
    raw_version_after_check = _delta_version(project.table_uri("raw", "penguins"))
    second = run_pipeline(project, spark=spark)
    return SimpleNamespace(root=root, conf=conf, project=project, inits=inits, first=first,
                           second=second, check=check, bookmark=bookmark,
                           bookmark_after_check=bookmark_after_check,
                           raw_version_after_check=raw_version_after_check)


def _delta_version(uri: str) -> int:
    from deltalake import DeltaTable

    return DeltaTable(str(local_path(uri))).version()


def _stage(summary, dataset: str, stage: str):
    return next(s for s in summary.stages if s.dataset == dataset and s.stage == stage)


def test_init_drafts_contracts_that_load_unedited(demo) -> None:
    for name, result in demo.inits.items():
        assert result.exit_code == 0, result.output
        assert f"wrote {demo.conf / 'datasets' / name}.yaml" in result.output
    datasets = demo.project.datasets
    penguins = datasets["penguins"]
    assert penguins.source.options == {"header": True, "nullValue": "NA"}
    culmen = penguins.column("culmen_length_mm")
    assert (culmen.type, culmen.source, culmen.nullable) == ("double", "Culmen Length (mm)", True)
    assert penguins.column("body_mass_g").type == "int"
    assert penguins.column("date_egg").type == "date"
    assert penguins.primary_key == ["sample_number"]
    assert penguins.partition_by == ["date_egg"]
    assert datasets["orders"].source.options == {"multiLine": True}
    assert datasets["orders"].primary_key == ["order_id"]
    assert datasets["orders"].column("ordered_at").type == "timestamp"
    assert datasets["orders"].partition_by == ["ordered_date"]  # derived from the timestamp
    assert datasets["readings"].source.options == {"header": True, "sep": ";"}
    assert datasets["readings"].primary_key == ["station_code", "reading_date"]
    rules = {r.name: r for r in penguins.rules.all()}
    assert rules["species_values"].values == ["Adelie Penguin", "Chinstrap penguin", "Gentoo penguin"]
    assert rules["culmen_length_mm_range"].severity == "warn"
    text = (demo.conf / "datasets" / "penguins.yaml").read_text()
    assert "# as delivered: 'Culmen Length (mm)'; 3/60 null" in text
    assert "unique and never null in 60 sampled rows" in text


def test_first_run_curates_every_row_and_balances(demo) -> None:
    assert demo.first.status == "succeeded" and demo.first.balanced
    expected = {"penguins": 60, "orders": 40, "readings": 80}
    for name, rows in expected.items():
        curate = _stage(demo.first, name, "curate")
        assert (curate.rows_read, curate.rows_written, curate.rows_quarantined) == (rows, rows, 0)
        assert _curated(demo, name).num_rows == rows
    penguins = _curated(demo, "penguins").to_pydict()
    assert sum(v is None for v in penguins["culmen_length_mm"]) == 3  # NA -> null, not quarantined
    orders = _curated(demo, "orders").to_pydict()
    assert sum(v is None for v in orders["amount"]) == 5


def _curated(demo, name: str):
    """The curated table as the first run left it."""
    version = _stage(demo.first, name, "curate").table_versions["curated"]
    return read_delta(local_path(demo.project.table_uri("curated", name)), version=version)


def test_check_is_a_dry_run_that_names_the_bad_row(demo) -> None:
    assert demo.check.exit_code == 0, demo.check.output
    report = json.loads(demo.check.output)
    assert report["rows"] == 65 and report["would_quarantine"] == 1
    assert report["would_deduplicate"] == 2  # key 62 twice in the new file, key 5 in both files
    assert report["failed_rules"] == {"type_castable:body_mass_g": 1}
    assert report["warnings"] == {"species_values": 1}
    sample = next(s for s in report["samples"] if "type_castable" in s["_reason"])
    assert sample["row"]["body_mass_g"] == "heavy" and sample["file"].endswith("penguins_2.csv")
    assert demo.bookmark_after_check == demo.bookmark  # nothing ingested
    assert demo.raw_version_after_check == 0           # nothing written


def test_second_delivery_quarantines_dedups_and_balances(demo) -> None:
    assert demo.second.status == "succeeded" and demo.second.balanced
    curate = _stage(demo.second, "penguins", "curate")
    assert (curate.rows_read, curate.rows_written, curate.rows_quarantined,
            curate.rows_deduplicated) == (5, 3, 1, 1)
    assert curate.details.warnings == {"species_values": 1}
    table = read_delta(local_path(demo.project.table_uri("curated", "penguins"))).to_pydict()
    assert len(table["sample_number"]) == 62
    assert table["body_mass_g"][table["sample_number"].index(5)] == 3999
    quarantine = read_delta(local_path(demo.project.quarantine_uri("penguins"))).to_pydict()
    assert quarantine["body_mass_g"] == ["heavy"]
    for name in ("orders", "readings"):
        assert _stage(demo.second, name, "ingest").status == "skipped"


def test_runs_show_and_ls(demo) -> None:
    shown = invoke("runs", "show", demo.second.run_id[:20], "--conf", str(demo.conf))
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if x.startswith("penguins") and " curate " in x)
    assert line.split()[3:7] == ["5", "3", "1", "1"]
    assert "species_values" in shown.output and "type_castable:body_mass_g 1 row(s)" in shown.output
    assert "row accounting balances" in shown.output
    listed = invoke("runs", "ls", "--conf", str(demo.conf))
    assert listed.output.index(demo.second.run_id) < listed.output.index(demo.first.run_id)
    missing = CliRunner().invoke(cli, ["runs", "show", "nope", "--conf", str(demo.conf)])
    assert missing.exit_code != 0 and "matches no run" in str(missing.exception)


def _reports(demo) -> Path:
    return local_path(demo.project.runs_uri) / "reports"


def test_every_run_leaves_a_report_page(demo) -> None:
    pages = sorted(p.stem for p in (_reports(demo) / "runs").glob("*.html"))
    assert pages == sorted([demo.first.run_id, demo.second.run_id])
    index = (_reports(demo) / "index.html").read_text()
    assert "cdn" not in index.lower() and "<script src='plotly-" in index


# every plot drawn (a busy machine draws the later ones after the first four), the drift
# subplot titles included
PLOTS_DRAWN = ("Array.from(document.querySelectorAll('.plotly-graph-div'))"
               ".filter(d => !d.querySelector('.main-svg')).length === 0")
READY = (f"document.querySelectorAll('.plotly-graph-div').length >= 4 && {PLOTS_DRAWN} && "
         "!!document.querySelector('#drift-penguins .annotation-text')")
INDEX_READY = f"document.querySelectorAll('.plotly-graph-div').length >= 1 && {PLOTS_DRAWN}"
READ = """({
  flow: Array.from(document.querySelectorAll('#row-flow .sankey-node text')).map(t => t.textContent),
  penguins: Array.from(document.querySelectorAll('#stage-penguins-curate td.n')).map(t => t.textContent),
  rules: Array.from(document.querySelectorAll('#rules tr')).map(r => r.innerText),
  drift: Array.from(document.querySelectorAll('#drift-penguins .gtitle, #drift-penguins .annotation-text'))
           .map(t => t.textContent),
  plots: document.querySelectorAll('.js-plotly-plot .main-svg').length
})"""


@pytest.fixture(scope="module")
def browser():
    from lakehouse.testing.browser import chromium_path

    if chromium_path() is None:
        pytest.skip("chromium is not installed (`make test` installs Debian's chromium when apt works)")


def test_report_renders_the_numbers_in_a_headless_browser(demo, browser) -> None:
    from lakehouse.testing.browser import load_page

    page = _reports(demo) / "runs" / f"{demo.second.run_id}.html"
    result = load_page(page.as_uri(), ready=READY, evaluate=READ)
    assert result.errors == []
    assert result.value["penguins"][:4] == ["5", "3", "1", "1"]
    assert {"landing 5", "raw 5", "quarantine 1", "deduplicated 1", "curated 3"} <= set(result.value["flow"])
    species = next(r for r in result.value["rules"] if "species_values" in r)
    assert "warn" in species and "warning" in species and "\t1\t" in species  # not "failed"
    assert "failed" not in species
    assert "culmen_length_mm" in result.value["drift"]
    index = load_page((_reports(demo) / "index.html").as_uri(), ready=INDEX_READY,
                      evaluate="document.querySelector('#runs').innerText")
    assert index.errors == [] and demo.first.run_id in index.value and demo.second.run_id in index.value


def test_browser_check_catches_a_page_that_cannot_load_its_charts(demo, browser, tmp_path) -> None:
    from lakehouse.testing.browser import load_page

    broken = tmp_path / "runs"
    broken.mkdir()
    shutil.copy(_reports(demo) / "runs" / f"{demo.second.run_id}.html", broken / "page.html")
    result = load_page((broken / "page.html").as_uri(), evaluate="1")
    assert result.errors, "a page without plotly.min.js must report errors"


def test_lineage_events_pair_up_and_validate(demo) -> None:
    from lakehouse.lineage.spec_schema import validate_event
    from lakehouse.lineage.validate import parse_event, read_events

    path = local_path(demo.project.runs_uri) / "lineage" / f"{demo.second.run_id}.jsonl"
    events = read_events(path)
    for event in events:
        validate_event(event)  # the OpenLineage JSON Schemas
        parse_event(event)     # the client's spec models: required fields, UUIDs, facet shapes
    jobs = [(e["job"]["name"], e["eventType"]) for e in events]
    assert jobs[0] == ("pipeline", "START") and jobs[-1] == ("pipeline", "COMPLETE")
    stages = {f"{s.stage}.{s.dataset}" for s in demo.second.stages}
    for job in stages:
        assert jobs.count((job, "START")) == 1 and jobs.count((job, "COMPLETE")) == 1
    done = next(e for e in events if e["job"]["name"] == "curate.penguins" and e["eventType"] == "COMPLETE")
    assert done["run"]["facets"]["parent"]["job"]["name"] == "pipeline"
    outputs = {"quarantine" if "/quarantine/" in o["name"] else "curated": o for o in done["outputs"]}
    assert outputs["curated"]["outputFacets"]["outputStatistics"]["rowCount"] == 3
    assert outputs["quarantine"]["outputFacets"]["outputStatistics"]["rowCount"] == 1
    fields = {f["name"]: f["type"] for f in outputs["curated"]["facets"]["schema"]["fields"]}
    assert fields["culmen_length_mm"] == "double"
    lineage = outputs["curated"]["facets"]["columnLineage"]["fields"]["culmen_length_mm"]
    assert lineage["inputFields"][0]["field"] == "Culmen Length (mm)"
    assert done["inputs"][0]["inputFacets"]["inputStatistics"]["rowCount"] == 5


def test_lineage_validation_rejects_a_broken_event(demo) -> None:
    from lakehouse.lineage.validate import InvalidEvent, parse_event, read_events

    event = read_events(local_path(demo.project.runs_uri) / "lineage" / f"{demo.first.run_id}.jsonl")[1]
    broken = json.loads(json.dumps(event))
    broken["outputs"][0]["facets"]["schema"]["fields"][0]["typ"] = "x"
    with pytest.raises((InvalidEvent, TypeError, ValueError)):
        parse_event(broken)
    assert yaml.safe_load(json.dumps(event))["eventType"] == "START"


def test_cli_run_json_is_machine_readable_and_progress_goes_to_stderr(demo) -> None:
    runner = CliRunner()
    as_json = runner.invoke(cli, ["run", "--json", "--conf", str(demo.conf)], catch_exceptions=False)
    record = json.loads(as_json.stdout)
    assert record["status"] == "succeeded" and record["balanced"]
    assert {s["status"] for s in record["stages"]} == {"skipped"}  # nothing new since the last run
    assert "[1/" not in as_json.stderr
    shown = runner.invoke(cli, ["run", "--conf", str(demo.conf)], catch_exceptions=False)
    # datasets run concurrently: the counter's order is the order they finish in
    assert re.search(r"\[[1-6]/6\] ingest orders: skipped, nothing new to ingest", shown.stderr)
    assert shown.stdout.splitlines()[-1].endswith(": succeeded")
    quiet = runner.invoke(cli, ["run", "--quiet", "--conf", str(demo.conf)], catch_exceptions=False)
    assert "[1/6]" not in quiet.stderr
