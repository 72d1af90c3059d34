"""Make source column names safe for Parquet and Delta (no Spark)."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[^a-z0-9_]+")


def safe_column_names(names: list[str]) -> list[str]:
    """Lower-case, replace unsafe characters with ``_``, prefix leading digits, de-duplicate.

    Leading underscores are stripped, so a source column can never collide with the
    framework's own ``_``-prefixed metadata columns.

    ``["Dep Time", "dep-time", "1st"]`` -> ``["dep_time", "dep_time_2", "_1st"]``.
    """
    out: list[str] = []
    seen: dict[str, int] = {}
    for raw in names:
        name = _UNSAFE.sub("_", raw.strip().lower()).strip("_") or "col"
        if name[0].isdigit():
            name = f"_{name}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name}_{count}")
    return out
