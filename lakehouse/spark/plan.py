"""What the column-lineage parser needs from a DataFrame: its analyzed plan as JSON and the
(name, exprId) of each output column (see :mod:`lakehouse.spark.plan_columns`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def analyzed_plan(df: DataFrame) -> tuple[str, list[tuple[str, int]]]:
    """``(plan JSON, [(column, exprId), ...])`` of ``df``'s analyzed logical plan."""
    plan = df._jdf.queryExecution().analyzed()
    output = plan.output()
    columns = [(output.apply(i).name(), int(output.apply(i).exprId().id()))
               for i in range(output.size())]
    return plan.toJSON(), columns
