"""``_summary.html`` of an ML export: split sizes, class balance, drift, feature statistics.

Charts are Altair (Vega-Lite) specs; the page loads the Vega scripts from their CDN when
opened. The feature table is pandas' ``to_html``. Spark-free: it reads the manifest dicts.
"""

from __future__ import annotations

import html
from typing import Any


def render(manifest: dict[str, Any], feature_stats: list[dict[str, Any]]) -> str:
    """The HTML page for ``manifest`` (see :mod:`lakehouse.ml.manifest`) and per-feature stats."""
    import altair as alt
    import pandas as pd

    counts = pd.DataFrame([{"split": s, "rows": n} for s, n in manifest["split_counts"].items()])
    sizes = alt.Chart(counts, title="rows per split").mark_bar().encode(
        x=alt.X("split:N", sort=None), y="rows:Q", tooltip=["split", "rows"])
    charts = [sizes]
    balance = pd.DataFrame([{"split": s, "class": c, "rows": n}
                            for s, by in manifest["class_counts"].items() for c, n in by.items()])
    if not balance.empty:
        charts.append(alt.Chart(balance, title="class balance per split").mark_bar().encode(
            x=alt.X("split:N", sort=None), y=alt.Y("rows:Q", stack="normalize", title="share"),
            color="class:N", tooltip=["split", "class", "rows"]))
    drift = pd.DataFrame([{"feature": c["name"].split(":", 1)[1], "psi": c["observed"]["psi"]}
                          for c in manifest["checks"] if c["rule"] == "drift"
                          and c["observed"].get("psi") is not None])
    if not drift.empty:
        charts.append(alt.Chart(drift, title="drift train -> test (PSI)").mark_bar().encode(
            x=alt.X("psi:Q"), y=alt.Y("feature:N", sort="-x"), tooltip=["feature", "psi"]))
    page = alt.hconcat(*charts).to_html()
    table = pd.DataFrame(feature_stats).to_html(index=False, float_format=lambda v: f"{v:.4g}",
                                                 na_rep="", border=0)
    failed = [c for c in manifest["checks"] if not c["passed"]]
    notes = "".join(f"<li>{html.escape(c['name'])} ({c['severity']}): "
                    f"{html.escape(c['description'])}</li>" for c in failed) or "<li>none</li>"
    head = (f"<h1>ML export {html.escape(manifest['export'])} v{manifest['version']}</h1>"
            f"<p>inputs {html.escape(str(manifest['input_versions']))}, split "
            f"{html.escape(manifest['split']['method'])}, seed {manifest['seed']}</p>")
    body = (f"<h2>checks that did not pass</h2><ul>{notes}</ul>"
            f"<h2>features (after transforms)</h2>{table}")
    return page.replace("<body>", f"<body>{head}", 1).replace("</body>", f"{body}</body>", 1)
