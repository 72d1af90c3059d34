"""Glue naming rules for databases, tables and columns (no Spark).

Glue stores database and table names in lower case and caps every name at 255 characters.
Rather than lower-casing silently (as Glue does), the catalog rejects names that Glue would
change, so the name a user writes is the name they later query.
"""

from __future__ import annotations

import re

from lakehouse.errors import InvalidInputError

MAX_NAME = 255
_ENTITY = re.compile(r"^[a-z0-9_]+$")
_SAFE = re.compile(r"[^a-z0-9_]+")


def suggest(name: str) -> str:
    """A valid name close to ``name`` (lower case, unsafe characters replaced by ``_``)."""
    clean = _SAFE.sub("_", name.strip().lower()).strip("_")
    return (clean or "unnamed")[:MAX_NAME]


def check_entity_name(name: object, kind: str = "table") -> str:
    """Validate a database or table name; return it unchanged.

    Raises:
        InvalidInputError: the name is empty, too long, not lower case, or has characters
            outside ``[a-z0-9_]``.
    """
    if not isinstance(name, str) or not name:
        raise InvalidInputError(f"{kind} name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME:
        raise InvalidInputError(
            f"{kind} name {name[:40]!r}... is {len(name)} characters; Glue allows at most {MAX_NAME}"
        )
    if not _ENTITY.match(name):
        raise InvalidInputError(
            f"{kind} name {name!r} is not valid: Glue (and Athena) names are lower case "
            "letters, digits and '_'",
            hint=f"use {suggest(name)!r}",
        )
    return name


def check_column_name(name: object, table: str = "") -> str:
    """Validate a column or partition key name (1..255 characters, one line)."""
    where = f" in table {table}" if table else ""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"column name must be a non-empty string{where}, got {name!r}")
    if len(name) > MAX_NAME or "\n" in name or "\r" in name:
        raise InvalidInputError(
            f"column name {name[:40]!r}{where} must be one line of at most {MAX_NAME} characters"
        )
    return name


def split_qualified(name: str) -> tuple[str, str]:
    """Split ``"db.table"`` into its parts; both must be valid names."""
    parts = name.split(".")
    if len(parts) != 2 or not all(parts):
        raise InvalidInputError(
            f"expected DATABASE.TABLE, got {name!r}", hint="e.g. flights_curated.flights"
        )
    return check_entity_name(parts[0], "database"), check_entity_name(parts[1], "table")
