"""Quality rule types, each declared once (Spark-free): see :mod:`.registry`.

One module per family (``values``, ``uniqueness``, ``references``, ``dataset``) or per type
(``not_in_future``) registers :class:`RuleType` objects; :func:`rule_types` discovers them.
"""

from lakehouse.config.rule_types.base import RuleBase, Severity, Threshold
from lakehouse.config.rule_types.docs import DOCS_END, DOCS_START, markdown_table, render_docs
from lakehouse.config.rule_types.registry import (
    DatasetFacts,
    GxContext,
    RowContext,
    RuleDoc,
    RuleType,
    SuggestContext,
    Suggestion,
    register,
    rule_type,
    rule_types,
)

__all__ = [
    "DOCS_END",
    "DOCS_START",
    "DatasetFacts",
    "GxContext",
    "RowContext",
    "RuleBase",
    "RuleDoc",
    "RuleType",
    "Severity",
    "SuggestContext",
    "Suggestion",
    "Threshold",
    "markdown_table",
    "register",
    "render_docs",
    "rule_type",
    "rule_types",
]
