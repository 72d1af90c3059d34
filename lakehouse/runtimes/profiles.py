"""``lake.yaml`` settings for one profile: the base with ``profiles.<name>`` merged over it.

Both sides read raw ``lake.yaml`` this way, before the loader runs: the submitter to resolve
``conf/`` for the cluster (``submit.confresolve``), the job to find its declared secrets
(``cluster.secrets``). The merge is the loader's (a deep merge of mappings).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def merged_profile(raw: Mapping[str, Any], profile: str) -> dict[str, Any]:
    """The base settings with ``profiles.<profile>`` deep-merged over them (as the loader)."""
    base = {k: v for k, v in raw.items() if k not in ("profiles", "default_profile")}
    overlay = (raw.get("profiles") or {}).get(profile) or {}
    return _deep_merge(base, overlay)


def _deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
