"""Plotly figures of a run record: row flow through the zones, rule results, column drift.

Spark-free; reads only run records (dicts as written by the runner).
"""

from __future__ import annotations

import math
from typing import Any

ZONE_COLORS = {"landing": "#8c8c8c", "raw": "#4c78a8", "curated": "#54a24b", "quarantine": "#e45756",
               "deduplicated": "#f58518", "exportable": "#72b7b2"}


def row_flow(record: dict[str, Any]):
    """Sankey of rows: landing -> raw -> curated / quarantine / deduplicated -> exportable."""
    import plotly.graph_objects as go

    flows: dict[tuple[str, str], int] = {}

    def add(src: str, dst: str, rows: int) -> None:
        if rows:
            flows[(src, dst)] = flows.get((src, dst), 0) + int(rows)

    for s in record.get("stages", []):
        if s["status"] != "succeeded":
            continue
        if s["stage"] == "ingest":
            add("landing", "raw", s["rows_written"])
        elif s["stage"] == "curate":
            add("raw", "curated", s["rows_written"])
            add("raw", "quarantine", s["rows_quarantined"])
            add("raw", "deduplicated", s["rows_deduplicated"])
        elif s["stage"] == "export":
            add("curated", f"exportable: {s['dataset']}", s["rows_written"])
    nodes: list[str] = []
    for src, dst in flows:
        for n in (src, dst):
            if n not in nodes:
                nodes.append(n)
    totals = {n: max(sum(v for (a, _), v in flows.items() if a == n),
                     sum(v for (_, b), v in flows.items() if b == n)) for n in nodes}
    labels = [f"{n} {totals[n]:,}" for n in nodes]
    colors = [ZONE_COLORS.get(n.split(":")[0], "#b279a2") for n in nodes]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "color": colors, "pad": 18},
        link={"source": [nodes.index(a) for a, _ in flows], "target": [nodes.index(b) for _, b in flows],
              "value": list(flows.values())}))
    fig.update_layout(title="Rows through the zones (this run)", height=360,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return fig


def stage_rows(record: dict[str, Any]):
    """Grouped bars per dataset and stage: read, written, quarantined, deduplicated."""
    import plotly.graph_objects as go

    stages = [s for s in record.get("stages", []) if s["status"] in ("succeeded", "failed", "blocked")]
    x = [f"{s['dataset']} / {s['stage']}" for s in stages]
    fig = go.Figure()
    for key, label in (("rows_read", "read"), ("rows_written", "written"),
                       ("rows_quarantined", "quarantined"), ("rows_deduplicated", "deduplicated")):
        fig.add_bar(name=label, x=x, y=[s[key] for s in stages])
    fig.update_layout(title="Rows per dataset and stage", barmode="group", height=360,
                      margin={"l": 40, "r": 10, "t": 40, "b": 80})
    return fig


def rule_results(gates: list[dict[str, Any]]):
    """Failing rows per rule, coloured by severity."""
    import plotly.graph_objects as go

    colors = {"warn": "#f58518", "quarantine": "#e45756", "fail": "#9d0000"}
    fig = go.Figure()
    for severity in ("warn", "quarantine", "fail"):
        rules = [(g, r) for g in gates for r in g.get("results", []) if r["severity"] == severity]
        if rules:
            fig.add_bar(name=severity, marker_color=colors[severity],
                        y=[f"{g['dataset']}: {r['name']}" for g, r in rules],
                        x=[r["failing"] for _, r in rules], orientation="h")
    height = 120 + 22 * sum(len(g.get("results", [])) for g in gates)
    fig.update_layout(title="Failing rows per rule", height=height, barmode="stack",
                      margin={"l": 260, "r": 10, "t": 40, "b": 30})
    return fig


def drift(dataset: str, history: list[dict[str, Any]]):
    """Per column over past runs: the mean (numeric columns) and the null ratio."""
    from plotly.subplots import make_subplots

    points = []  # (started_at, run_id, column_stats) oldest first
    for record in reversed(history):
        for s in record.get("stages", []):
            stats = (s.get("details") or {}).get("column_stats")
            if s["dataset"] == dataset and s["stage"] == "curate" and stats:
                points.append((record.get("started_at"), record["run_id"], stats))
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
