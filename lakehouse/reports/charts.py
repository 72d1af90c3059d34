"""Plotly figures of a run record: row flow through the zones, rule results, column drift.

Spark-free; reads only run records (:class:`~lakehouse.records.summary.RunSummary`, typed).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakehouse.records.details import GateDetails, RuleRecord
    from lakehouse.records.summary import RunSummary

READ_BY_EXPORTS = "curated, read by exports"
RAW_BEFORE = "raw, ingested earlier"
ZONE_COLORS = {"landing": "#8c8c8c", "raw": "#4c78a8", "curated": "#54a24b", "quarantine": "#e45756",
               "deduplicated": "#f58518", "exportable": "#72b7b2",
               READ_BY_EXPORTS: "#a6d49b", RAW_BEFORE: "#9ecae9"}  # lighter: rows not from this run


def flows(record: RunSummary) -> dict[tuple[str, str], int]:
    """The row-flow chart's links, ``(from, to) -> rows``, built so that every zone node is
    sized by the rows it received in this run (a Sankey node is as tall as the larger of its
    inflow and outflow).

    - ingest: landing -> raw (appended), landing -> quarantine (malformed records);
    - curate: raw -> curated / quarantine / deduplicated. When curate read rows an earlier
      run ingested (a backlog), they enter raw from a ``raw, ingested earlier`` node, so the
      raw node is not sized by more than it was given;
    - export: an export reads whole curated tables (rows of earlier runs too, and a table
      read by two exports counts twice), which is not rows flowing out of this run's curated
      rows: exports start from their own ``curated, read by exports`` node, and the curated
      node stays the rows curated received.
    """
    out: dict[tuple[str, str], int] = {}

    def add(src: str, dst: str, rows: Any) -> None:
        if rows:
            out[(src, dst)] = out.get((src, dst), 0) + int(rows)

    for s in record.stages:
        if s.status != "succeeded":
            continue
        if s.stage == "ingest":
            add("landing", "raw", s.rows_written)
            add("landing", "quarantine", s.rows_quarantined)
        elif s.stage == "curate":
            add("raw", "curated", s.rows_written)
            add("raw", "quarantine", s.rows_quarantined)
            add("raw", "deduplicated", s.rows_deduplicated)
        elif s.stage == "export":
            add(READ_BY_EXPORTS, f"exportable: {s.dataset}", s.rows_written)
            add(READ_BY_EXPORTS, "deduplicated", s.rows_deduplicated)
    into_raw = sum(v for (_, b), v in out.items() if b == "raw")
    from_raw = sum(v for (a, _), v in out.items() if a == "raw")
    add(RAW_BEFORE, "raw", max(0, from_raw - into_raw))
    return out


def node_rows(links: dict[tuple[str, str], int]) -> dict[str, int]:
    """Rows per node: what it received, or for a source node what it handed on."""
    nodes: dict[str, int] = {}
    for (src, dst), rows in links.items():
        nodes.setdefault(src, 0)
        nodes[dst] = nodes.get(dst, 0) + rows
    for name in nodes:
        if not any(dst == name for _, dst in links):
            nodes[name] = sum(v for (a, _), v in links.items() if a == name)
    return nodes


def row_flow(record: RunSummary):
    """Sankey of this run's rows through the zones (see :func:`flows`)."""
    import plotly.graph_objects as go

    links = flows(record)
    totals = node_rows(links)
    nodes = list(totals)
    labels = [f"{n} {totals[n]:,}" for n in nodes]
    colors = [ZONE_COLORS.get(n, ZONE_COLORS.get(n.split(":")[0], "#b279a2")) for n in nodes]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "color": colors, "pad": 18},
        link={"source": [nodes.index(a) for a, _ in links], "target": [nodes.index(b) for _, b in links],
              "value": list(links.values())}))
    fig.update_layout(title="Rows through the zones (this run)", height=360,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def stage_rows(record: RunSummary):
    """Grouped bars per dataset and stage: read, written, quarantined, deduplicated."""
    import plotly.graph_objects as go

    stages = [s for s in record.stages if s.status in ("succeeded", "failed", "blocked")]
    x = [f"{s.dataset} / {s.stage}" for s in stages]
    fig = go.Figure()
    for key, label in (("rows_read", "read"), ("rows_written", "written"),
                       ("rows_quarantined", "quarantined"), ("rows_deduplicated", "deduplicated")):
        fig.add_bar(name=label, x=x, y=[getattr(s, key) for s in stages])
    fig.update_layout(title="Rows per dataset and stage", barmode="group", height=360,
                      margin={"l": 40, "r": 10, "t": 40, "b": 80})
    return fig


# what a rule that found rows did, by severity: its label on the page and its colour
OUTCOMES = {"warn": ("warning", "#e6a100"), "quarantine": ("quarantined", "#e45756"),
            "fail": ("failed", "#9d0000")}


def rule_outcome(result: RuleRecord) -> str:
    """How the page names a rule's result: ``passed``, ``skipped``, ``warning`` (a warn rule
    found rows: recorded, nothing held back), ``quarantined`` (rows held back), ``failed``
    (a fail rule over its threshold: the gate blocked) or ``within threshold``."""
    if result.status != "failed":
        return str(result.status)
    severity = result.severity
    if severity == "fail" and result.blocking is False:  # None: recorded before the field
        return "within threshold"
    return OUTCOMES.get(str(severity), ("failed", ""))[0]


def rule_results(gates: list[GateDetails]):
    """Failing rows per rule, coloured by what the rule did (warning, quarantined, failed)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for severity, (label, color) in OUTCOMES.items():
        rules = [(g, r) for g in gates for r in g.results if r.severity == severity]
        if rules:
            fig.add_bar(name=f"{severity}: {label}", marker_color=color,
                        y=[f"{g.dataset}: {r.name}" for g, r in rules],
                        x=[r.failing for _, r in rules], orientation="h")
    height = 120 + 22 * sum(len(g.results) for g in gates)
    fig.update_layout(title="Failing rows per rule", height=height, barmode="stack",
                      margin={"l": 260, "r": 10, "t": 40, "b": 30})
    return fig


def drift(dataset: str, history: list[RunSummary]):
    """Per column over past runs: the mean (numeric columns) and the null ratio."""
    from plotly.subplots import make_subplots

    points = []  # (started_at, run_id, column_stats) oldest first
    for record in reversed(history):
        for s in record.stages:
            stats = getattr(s.details, "column_stats", None)  # CurateDetails only
            if s.dataset == dataset and s.stage == "curate" and stats:
                points.append((record.started_at, record.run_id, stats))
    if not points:
        return None
    columns = list(points[-1][2])
    ncols = 3
    nrows = math.ceil(len(columns) / ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=columns,
                        specs=[[{"secondary_y": True}] * ncols for _ in range(nrows)])
    for i, column in enumerate(columns):
        row, col = i // ncols + 1, i % ncols + 1
        x = [p[0] for p in points]
        runs = [p[1] for p in points]
        means = [p[2].get(column, {}).get("mean") for p in points]
        nulls = [p[2].get(column, {}).get("null_ratio") for p in points]
        if any(m is not None for m in means):
            fig.add_scatter(x=x, y=means, name="mean", mode="lines+markers", text=runs,
                            line={"color": "#4c78a8"}, showlegend=i == 0, legendgroup="mean",
                            row=row, col=col, secondary_y=False)
        fig.add_scatter(x=x, y=nulls, name="null ratio", mode="lines+markers", text=runs,
                        line={"color": "#e45756", "dash": "dot"}, showlegend=i == 0,
                        legendgroup="null", row=row, col=col, secondary_y=True)
    fig.update_layout(title=f"{dataset}: column drift over the last {len(points)} curate run(s)",
                      height=230 * nrows + 60, margin={"l": 40, "r": 40, "t": 70, "b": 30})
    return fig
