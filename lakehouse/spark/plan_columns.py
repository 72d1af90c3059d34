"""Column lineage of a Spark query from its analyzed plan (Spark-free: parses the plan's JSON).

Spark's ``queryExecution().analyzed().toJSON()`` lists the logical plan's nodes in pre-order,
each expression as a pre-order list of expression nodes carrying ``exprId``s. An output column
is traced through every ``Alias`` above the inputs' temp views down to the attributes of those
views: ``output column -> [(view, column, subtype)]``, subtype ``IDENTITY`` (the column passed
through, maybe renamed), ``TRANSFORMATION`` (computed from it) or ``AGGREGATION``.
Only direct lineage is given: columns used in joins, filters and grouping are not listed.

No library reads Spark plans into column lineage for a Python caller (OpenLineage's Spark
integration is a JVM listener that would have to run inside every job), hence this module.
"""

from __future__ import annotations

import json
from typing import Any

_EXPRESSIONS = "org.apache.spark.sql.catalyst.expressions."
_ATTRIBUTE = _EXPRESSIONS + "AttributeReference"
_ALIAS = _EXPRESSIONS + "Alias"
_VIEW_NODES = ("org.apache.spark.sql.catalyst.plans.logical.View",)
_AGGREGATE = _EXPRESSIONS + "aggregate.AggregateExpression"
_UNION = "org.apache.spark.sql.catalyst.plans.logical.Union"
_PROJECT = "org.apache.spark.sql.catalyst.plans.logical.Project"

Source = tuple[str, str, str]  # (view, column, subtype)
_STRENGTH = ("IDENTITY", "TRANSFORMATION", "AGGREGATION")  # a chain takes its strongest step


def _expression_lists(node: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every expression held by a plan node, each as its pre-order list of expression nodes."""
    found = []
    for value in node.values():
        if not isinstance(value, list) or not value:
            continue
        if all(isinstance(v, dict) and str(v.get("class", "")).startswith(_EXPRESSIONS) for v in value):
            found.append(value)
        elif all(isinstance(v, list) for v in value):
            found.extend(v for v in value if v and all(isinstance(e, dict) for e in v)
                         and str(v[0].get("class", "")).startswith(_EXPRESSIONS))
    return found


def _subtrees(nodes: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(start, end) index range of each node's subtree in a pre-order list."""
    ends = [0] * len(nodes)

    def walk(i: int) -> int:
        j = i + 1
        for _ in range(int(nodes[i].get("num-children", 0))):
            j = walk(j)
        ends[i] = j
        return j

    i = 0
    while i < len(nodes):
        i = walk(i)
    return [(i, ends[i]) for i in range(len(nodes))]


def _expr_id(node: dict[str, Any]) -> int | None:
    expr_id = node.get("exprId")
    return expr_id.get("id") if isinstance(expr_id, dict) else None


def _view_name(node: dict[str, Any]) -> str | None:
    desc = node.get("desc") or {}
    identifier = desc.get("identifier") if isinstance(desc, dict) else None
    return identifier.get("table") if isinstance(identifier, dict) else None


def column_lineage(plan_json: str, outputs: list[tuple[str, int]]) -> dict[str, list[Source]]:
    """Map each output column (``(name, exprId)`` of the plan's output) to its view columns."""
    nodes = json.loads(plan_json)
    ranges = _subtrees(nodes)
    view_of: dict[int, tuple[str, str]] = {}  # exprId defined under a view -> (view, column)
    inside_view = set()
    for index, node in enumerate(nodes):
        name = _view_name(node) if node.get("class") in _VIEW_NODES else None
        if name is None or index in inside_view:
            continue
        start, end = ranges[index]
        inside_view.update(range(start + 1, end))
        for sub in nodes[start + 1:end]:
            for key in ("output", "projectList", "aggregateExpressions"):
                for expr in sub.get(key) or []:
                    for part in expr if isinstance(expr, list) else [expr]:
                        if isinstance(part, dict) and _expr_id(part) is not None \
                                and part.get("class") in (_ATTRIBUTE, _ALIAS):
                            view_of.setdefault(_expr_id(part), (name, part["name"]))
    aliases: dict[int, tuple[set[int], str]] = {}  # alias exprId -> (referenced ids, subtype)
    for index, node in enumerate(nodes):
        if index in inside_view:
            continue
        for expr in _expression_lists(node):
            for position, part in enumerate(expr):
                if part.get("class") != _ALIAS or _expr_id(part) is None:
                    continue
                start, end = _subtrees(expr[position:])[0]
                body = expr[position + 1:position + end]
                refs = {_expr_id(p) for p in body if p.get("class") == _ATTRIBUTE}
                if any(p.get("class") == _AGGREGATE for p in body):
                    subtype = "AGGREGATION"
                elif len(body) == 1 and body[0].get("class") == _ATTRIBUTE:
                    subtype = "IDENTITY"
                else:
                    subtype = "TRANSFORMATION"
                aliases[_expr_id(part)] = ({r for r in refs if r is not None}, subtype)

    also = _union_branches(nodes, ranges, inside_view)

    def trace(expr_id: int, subtype: str, seen: frozenset[int]) -> set[Source]:
        if expr_id in seen:
            return set()
        seen = seen | {expr_id}
        found = set().union(*(trace(other, subtype, seen) for other in also.get(expr_id, ())))
        if expr_id in view_of and expr_id not in aliases:
            view, column = view_of[expr_id]
            return found | {(view, column, subtype)}
        if expr_id not in aliases:
            return found
        refs, own = aliases[expr_id]
        combined = max(own, subtype, key=_STRENGTH.index)
        return found.union(*(trace(r, combined, seen) for r in refs))

    return {name: sorted(trace(expr_id, "IDENTITY", frozenset())) for name, expr_id in outputs}


def _project_output(node: dict[str, Any]) -> list[int | None]:
    return [_expr_id(expr[0]) if isinstance(expr, list) and expr else None
            for expr in node.get("projectList") or []]


def _union_branches(nodes: list[dict[str, Any]], ranges: list[tuple[int, int]],
                    inside_view: set[int]) -> dict[int, set[int]]:
    """A UNION's output carries its first branch's exprIds: map each of them to the same
    position in the other branches (where a branch is a SELECT, i.e. a Project node)."""
    also: dict[int, set[int]] = {}
    for index, node in enumerate(nodes):
        if node.get("class") != _UNION or index in inside_view:
            continue
        children, child = [], index + 1
        for _ in range(int(node.get("num-children", 0))):
            children.append(child)
            child = ranges[child][1]
        outputs = [_project_output(nodes[c]) if nodes[c].get("class") == _PROJECT else []
                   for c in children]
        for position, first in enumerate(outputs[0] if outputs else []):
            for other in outputs[1:]:
                if first is not None and position < len(other) and other[position] is not None:
                    also.setdefault(first, set()).add(other[position])
    return also
