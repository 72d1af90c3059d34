"""Plain-text tables for the terminal: the one renderer the CLI, run records and summaries use.

Columns are separated by two spaces, a dashed rule follows the header, numbers may be
right-aligned. Plain text (not ``rich``) so the output reads the same in a log file, a CI
job and a terminal.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def render_table(headers: Sequence[object], rows: Sequence[Sequence[object]], *,
                 right: Collection[int] = ()) -> str:
    """``headers`` and ``rows`` as aligned columns; column indexes in ``right`` align right.

    ``None`` cells print empty; trailing spaces are stripped.
    """
    cells = [[str(h) for h in headers],
             *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i in right else c.ljust(w)
                       for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
