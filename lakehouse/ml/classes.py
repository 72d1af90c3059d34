"""The classes of a classification label, indexed ``0..k-1`` (Spark-free).

A classification label may be a string, boolean or numeric column. Its classes are the
distinct non-null values of the whole export (every split), **sorted by value**: strings in
Unicode code-point order (``"Adelie" < "Gentoo" < "adelie"``), ``false`` before ``true``,
numbers ascending. Class ``i`` is the ``i``-th value; that list is written to
``_transforms.json`` (``label.classes``) and the manifest, and
:func:`lakehouse.ml.transforms.apply` maps each label to its index from it (an unseen value
fails with its name).

Numeric labels are already indices: they are kept when their values are exactly ``0..k-1``
and refused otherwise (:func:`numeric_problem`), since re-indexing ``{1, 2, 3}`` silently would
hand a model class 0 for what the data calls 1.

Why the whole export and not the train split: every written row needs an index (a class
seen only in validation or test would have none), and sorting by value - not by frequency -
means the mapping says nothing about any split's statistics. Why not Spark ML's
``StringIndexer(stringOrderType='alphabetAsc')``: the distinct values come for free from the
aggregation the checks already run (grouped by split and label), which also keeps booleans and
numbers typed; ``StringIndexer`` would need another pass over the rows and string casts.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

INTEGRAL = ("tinyint", "smallint", "int", "bigint")
FLOATING = ("float", "double")


def is_numeric(dtype: str) -> bool:
    """A Spark SQL type name (``DataFrame.dtypes``) that holds numbers."""
    return dtype in INTEGRAL or dtype in FLOATING or dtype.startswith("decimal")


def label_type_problem(column: str, dtype: str, kind: str) -> str | None:
    """Why a label of Spark type ``dtype`` cannot be a ``kind`` label (None when it can)."""
    if kind == "classification":
        if dtype in ("string", "boolean") or is_numeric(dtype):
            return None
        return (f"classification label {column!r} is a {dtype} column; it must be a string, "
                f"boolean or integer column (convert it in label.expr, e.g. "
                f"CAST({column} AS STRING))")
    if is_numeric(dtype) or dtype == "boolean":
        return None
    return (f"regression label {column!r} is a {dtype} column, not a number; convert it in "
            f"label.expr (e.g. TRY_CAST({column} AS DOUBLE): values that are not numbers then "
            "become null and the label_present check counts them)")


def plain(value: Any) -> Any:
    """A label value as JSON holds it (decimals become int or float)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def class_name(value: Any) -> str:
    """How a class is named in the manifest (``class_counts`` keys): ``true``, ``2``, ``Gentoo``."""
    value = plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fit(values: Iterable[Any], *, column: str, dtype: str) -> dict[str, Any]:
    """The label's parameters for ``_transforms.json``: column, Spark type, sorted classes."""
    distinct = {plain(v) for v in values if v is not None}
    return {"column": column, "type": dtype, "classes": sorted(distinct)}


def numeric_problem(label: dict[str, Any]) -> str | None:
    """Why numeric classes cannot be kept as indices (None when they are ``0..k-1``)."""
    if not is_numeric(label["type"]):
        return None
    classes = label["classes"]
    if classes == list(range(len(classes))):
        return None
    shown = ", ".join(class_name(c) for c in classes[:10]) + (", ..." if len(classes) > 10 else "")
    column = label["column"]
    return (f"numeric label {column!r} has the values [{shown}]: a numeric classification label "
            f"must already be the class index 0..{len(classes) - 1}; shift it in label.expr "
            f"(e.g. {column} - 1) or index it as text (CAST({column} AS STRING), classes sorted as "
            "strings)")


def describe(label: dict[str, Any], limit: int = 10) -> str:
    """``'Adelie'=0, 'Gentoo'=1`` (the first ``limit`` classes)."""
    pairs = [f"{class_name(c)!r}={i}" for i, c in enumerate(label["classes"][:limit])]
    more = len(label["classes"]) - limit
    return ", ".join(pairs) + (f", ... ({more} more)" if more > 0 else "")
