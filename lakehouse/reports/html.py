"""Write the static run report: ``{reports}/runs/<run_id>.html`` and ``{reports}/index.html``.

The plotly.js bundle comes from the installed ``plotly`` package and is written once as
``{reports}/plotly-<version>.min.js`` beside the pages, so they open offline from disk (no CDN, no
server). Tables carry the exact numbers; charts show the same numbers visually.
"""

from __future__ import annotations

import html
import json

from lakehouse.config.project import Project
from lakehouse.records.history import list_runs, stage_totals
from lakehouse.records.summary import RunSummary
from lakehouse.reports import charts
from lakehouse.storage import files
from lakehouse.storage.uri import join_uri, to_uri


def _js_name() -> str:
    from plotly import __version__

    return f"plotly-{__version__}.min.js"


JS = _js_name()
STYLE = """body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 18px}td,th{border:1px solid #ccc;padding:3px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.succeeded,.passed{color:#2e7d32}.failed,.blocked{color:#c62828;font-weight:bold}.skipped{color:#777}
.warning,.within-threshold{color:#9a6700}.quarantined{color:#d84315}
h2{margin-top:28px}.muted{color:#666}"""


def reports_uri(project: Project) -> str:
    folder = project.lake.reports.folder
    return to_uri(folder, base=project.project_dir) if folder else join_uri(project.runs_uri, "reports")


def write_report(project: Project, record: RunSummary, *,
                 history: list[RunSummary] | None = None) -> str:
    """Write the page of one run (and refresh the index); returns the page's URI."""
    root = reports_uri(project)
    _ensure_js(root)
    if history is None:
        history = list_runs(project.runs_uri, limit=project.lake.reports.history)
    page = join_uri(root, "runs", f"{record.run_id}.html")
    files.write_text(page, render_run_page(record, history))
    write_index(project, history)
    return page


def write_index(project: Project, history: list[RunSummary] | None = None) -> str:
    root = reports_uri(project)
    _ensure_js(root)
    if history is None:
        history = list_runs(project.runs_uri, limit=project.lake.reports.history)
    uri = join_uri(root, "index.html")
    files.write_text(uri, render_index(history))
    return uri


def _ensure_js(root: str) -> None:
    from plotly.offline import get_plotlyjs

    uri = join_uri(root, JS)  # versioned name: written once per plotly version
    if not files.exists(uri):
        files.write_text(uri, get_plotlyjs())


def _figure(fig, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _page(title: str, body: str, js_path: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style><script src='{js_path}'></script></head>"
            f"<body>{body}</body></html>")


def render_run_page(record: RunSummary, history: list[RunSummary]) -> str:
    esc = html.escape
    rid = record.run_id
    totals = stage_totals(record)
    parts = [f"<p><a href='../index.html'>all runs</a></p><h1>Run {esc(rid)}</h1>",
             f"<p>status <b class='{esc(record.status)}' id='run-status'>{esc(record.status)}</b>"
             f" · profile {esc(str(record.profile))} · stage {esc(str(record.stage))}"
             f" · started {esc(str(record.started_at))}"
             f" · finished {esc(str(record.finished_at))}"
             " · row accounting <b id='balanced'>"
             f"{'balances' if record.balanced else 'does NOT balance'}</b></p>"]
    if record.error:
        parts.append(f"<p class='failed' id='run-error'>error: {esc(record.error)}</p>")
    head = ["dataset", "stage", "status", "read", "written", "quarantined", "deduplicated",
            "table versions", "seconds", "message"]
    rows = []
    for s in record.stages:
        versions = ", ".join(f"{k}@{v}" for k, v in s.table_versions.items() if v is not None)
        key = f"{s.dataset}-{s.stage}"
        rows.append(
            f"<tr id='stage-{esc(key)}'><td>{esc(s.dataset)}</td><td>{esc(s.stage)}</td>"
            f"<td class='{esc(s.status)}'>{esc(s.status)}</td>"
            + "".join(f"<td class='n' data-k='{k}'>{int(getattr(s, k)):,}</td>"
                      for k in ("rows_read", "rows_written", "rows_quarantined", "rows_deduplicated"))
            + f"<td>{esc(versions)}</td><td class='n'>{float(s.duration_s):.1f}</td>"
              f"<td>{esc(s.message or '')}</td></tr>")
    rows.append("<tr id='totals'><th colspan='3'>total</th>" + "".join(
        f"<th class='n'>{totals[k]:,}</th>" for k in ("rows_read", "rows_written", "rows_quarantined",
                                                       "rows_deduplicated")) + "<th colspan='3'></th></tr>")
    parts.append("<h2>Stages</h2><table id='stages'><tr>" + "".join(f"<th>{h}</th>" for h in head)
                 + "</tr>" + "".join(rows) + "</table>")
    parts.append(_figure(charts.row_flow(record), "row-flow"))
    parts.append(_figure(charts.stage_rows(record), "stage-rows"))
    gates = [g for s in record.stages for g in (s.details.gates or [])]
    parts.append("<h2>Quality</h2>")
    if gates:
        grows = [f"<tr><td>{esc(g.dataset)}</td><td>{esc(g.gate)}</td><td>{esc(r.name)}</td>"
                 f"<td>{esc(r.rule)}</td><td>{esc(r.severity)}</td>"
                 f"<td class='{esc(_css(charts.rule_outcome(r)))}'>{esc(charts.rule_outcome(r))}</td>"
                 f"<td class='n'>{int(r.failing):,}</td><td class='n'>{int(r.total):,}</td></tr>"
                 for g in gates for r in g.results]
        parts.append("<p class='muted'>a rule that found rows: <span class='warning'>warning</span> "
                     "(severity warn: recorded, nothing held back), <span class='quarantined'>"
                     "quarantined</span> (rows held back), <span class='failed'>failed</span> (the "
                     "gate blocked)</p>")
        parts.append("<table id='rules'><tr><th>dataset</th><th>gate</th><th>rule</th><th>kind</th>"
                     "<th>severity</th><th>status</th><th>failing</th><th>rows</th></tr>"
                     + "".join(grows) + "</table>")
        if any(g.results for g in gates):
            parts.append(_figure(charts.rule_results(gates), "rule-results"))
    else:
        parts.append("<p class='muted'>no gate ran in this run</p>")
    conform = [(s.dataset, k, v) for s in record.stages
               for k, v in getattr(s.details, "failed_rules", {}).items() if ":" in k]
    if conform:
        parts.append("<table id='schema-failures'><tr><th>dataset</th><th>schema rule</th><th>rows</th></tr>"
                     + "".join(f"<tr><td>{esc(d)}</td><td>{esc(k)}</td><td class='n'>{v:,}</td></tr>"
                               for d, k, v in conform) + "</table>")
    parts.append(_changes_table(record))
    parts.append("<h2>Drift</h2>")
    curated = sorted({s.dataset for s in record.stages if s.stage == "curate"})
    drawn = 0
    for name in curated:
        fig = charts.drift(name, history if any(h.run_id == rid for h in history) else [record, *history])
        if fig is not None:
            parts.append(_figure(fig, f"drift-{name}"))
            drawn += 1
    if not drawn:
        parts.append("<p class='muted'>no curate stage with column statistics in this run</p>")
    parts.append(f"<script type='application/json' id='run-record'>{_json_script(record)}</script>")
    return _page(f"lakehouse run {rid}", "".join(parts), f"../{JS}")


_CHANGE_COUNTS = ("inserted", "updated", "deleted", "deletes_unknown", "ignored", "superseded")


def _changes_table(record: RunSummary) -> str:
    """Change data applied by each change dataset's curate (docs/changes.md), if any ran."""
    found = [(s.dataset, s.details.changes) for s in record.stages
             if s.stage == "curate" and getattr(s.details, "changes", None) is not None]
    if not found:
        return ""
    esc = html.escape
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in _CHANGE_COUNTS)
    rows = "".join(f"<tr id='changes-{esc(name)}'><td>{esc(name)}</td>" + "".join(
        f"<td class='n' data-k='{c}'>{int(getattr(counts, c)):,}</td>" for c in _CHANGE_COUNTS)
        + "</tr>" for name, counts in found)
    return (f"<h2>Change data</h2><table id='changes'><tr><th>dataset</th>{head}</tr>{rows}"
            "</table>")


def _css(word: str) -> str:
    return word.replace(" ", "-")


def render_index(history: list[RunSummary]) -> str:
    esc = html.escape
    rows = []
    for r in history:
        totals = stage_totals(r)
        rows.append(f"<tr><td><a href='runs/{esc(r.run_id)}.html'>{esc(r.run_id)}</a></td>"
                    f"<td class='{esc(r.status)}'>{esc(r.status)}</td>"
                    f"<td>{esc(str(r.stage))}</td>"
                    f"<td>{esc(', '.join(r.datasets))}</td>"
                    + "".join(f"<td class='n'>{totals[k]:,}</td>" for k in
                              ("rows_read", "rows_written", "rows_quarantined", "rows_deduplicated"))
                    + f"<td>{esc(str(r.started_at)[:19])}</td></tr>")
    body = ("<h1>lakehouse runs</h1><table id='runs'><tr><th>run</th><th>status</th><th>stage</th>"
            "<th>datasets</th><th>read</th><th>written</th><th>quarantined</th><th>deduplicated</th>"
            "<th>started</th></tr>" + "".join(rows) + "</table>")
    if history:
        import plotly.graph_objects as go

        ordered = list(reversed(history))
        fig = go.Figure()
        for key, label in (("rows_written", "written"), ("rows_quarantined", "quarantined"),
                           ("rows_deduplicated", "deduplicated")):
            fig.add_bar(name=label, x=[r.run_id for r in ordered],
                        y=[stage_totals(r)[key] for r in ordered])
        fig.update_layout(title="Rows per run", barmode="stack", height=320)
        body += _figure(fig, "runs-chart")
    return _page("lakehouse runs", body, JS)


def _json_script(record: RunSummary) -> str:
    return json.dumps(record.to_dict(), default=str).replace("</", "<\\/")
