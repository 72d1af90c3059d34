"""Checking a SQL row predicate against a table schema before anything runs (both backends).

A predicate naming a column the table lacks fails with every unknown column named (Spark's
analyzer stops at the first one: each unknown name is added as a placeholder column and the
analysis repeated), next to the columns the table has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse.errors import SchemaError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType

_MAX_UNKNOWN = 20


def unknown_columns(spark: SparkSession, schema: StructType, predicate: str) -> list[str]:
    """Columns ``predicate`` names that ``schema`` lacks (empty: it resolves).

    Raises:
        SchemaError: the predicate does not parse or does not analyse for another reason
            (a type error, an unknown function), with Spark's message.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    fields = list(schema.fields)
    unknown: list[str] = []
    while len(unknown) <= _MAX_UNKNOWN:
        frame = spark.createDataFrame([], StructType(fields))
        try:
            frame.where(predicate).schema  # noqa: B018 - the analysis is the check
            return unknown
        except Exception as exc:
            name = _unresolved(exc)
            if name is None or name in unknown:
                raise SchemaError(f"predicate {predicate!r} cannot be evaluated: "
                                  f"{_first_line(exc)}",
                                  hint="write a Spark SQL boolean expression over the "
                                       "table's columns") from None
            unknown.append(name)
            fields.append(StructField(name, StringType()))
    return unknown


def check_predicate(spark: SparkSession, schema: StructType, predicate: str, *,
                    uri: str | None = None) -> None:
    """Raise :class:`SchemaError` naming every column of ``predicate`` not in ``schema``."""
    missing = unknown_columns(spark, schema, predicate)
    if missing:
        raise SchemaError(f"predicate names unknown column(s) {missing}",
                          hint=f"columns are: {', '.join(schema.fieldNames())}", table=uri)


def _unresolved(exc: Exception) -> str | None:
    """The column name of an UNRESOLVED_COLUMN analysis error, else None."""
    condition = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    params = getattr(exc, "getMessageParameters", None)
    try:
        kind = condition() if condition else None
        values = params() if params else {}
    except Exception:  # an error without the structured fields
        return None
    if not kind or not str(kind).startswith("UNRESOLVED_COLUMN"):
        return None
    name = (values or {}).get("objectName", "")
    # `a`.`b` -> a.b ; `col` -> col
    parts = [p.strip("`").replace("``", "`") for p in name.split("`.`")]
    return ".".join(parts) or None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
