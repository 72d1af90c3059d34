"""The run page tells the truth at a glance (Spark-free): row-flow nodes are sized by the rows
each zone received in the run (not by what exports read), and warn rules that found rows read
as warnings, not as failures."""

from __future__ import annotations

import re

from lakehouse.records.details import GateDetails, RuleRecord, StageDetails
from lakehouse.records.summary import RunSummary, StageResult
from lakehouse.reports import charts
from lakehouse.reports.html import render_run_page

# the demo's first run (make demo): what curate wrote and what the two exports wrote
CURATED = {"flights": 336_776, "weather": 26_115, "planes": 3_322, "airports": 1_458}
EXPORTS = {"flights_enriched": 336_776, "flights_delay_ml": 106_795}


def demo_record(*, backlog: int = 0) -> RunSummary:
    summary = RunSummary(run_id="r1", profile="local", stage="all", datasets=list(CURATED))
    for name, rows in CURATED.items():
        ingested = rows + 3 - backlog if name == "flights" else rows  # curate quarantines 3 flights
        summary.add(StageResult(name, "ingest", "succeeded", ingested, ingested))
    warn = RuleRecord(name="carrier_values", rule="in_set", severity="warn", level="row",
                      status="failed", failing=12, total=336_776, blocking=False)
    quarantine = RuleRecord(name="distance_range", rule="between", severity="quarantine",
                            level="row", status="failed", failing=3, total=336_776, blocking=False)
    passed = RuleRecord(name="not_empty", rule="row_count", severity="fail", level="dataset",
                        status="passed", failing=0, total=336_776, blocking=False)
    blocked = RuleRecord(name="key_unique", rule="unique", severity="fail", level="row",
                         status="failed", failing=7, total=336_776, blocking=True)
    for name, rows in CURATED.items():
        gates = [GateDetails(dataset=name, gate="raw_to_curated", blocked=False, rows_in=rows + 3,
                             rows_quarantined=3, results=[warn, quarantine, passed])] \
            if name == "flights" else []
        summary.add(StageResult(name, "curate", "succeeded", rows + 3 if name == "flights" else rows,
                                rows, 3 if name == "flights" else 0,
                                details=StageDetails(gates=gates)))
    for name, rows in EXPORTS.items():
        summary.add(StageResult(name, "export", "succeeded", rows, rows))
    summary.add(StageResult("planes_report", "export", "blocked", 0, 0, details=StageDetails(
        gates=[GateDetails(dataset="planes", gate="curated_to_exportable", blocked=True,
                           rows_in=336_776, rows_quarantined=0, results=[blocked])])))
    summary.finish("failed")
    return summary


def node_sizes(fig) -> dict[str, int]:
    """Each node's height as plotly draws it: the larger of its inflow and outflow."""
    sankey = fig.data[0]
    names = [re.sub(r" [\d,]+$", "", label) for label in sankey.node.label]
    inflow, outflow = [0] * len(names), [0] * len(names)
    for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True):
        outflow[s] += v
        inflow[t] += v
    return {n: max(i, o) for n, i, o in zip(names, inflow, outflow, strict=True)}


def test_curated_node_is_sized_by_the_rows_curated_received() -> None:
    fig = charts.row_flow(demo_record())
    sizes = node_sizes(fig)
    curated = sum(CURATED.values())
    assert sizes["curated"] == curated == 367_671              # not the 443,571 exports read
    assert f"curated {curated:,}" in fig.data[0].node.label
    assert sizes[charts.READ_BY_EXPORTS] == sum(EXPORTS.values()) == 443_571
    for name, rows in EXPORTS.items():
        assert sizes[f"exportable: {name}"] == rows
    assert sizes["raw"] == sizes["landing"] == curated + 3     # curate read 3 more: quarantined
    assert "exportable: planes_report" not in sizes            # blocked: nothing written


def test_raw_backlog_enters_from_earlier_runs_not_from_nowhere() -> None:
    """Curate read 100 flights an earlier run ingested: raw is given them by a node that says
    so, instead of being drawn taller than what landing delivered."""
    fig = charts.row_flow(demo_record(backlog=100))
    sizes = node_sizes(fig)
    assert sizes[charts.RAW_BEFORE] == 100
    assert sizes["landing"] == sum(CURATED.values()) + 3 - 100
    assert sizes["raw"] == sum(CURATED.values()) + 3


def test_warnings_read_as_warnings_and_blocking_failures_as_failures() -> None:
    record = demo_record()
    page = render_run_page(record, [record])
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r"<td>([a-z_]+)</td><td>[a-z_]+</td><td>[a-z]+</td><td class='([a-z-]+)'>", page)}
    assert rows == {"carrier_values": "warning", "distance_range": "quarantined",
                    "not_empty": "passed", "key_unique": "failed"}
    assert "<td class='warning'>warning</td>" in page
    assert ".warning" in page and ".failed" in page                 # distinct styles
    fig = charts.rule_results([g for s in record.stages for g in (s.details.gates or [])])
    colors = {bar.name: bar.marker.color for bar in fig.data}
    assert set(colors) == {"warn: warning", "quarantine: quarantined", "fail: failed"}
    assert len(set(colors.values())) == 3


def test_older_records_without_blocking_still_render() -> None:
    def rule(**fields) -> RuleRecord:  # as read back from a record's JSON
        return GateDetails.from_summary({"dataset": "d", "gate": "g", "blocked": False,
                                         "rows_in": 1, "rows_quarantined": 0, "results": [
            {"name": "r", "rule": "unique", "level": "row", "total": 1, **fields}]}).results[0]

    result = {"severity": "fail", "status": "failed"}
    assert charts.rule_outcome(rule(**result)) == "failed"
    assert charts.rule_outcome(rule(**result, blocking=False)) == "within threshold"
    assert charts.rule_outcome(rule(severity="warn", status="passed")) == "passed"


def test_change_counts_of_a_change_dataset_are_on_the_run_page() -> None:
    from lakehouse.records.details import ChangeDetails, CurateDetails

    record = demo_record()
    assert "id='changes'" not in render_run_page(record, [])  # no change dataset: no section
    counts = ChangeDetails(inserted=312, updated=1, deleted=15, deletes_unknown=2, ignored=4)
    record.add(StageResult("planes_cdc", "curate", "succeeded", 334, 330, 0, 4,
                           details=CurateDetails(inserted=312, updated=1, changes=counts)))
    page = render_run_page(record, [])
    row = re.search(r"<tr id='changes-planes_cdc'>(.*?)</tr>", page).group(1)
    cells = dict(re.findall(r"data-k='(\w+)'>([\d,]+)<", row))
    assert cells == {"inserted": "312", "updated": "1", "deleted": "15", "deletes_unknown": "2",
                     "ignored": "4", "superseded": "0"}
