"""Quality gates between zones: rule compiler, one-pass evaluator, quarantine, GX reports.

Public entry point: :func:`run_gate` (see :mod:`lakehouse.quality.gate`).

The names below are imported on first use (PEP 562), so the Spark-free subpackage
:mod:`lakehouse.quality.dqdl` imports without pyspark.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lakehouse.quality.gate import GateContext, run_gate
    from lakehouse.quality.outcome import GateOutcome
    from lakehouse.quality.results import RuleResult

__all__ = ["GateContext", "GateOutcome", "RuleResult", "run_gate"]
_HOME = {"GateContext": "gate", "run_gate": "gate", "GateOutcome": "outcome", "RuleResult": "results"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"lakehouse.quality.{_HOME[name]}"), name)
    raise AttributeError(f"module 'lakehouse.quality' has no attribute {name!r}")
