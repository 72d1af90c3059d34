"""Quality gates between zones: rule compiler, one-pass evaluator, quarantine, GX reports.

Public entry point: :func:`run_gate` (see :mod:`lakehouse.quality.gate`).
"""

from lakehouse.quality.gate import GateContext, run_gate
from lakehouse.quality.outcome import GateOutcome
from lakehouse.quality.results import RuleResult

__all__ = ["GateContext", "GateOutcome", "RuleResult", "run_gate"]
