"""Explain malformed landing records: which line of which file, and what is wrong (no Spark).

Spark's PERMISSIVE readers put a record they cannot parse into a corrupt-record column but
say neither where it was nor why. The few malformed records of a batch are collected to the
driver and explained here: the line is found by searching the file's text for the record
(in file order, so repeated identical records get successive lines) and the problem is
classified with the standard ``csv`` / ``json`` modules. Hand-written because no library
maps Spark's corrupt records back to line numbers.
"""

from __future__ import annotations

import bisect
import csv
import json
from dataclasses import dataclass

CORRUPT_COLUMN = "_corrupt_record"
INGEST_GATE = "landing_to_raw"


@dataclass(frozen=True)
class Problem:
    """Why a record was rejected: a rule name (``malformed:<kind>``) and a readable detail."""

    rule: str
    detail: str


def csv_problem(record: str, expected_fields: int, *, sep: str = ",",
                quote: str = '"') -> Problem:
    """Classify a CSV record Spark flagged as corrupt against a header of ``expected_fields``."""
    if quote and _open_quote(record, quote):
        return Problem("malformed:unterminated_quote",
                       f"unterminated quote ({quote}): the value runs to the end of the line")
    try:
        fields = next(csv.reader([record], delimiter=sep, quotechar=quote or None), [])
    except csv.Error as exc:
        return Problem("malformed:unparsable", f"does not parse as CSV ({exc})")
    found = len(fields)
    if found > expected_fields:
        return Problem("malformed:too_many_fields",
                       f"{found} fields, the header has {expected_fields} (too many)")
    if found < expected_fields:
        return Problem("malformed:too_few_fields",
                       f"{found} fields, the header has {expected_fields} (too few)")
    return Problem("malformed:unparsable", "Spark could not parse this record")


def json_problem(record: str) -> Problem:
    """Classify a JSON record Spark flagged as corrupt."""
    too_deep = Problem("malformed:too_deep", "JSON nested too deeply to parse "
                                             "(over Spark's limit of 1000 levels)")
    try:
        value = json.loads(record)
    except ValueError as exc:
        return Problem("malformed:invalid_json", f"not valid JSON ({exc})")
    except RecursionError:  # Python < 3.12 gives up where Spark (Jackson) does
        return too_deep
    if _depth(value) > MAX_JSON_DEPTH:  # Python 3.12+ parses it; Spark 4's Jackson does not
        return too_deep
    return Problem("malformed:invalid_json", "not a JSON object (an array needs multiLine: true)")


MAX_JSON_DEPTH = 1000  # Jackson's default StreamReadConstraints.maxNestingDepth


def _depth(value: object) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _open_quote(record: str, quote: str) -> bool:
    """True when a quoted value is opened but never closed (doubled quotes are escapes)."""
    inside = False
    i = 0
    while i < len(record):
        if record[i] == quote:
            if inside and i + 1 < len(record) and record[i + 1] == quote:
                i += 2
                continue
            inside = not inside
        i += 1
    return inside


def locate_lines(text: str, records: list[str]) -> list[int | None]:
    """1-based line number of each record in ``text`` (None when not found).

    Records are matched in order; an identical record seen twice gets its next occurrence.
    """
    starts = [0]
    pos = text.find("\n")
    while pos >= 0:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    used: set[int] = set()
    out: list[int | None] = []
    for record in records:
        probe = record.rstrip("\r\n") or record
        found = None
        at = text.find(probe)
        while at >= 0:
            line = bisect.bisect_right(starts, at)
            if line not in used and starts[line - 1] == at:   # a whole record starts a line
                found = line
                break
            at = text.find(probe, at + 1)
        if found is None:   # not at a line start: take the first unused containing line
            at = text.find(probe)
            while at >= 0 and bisect.bisect_right(starts, at) in used:
                at = text.find(probe, at + 1)
            found = bisect.bisect_right(starts, at) if at >= 0 else None
        if found is not None:
            used.add(found)
        out.append(found)
    return out
