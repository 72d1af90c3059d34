"""Every DQDL example AWS publishes parses, prints back to itself, and validates as Glue would."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lakehouse.errors import DqdlSyntaxError
from lakehouse.quality.dqdl import ast, parse, to_dqdl
from lakehouse.quality.dqdl.spec import RULE_TYPES
from lakehouse.quality.dqdl.validate import validate
from tests.unit.quality.dqdl.examples import EXAMPLES, WITHOUT_EXAMPLE, Example


def _id(example: Example) -> str:
    return example.page.removeprefix("dqdl-rule-types-").removesuffix(".html") + ": " + example.text[:60]


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_published_example_parses_and_round_trips(example: Example) -> None:
    if example.syntax_error is not None:
        with pytest.raises(DqdlSyntaxError) as err:
            parse(example.document)
        assert (err.value.line, err.value.column) == example.syntax_error
        return
    ruleset = parse(example.document)
    assert ruleset.rules or ruleset.analyzers
    assert parse(to_dqdl(ruleset)) == ruleset
    kinds = {p.kind for p in validate(ruleset)}
    assert kinds == set(example.problems), [str(p) for p in validate(ruleset)]


def test_the_corpus_covers_every_rule_type_of_the_reference() -> None:
    seen: set[str] = set()
    for example in EXAMPLES:
        if example.syntax_error is None:
            ruleset = parse(example.document)
            seen |= {r.rule_type for r in ruleset.iter_rules()}
            seen |= {a.analyzer_type for a in ruleset.analyzers or ()}
    assert set(RULE_TYPES) - seen == set(WITHOUT_EXAMPLE)
    assert len(EXAMPLES) >= 200


def test_published_examples_mean_what_the_pages_say() -> None:
    """Spot checks of the tree: the parser reads the documented forms the documented way."""
    def rule(text: str) -> ast.Rule:
        return parse(f"Rules = [ {text} ]").rules[0]  # type: ignore[index,return-value]

    fresh = rule('ColumnValues "Load_Date" > (now() - 3 days)')
    assert fresh.condition == ast.Condition(">", (ast.Now("-", ast.Duration(3, "days")),))
    dynamic = rule("RowCount > avg(last(10)) *0.8")
    assert dynamic.condition.operands[0] == ast.BinOp(  # type: ignore[union-attr]
        "*", ast.Call("avg", (ast.Call("last", (ast.Number(10),)),)), ast.Number(Decimal("0.8")))
    ranged = rule('DistinctValuesCount "colA" between min(last(10))-1 and max(last(10))+1')
    assert ranged.condition.op == "between"  # type: ignore[union-attr]
    assert ranged.condition.operands[0].op == "-"  # type: ignore[union-attr]
    threshold = rule('ColumnValues "colB" in ["A", "B"] where "colC is not null" with threshold > 0.9')
    assert threshold.where == ast.String("colC is not null")
    assert threshold.threshold == ast.Condition(">", (ast.Number(Decimal("0.9")),))
    keywords = rule('ColumnValues "Country" in [ "US", "CA", "UK", NULL, EMPTY, WHITESPACES_ONLY ]')
    assert keywords.condition.operands[0].items[3:] == (  # type: ignore[union-attr]
        ast.Keyword("NULL"), ast.Keyword("EMPTY"), ast.Keyword("WHITESPACES_ONLY"))
    size = rule('FileSize "s3://amzn-s3-demo-bucket/" between 2 GB and 1 TB with threshold > 0.7')
    assert size.condition.operands == (ast.Size(2, "GB"), ast.Size(1, "TB"))  # type: ignore[union-attr]
    regex = rule('FileMatch "s3://bucket/" in ["x"] with uriRegex = "\\.json$"')
    assert regex.tag("uriRegex").condition.operands[0].raw == "\\.json$"  # type: ignore[union-attr]
    composite = parse('Rules = [ (Mean "Star_Rating" > 3) and ((Mean "Order_Total" > 500) or '
                      '(IsComplete "Order_Id")) ]').rules[0]  # type: ignore[index]
    assert isinstance(composite, ast.Composite) and composite.op == "and"
    assert isinstance(composite.rules[1], ast.Composite) and composite.rules[1].op == "or"
    analyzers = parse('Analyzers = [\n    Distribution "Salary" with bins = 20, rebin = false\n]').analyzers
    assert analyzers == (ast.Analyzer("Distribution", (ast.String("Salary"),), (
        ast.Tag("bins", ast.Condition("=", (ast.Number(Decimal(20)),))),
        ast.Tag("rebin", ast.Condition("=", (ast.Word("false"),))))),)
