"""Turn a :class:`DataProfile` into a draft dataset contract with a comment on every choice.

Spark-free. The draft is plain data (what ``conf/datasets/NAME.yaml`` will hold) plus the
comments that explain each inferred type, key, partition and rule, so the user can edit it
with the evidence in front of them. Suggested rules hold on the sample by construction and
default to severity ``warn``: they report drift in later deliveries without holding rows back.
Rule suggestions come from the rule types themselves (``suggest_column`` /
``suggest_dataset`` in :mod:`lakehouse.config.rule_types`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lakehouse.config.quality_spec import GATE_NAMES
from lakehouse.config.rule_types import SuggestContext, Suggestion, rule_types
from lakehouse.config.rule_types.values import MAX_SET_VALUES
from lakehouse.onboard.profile import ColumnProfile, DataProfile

__all__ = ["HASH_KEY", "KEY_HINT", "MAX_SET_VALUES", "Draft", "business_date", "choose_key",
           "describe_column", "rank_keys", "suggest_contract", "suggest_rules"]
KEY_HINT = re.compile(r"(^id$|_id$|^id_|key$|code$|_no$|number$|^uuid)")
HASH_KEY = "_record_hash"


@dataclass
class Draft:
    """A contract to write: ``doc`` loads as a ``DatasetConfig``; the rest are comments."""

    doc: dict[str, Any]
    header: list[str] = field(default_factory=list)
    key_notes: dict[str, str] = field(default_factory=dict)      # top-level key -> comment above
    column_notes: list[str] = field(default_factory=list)        # one per schema entry
    rule_notes: dict[str, list[str]] = field(default_factory=dict)  # gate -> one per rule


def suggest_contract(name: str, profile: DataProfile, *, source_path: str, pattern: str,
                     origin: str = "") -> Draft:
    """Draft the contract of dataset ``name`` whose files live under ``source_path``."""
    key = choose_key(profile)
    date_col, derived = business_date(profile)
    columns, notes = [], []
    for col in profile.columns:
        spec: dict[str, Any] = {"name": col.name, "type": col.type}
        if col.name in key:
            spec["nullable"] = False
        if col.source != col.name:
            spec["source"] = col.source
        columns.append(spec)
        notes.append(describe_column(col, profile.rows))
    if derived:
        columns.append({"name": derived["name"], "type": "date", "expr": derived["expr"]})
        notes.append(f"business date derived from {derived['from']}")
    source: dict[str, Any] = {"format": profile.format, "path": source_path, "pattern": pattern}
    if profile.options:
        source["options"] = dict(profile.options)
    doc: dict[str, Any] = {
        "name": name,
        "description": f"Onboarded from {origin}".strip() if origin else "",
        "source": source,
        "schema": columns,
        "primary_key": key,
        "dedup_order": ["_ingested_at", "_source_file"],
    }
    if date_col:
        doc["partition_by"] = [date_col]
    suggested = _suggested(profile, key)
    raw_rules, raw_notes = suggested["raw_to_curated"]
    out_rules, out_notes = suggested["curated_to_exportable"]
    doc["rules"] = {"raw_to_curated": raw_rules, "curated_to_exportable": out_rules}
    draft = Draft(doc=doc, column_notes=notes,
                  rule_notes={"raw_to_curated": raw_notes, "curated_to_exportable": out_notes})
    draft.header = [
        f"Dataset {name!r}: drafted by `lakehouse dataset init` from {profile.rows:,} sampled rows of",
        f"{len(profile.files)} file(s). Every choice below is a suggestion with its evidence in a",
        "comment: edit freely, then `lakehouse dataset check " + name + "` (dry run) and `lakehouse run`.",
    ]
    draft.key_notes = _key_notes(profile, key, date_col, derived)
    return draft


def describe_column(col: ColumnProfile, rows: int) -> str:
    """One-line evidence for a column: original name, nulls, distinct values, bounds."""
    parts = [f"as delivered: {col.source!r}"] if col.source != col.name else []
    parts.append(f"{col.nulls:,}/{rows:,} null" if col.nulls else "never null")
    parts.append(f"{col.distinct:,} distinct")
    if col.minimum is not None and col.maximum is not None:
        parts.append(f"{col.minimum} .. {col.maximum}")
    elif col.min_length is not None:
        parts.append(f"length {col.min_length}..{col.max_length}")
    return "; ".join(parts)


def choose_key(profile: DataProfile) -> list[str]:
    """The first unique, never-null column set of the sample, else the row's content hash."""
    return list(profile.unique_keys[0]) if profile.unique_keys else [HASH_KEY]


def rank_keys(candidates: list[list[str]], profile: DataProfile) -> list[list[str]]:
    """Order unique column sets: fewer columns, key-like names, integer/string types first."""
    def score(cols: list[str]) -> tuple:
        hint = sum(1 for c in cols if KEY_HINT.search(c))
        typed = sum(1 for c in cols if profile.column(c).type in ("int", "bigint", "string"))
        position = [i for i, c in enumerate(profile.columns) if c.name in cols]
        return (len(cols), -hint, -typed, position)
    return sorted(candidates, key=score)


def business_date(profile: DataProfile) -> tuple[str | None, dict | None]:
    """A date column to partition by, or a date derived from a timestamp column."""
    dates = [c for c in profile.columns if c.type == "date"]
    stamps = [c for c in profile.columns if c.type in ("timestamp", "timestamp_ntz")]
    named = re.compile(r"date|day|dt$|time|_at$")
    for group in (dates, stamps):
        group.sort(key=lambda c: (not named.search(c.name), c.nulls))
    if dates:
        return dates[0].name, None
    if stamps:
        base = stamps[0].name
        name = f"{re.sub(r'_?(timestamp|time|ts|at)$', '', base) or base}_date"
        if name in {c.name for c in profile.columns}:
            name = f"{base}_date"
        return name, {"name": name, "expr": f"to_date({base})", "from": base}
    return None, None


def suggest_rules(profile: DataProfile, key: list[str]) -> tuple[list[dict], list[str]]:
    """Row rules the whole sample satisfies (severity warn), each with its evidence."""
    rules, notes = _suggested(profile, key)["raw_to_curated"]
    return rules, notes


def _suggested(profile: DataProfile, key: list[str]) -> dict[str, tuple[list, list]]:
    """Every registered rule type's suggestions, per gate: first the dataset-wide ones, then
    per column (one per exclusive group, in registry order)."""
    ctx = SuggestContext(profile=profile, key=[] if key == [HASH_KEY] else list(key))
    out: dict[str, tuple[list, list]] = {gate: ([], []) for gate in GATE_NAMES}

    def add(found: Suggestion) -> None:
        out[found.gate][0].append(found.rule)
        out[found.gate][1].append(found.note)

    types = rule_types()
    for rt in types:
        if rt.suggest_dataset is not None:
            for found in rt.suggest_dataset(ctx):
                add(found)
    for col in profile.columns:
        taken: set[str] = set()
        for rt in types:
            if rt.suggest_column is None or rt.suggest_group in taken:
                continue
            found = rt.suggest_column(col, ctx)
            if found is not None:
                add(found)
                if rt.suggest_group:
                    taken.add(rt.suggest_group)
    return out


def _key_notes(profile: DataProfile, key: list[str], date_col: str | None,
               derived: dict | None) -> dict[str, str]:
    fmt = profile.format + (" (gzip)" if any(f.endswith(".gz") for f in profile.files) else "")
    source = f"detected {fmt}"
    if profile.null_marker:
        source += (f"; {profile.null_marker!r} marks a missing value (Spark's nullValue; a list of "
                   "markers needs `null_values`, not yet in the config model)")
    notes = {"source": source}
    if key == [HASH_KEY]:
        notes["primary_key"] = ("no column (or pair) is unique and never null on the sample: rows are "
                                "keyed by content, so identical rows collapse; name a real key if one exists")
    else:
        others = [k for k in profile.unique_keys[1:4]]
        alt = f"; other candidates: {others}" if others else ""
        notes["primary_key"] = f"unique and never null in {profile.rows:,} sampled rows{alt}"
    notes["dedup_order"] = "latest delivery wins"
    if date_col:
        notes["partition_by"] = ("business date" + (f", derived from {derived['from']}" if derived else "")
                                 + "; partitions the curated table")
    notes["rules"] = "suggested from the profile; severity warn | quarantine | fail"
    return notes
