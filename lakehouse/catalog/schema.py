"""Schema-change policy: compare a registered schema with a new one and decide (no Spark).

* ``additive`` (default, as Glue crawlers' "add new columns only"): new columns are fine;
  dropped, renamed or re-typed columns are breaking.
* ``strict``: any difference is breaking.
* ``permissive``: nothing is breaking (the catalog follows the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from lakehouse.catalog.model import Column
from lakehouse.errors import InvalidInputError, SchemaError

Policy = Literal["additive", "strict", "permissive"]
POLICIES = ("additive", "strict", "permissive")


@dataclass(frozen=True)
class SchemaDiff:
    """Differences between an old and a new schema, by column name (case-insensitive)."""

    added: list[Column] = field(default_factory=list)
    dropped: list[Column] = field(default_factory=list)
    retyped: list[tuple[Column, Column]] = field(default_factory=list)
    renamed: list[tuple[Column, Column]] = field(default_factory=list)   # guesses, see below
    reordered: bool = False

    @property
    def changed(self) -> bool:
        """Columns added, dropped or re-typed. A new order alone is not a change: lake
        formats resolve columns by name (and Delta keeps partition columns where it likes)."""
        return bool(self.added or self.dropped or self.retyped)

    def breaking(self, policy: Policy) -> bool:
        if policy not in POLICIES:
            raise InvalidInputError(f"unknown schema policy {policy!r}",
                                    hint=f"use one of: {', '.join(POLICIES)}")
        if policy == "permissive":
            return False
        if policy == "strict":
            return self.changed
        return bool(self.dropped or self.retyped)

    def render(self) -> str:
        """A readable old-vs-new listing, one line per change."""
        lines = []
        for old, new in self.renamed:
            lines.append(f"  ~ {old.name} {old.type}  ->  {new.name} {new.type}   (renamed?)")
        renamed_old = {o.name for o, _ in self.renamed}
        renamed_new = {n.name for _, n in self.renamed}
        lines += [f"  - {c.name} {c.type}   (dropped)" for c in self.dropped
                  if c.name not in renamed_old]
        lines += [f"  ! {o.name}: {o.type}  ->  {n.type}   (type changed)" for o, n in self.retyped]
        lines += [f"  + {c.name} {c.type}   (added)" for c in self.added
                  if c.name not in renamed_new]
        if self.reordered and not lines:
            lines.append("  ~ same columns in a different order (not a change)")
        return "\n".join(lines) or "  (no change)"


def diff_schemas(old: Sequence[Column], new: Sequence[Column]) -> SchemaDiff:
    """Compare by name; a dropped and an added column of the same type at the same position
    are reported as a likely rename (still breaking: readers of the old name lose it)."""
    old_by = {c.name.lower(): c for c in old}
    new_by = {c.name.lower(): c for c in new}
    added = [c for c in new if c.name.lower() not in old_by]
    dropped = [c for c in old if c.name.lower() not in new_by]
    retyped = [(old_by[n], new_by[n]) for n in old_by
               if n in new_by and _norm(old_by[n].type) != _norm(new_by[n].type)]
    renamed = []
    old_pos = {c.name: i for i, c in enumerate(old)}
    new_pos = {c.name: i for i, c in enumerate(new)}
    for gone in dropped:
        for came in added:
            if (_norm(gone.type) == _norm(came.type) and old_pos[gone.name] == new_pos[came.name]
                    and came not in [n for _, n in renamed]):
                renamed.append((gone, came))
                break
    common_old = [c.name.lower() for c in old if c.name.lower() in new_by]
    common_new = [c.name.lower() for c in new if c.name.lower() in old_by]
    return SchemaDiff(added, dropped, retyped, renamed, reordered=common_old != common_new)


def _norm(type_name: str) -> str:
    return type_name.replace(" ", "").lower()


def enforce(old: Sequence[Column], new: Sequence[Column], *, policy: Policy, table: str,
            source: str = "") -> SchemaDiff:
    """Return the diff, or raise :class:`SchemaError` when it is breaking under ``policy``."""
    diff = diff_schemas(old, new)
    if diff.breaking(policy):
        origin = f" (from {source})" if source else ""
        raise SchemaError(
            f"breaking schema change for {table}{origin} under the {policy!r} policy:\n"
            f"{diff.render()}",
            hint=_hint(policy),
            table=table,
        )
    return diff


def _hint(policy: Policy) -> str:
    if policy == "strict":
        return ("the 'strict' policy allows no change; fix the data or set schema_policy: "
                "additive (or permissive) in the dataset's YAML")
    return ("restore the old column names and types in the source, or set schema_policy: "
            "permissive in the dataset's YAML to accept the change (readers may break)")
