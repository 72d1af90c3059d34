"""DQDL (AWS Glue Data Quality Definition Language): parser, printer, rule type table, checks.

Spark-free: nothing here imports pyspark. Rulesets are parsed, checked and compiled into the
SQL text and verdicts the quality gate evaluates in its one pass (``compile.py``).

    from lakehouse.quality.dqdl import parse, to_dqdl, validate
    ruleset = parse('Rules = [ IsComplete "id", RowCount > avg(last(10)) ]')
    problems = validate(ruleset, columns={"id": "bigint"})
"""

from lakehouse.quality.dqdl.ast import Ruleset
from lakehouse.quality.dqdl.parser import parse
from lakehouse.quality.dqdl.printer import to_dqdl

__all__ = ["Ruleset", "parse", "to_dqdl"]
