"""``lake.yaml`` settings for one profile: the base with ``profiles.<name>`` merged over it.

Both sides read raw ``lake.yaml`` this way, before the loader runs: the submitter to resolve
``conf/`` for the cluster (``submit.confresolve``), the job to find its declared secrets
(``cluster.secrets``). The merge is the loader's own :func:`~lakehouse.config.loader.deep_merge`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehouse.config.loader import deep_merge


def merged_profile(raw: Mapping[str, Any], profile: str) -> dict[str, Any]:
    """The base settings with ``profiles.<profile>`` deep-merged over them (as the loader)."""
    base = {k: v for k, v in raw.items() if k not in ("profiles", "default_profile")}
    overlay = (raw.get("profiles") or {}).get(profile) or {}
    return deep_merge(base, overlay)
