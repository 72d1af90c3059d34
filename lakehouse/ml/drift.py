"""Population stability index (PSI) between two binned distributions (Spark-free).

Hand-written because it is four lines: scipy has no PSI, and the bins come from Spark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EPSILON = 1e-4


def psi(expected: Sequence[int], actual: Sequence[int]) -> float | None:
    """PSI of ``actual`` bin counts against ``expected`` (same bins); None if either is empty.

    Rule of thumb: < 0.1 stable, 0.1-0.25 a moderate shift, > 0.25 a large shift.
    """
    n_exp, n_act = sum(expected), sum(actual)
    if not n_exp or not n_act:
        return None
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        p, q = max(e / n_exp, EPSILON), max(a / n_act, EPSILON)
        total += (q - p) * math.log(q / p)
    return round(total, 6)
