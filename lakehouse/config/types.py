"""Spark SQL type names accepted in dataset contracts (validated without Spark)."""

from __future__ import annotations

import re

_SIMPLE = {
    "string", "boolean", "tinyint", "smallint", "int", "integer", "bigint", "long",
    "float", "double", "date", "timestamp", "timestamp_ntz", "binary",
}
_ALIASES = {"integer": "int", "long": "bigint"}
_DECIMAL = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")

KNOWN_TYPES = [*sorted(_SIMPLE), "decimal(p,s)"]


def normalize_type(name: str) -> str:
    """Return the canonical Spark SQL name of ``name`` or raise ``ValueError``."""
    text = name.strip().lower()
    if text in _SIMPLE:
        return _ALIASES.get(text, text)
    match = _DECIMAL.match(text)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"decimal precision must be 1..38 and scale <= precision, got {name!r}")
        return f"decimal({precision},{scale})"
    raise ValueError(f"unknown type {name!r}; expected one of: {', '.join(KNOWN_TYPES)}")
