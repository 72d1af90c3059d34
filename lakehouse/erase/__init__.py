"""Erasure of a data subject from every zone of a dataset (``lakehouse erase``).

``request`` (Spark-free): the dataset and predicate (``--where`` or a ``--keys`` file).
``audit`` (Spark-free): the report and the audit record. ``targets``: the dataset's tables
and the rows matching in each. ``run``: the erasure itself.
"""

from lakehouse.erase.audit import ErasureReport
from lakehouse.erase.request import ErasureRequest, request_for

__all__ = ["ErasureReport", "ErasureRequest", "erase", "request_for"]


def erase(*args, **kwargs) -> ErasureReport:
    """:func:`lakehouse.erase.run.erase` (imported on use: it needs Spark)."""
    from lakehouse.erase.run import erase as _erase

    return _erase(*args, **kwargs)
