"""The rule table of ``docs/quality.md``, generated from the registry between two markers.

Regenerate after adding a rule type: ``python -m lakehouse.config.rule_types docs/quality.md``
(a unit test fails while the committed table differs from the generated one).
"""

from __future__ import annotations

from collections.abc import Iterable

from lakehouse.config.rule_types.registry import rule_types

DOCS_START = "<!-- rule-types:start (generated from lakehouse/config/rule_types; do not edit) -->"
DOCS_END = "<!-- rule-types:end -->"


def markdown_table() -> str:
    """One row per rule type: keys, level, when it fails, its GX expectation, an example."""
    return table(["rule", "keys", "level", "fails when", "GX expectation", "example"],
                 ([f"`{t.name}`", t.doc.keys, t.level, t.doc.fails, t.doc.gx, f"`{t.doc.example}`"]
                  for t in rule_types()))


def render_docs(text: str) -> str:
    """``text`` (a Markdown page) with the table between the markers replaced."""
    return replace_generated(text, DOCS_START, DOCS_END, markdown_table())


def table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A Markdown table; a ``|`` inside a cell is escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in rows]
    return "\n".join(lines)


def replace_generated(text: str, start_marker: str, end_marker: str, body: str) -> str:
    """``text`` with what stands between the two markers replaced by ``body``."""
    start, end = text.find(start_marker), text.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"the page has no {start_marker!r} ... {end_marker!r} markers")
    return text[:start] + start_marker + "\n" + body + "\n" + text[end:]
