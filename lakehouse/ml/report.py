"""``_summary.html`` of an ML export: split sizes, class balance, drift, feature statistics.

Charts are plotly figures (the charting library of the run reports too), with plotly.js
inlined: the page is one self-contained file that opens offline, from disk or downloaded from
S3, and loads nothing from a CDN. The feature table is pandas' ``to_html``. Spark-free: it
reads the manifest dicts.
"""

from __future__ import annotations

import html
from typing import Any


def _figures(manifest: dict[str, Any]) -> list:
    import plotly.graph_objects as go

    splits = list(manifest["split_counts"])
    sizes = go.Figure(go.Bar(x=splits, y=[manifest["split_counts"][s] for s in splits], name="rows"))
    sizes.update_layout(title="rows per split")
    figures = [sizes]
    balance = manifest.get("class_counts") or {}
    classes = sorted({c for by in balance.values() for c in by}, key=str)
    if classes:
        shares = go.Figure()
        for label in classes:
            shares.add_bar(name=f"class {label}", x=list(balance),
                           y=[by.get(label, 0) / (sum(by.values()) or 1) for by in balance.values()])
        shares.update_layout(title="class balance per split", barmode="stack", yaxis_title="share")
        figures.append(shares)
    drift = sorted(((c["name"].split(":", 1)[1], c["observed"]["psi"]) for c in manifest["checks"]
                    if c["rule"] == "drift" and c["observed"].get("psi") is not None),
                   key=lambda item: item[1])
    if drift:
        psi = go.Figure(go.Bar(x=[v for _, v in drift], y=[f for f, _ in drift], orientation="h"))
        psi.update_layout(title="drift train -> test (PSI)", height=120 + 22 * len(drift))
        figures.append(psi)
    return figures


def render(manifest: dict[str, Any], feature_stats: list[dict[str, Any]]) -> str:
    """The HTML page for ``manifest`` (see :mod:`lakehouse.ml.manifest`) and per-feature stats."""
    import pandas as pd

    charts = "".join(
        figure.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"chart-{i}")
        for i, figure in enumerate(_figures(manifest)))
    table = pd.DataFrame(feature_stats).to_html(index=False, float_format=lambda v: f"{v:.4g}",
                                                 na_rep="", border=0)
    failed = [c for c in manifest["checks"] if not c["passed"]]
    notes = "".join(f"<li>{html.escape(c['name'])} ({c['severity']}): "
                    f"{html.escape(c['description'])}</li>" for c in failed) or "<li>none</li>"
    title = f"ML export {html.escape(manifest['export'])} v{manifest['version']}"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<h1>{title}</h1>"
            f"<p>inputs {html.escape(str(manifest['input_versions']))}, split "
            f"{html.escape(manifest['split']['method'])}, seed {manifest['seed']}</p>"
            f"{charts}<h2>checks that did not pass</h2><ul id='failed-checks'>{notes}</ul>"
            f"<h2>features (after transforms)</h2>{table}</body></html>")
