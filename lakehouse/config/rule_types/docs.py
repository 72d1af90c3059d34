"""The rule table of ``docs/quality.md``, generated from the registry between two markers.

Regenerate after adding a rule type: ``python -m lakehouse.config.rule_types docs/quality.md``
(a unit test fails while the committed table differs from the generated one).
"""

from __future__ import annotations

from lakehouse.config.rule_types.registry import rule_types

DOCS_START = "<!-- rule-types:start (generated from lakehouse/config/rule_types; do not edit) -->"
DOCS_END = "<!-- rule-types:end -->"


def markdown_table() -> str:
    """One row per rule type: keys, level, when it fails, its GX expectation, an example."""
    lines = ["| rule | keys | level | fails when | GX expectation | example |",
             "|---|---|---|---|---|---|"]
    for t in rule_types():
        d = t.doc
        cells = [f"`{t.name}`", d.keys, t.level, d.fails, d.gx, f"`{d.example}`"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def render_docs(text: str) -> str:
    """``text`` (a Markdown page) with the table between the markers replaced."""
    start, end = text.find(DOCS_START), text.find(DOCS_END)
    if start < 0 or end < start:
        raise ValueError(f"the page has no {DOCS_START!r} ... {DOCS_END!r} markers")
    return text[:start] + DOCS_START + "\n" + markdown_table() + "\n" + text[end:]
