"""Gate results of DQDL rules in the shape of Glue's ``get_data_quality_result`` (Spark-free).

``RuleResults`` is a list of ``{"Name", "Description", "Result", "EvaluatedMetrics",
"EvaluationMessage", "Labels"}`` as boto3 returns them for a ruleset run: ``Name`` is
``Rule_<n>``, ``Description`` the rule's DQDL text, ``Result`` ``PASS`` or ``FAIL``, and
``EvaluatedMetrics`` Glue's metric names (``Column.<col>.Completeness`` ...). ``Score`` is the
share of rules that passed, as Glue reports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def rule_results(results: Iterable[Any], *, dataset: str, rows: int) -> dict[str, Any]:
    """The Glue result document for the DQDL rule results among ``results``.

    ``results`` are :class:`~lakehouse.quality.results.RuleResult`-like objects; those whose
    ``rule`` is ``"dqdl"`` are kept, in order.
    """
    out = []
    for res in results:
        if res.rule != "dqdl":
            continue
        item: dict[str, Any] = {
            "Name": res.name,
            "Description": res.observed.get("dqdl", ""),
            "Result": "PASS" if res.status != "failed" else "FAIL",
            "EvaluatedMetrics": dict(res.observed.get("current") or {}),
        }
        message = res.observed.get("message")
        if message and item["Result"] == "FAIL":
            item["EvaluationMessage"] = message
        if res.observed.get("labels"):
            item["Labels"] = dict(res.observed["labels"])
        out.append(item)
    passed = sum(1 for r in out if r["Result"] == "PASS")
    return {"Dataset": dataset, "RowsEvaluated": rows,
            "Score": passed / len(out) if out else 1.0, "RuleResults": out}


def failed(document: dict[str, Any]) -> bool:
    """True when any rule of a :func:`rule_results` document failed."""
    return any(r["Result"] == "FAIL" for r in document["RuleResults"])
