"""Bad rulesets fail with the line, the column, what was expected there and what was found."""

from __future__ import annotations

import pytest

from lakehouse.errors import DqdlSyntaxError, LakehouseError
from lakehouse.quality.dqdl import parse

# (ruleset, line, column, found, words that must be among the expected ones)
BAD = [
    pytest.param('Rules = [ IsComplete "a" ', 1, 25, None, ["']'", "','"], id="unclosed-rules"),
    pytest.param('Rules = [ ColumnValues "a" > ]', 1, 30, "]", ["a number", "a quoted string", "now()"],
                 id="comparison-without-value"),
    pytest.param('Rules = [\n  RowCount > 10,\n  Mean "x" @ 3\n]', 3, 12, "@",
                 ["a comparison (=, !=, >, >=, <, <=)", "'between'"], id="unknown-character"),
    pytest.param('Rules = [ DataFreshness "d" <= 24 hour ]', 1, 35, "hour",
                 ["a time unit (days, hours, minutes)"], id="singular-time-unit"),
    pytest.param('Rules = [ ColumnValues "a" in [1 2] ]', 1, 34, "2", ["','", "']'"],
                 id="list-without-comma"),
    pytest.param('Rules = [ FileSize > 1 ZB ]', 1, 24, "ZB", ["a size unit (B, KB, MB, GB, TB)"],
                 id="unknown-size-unit"),
    pytest.param('Rules = [ Completeness "col-A" > 0.4 with ]', 1, 43, "]", ["a name"],
                 id="with-without-tag"),
    pytest.param('Rules = [ ColumnValues "col-A" > now() 3 days ]', 1, 40, "3", ["an operator (+, -)"],
                 id="now-without-operator"),
    pytest.param('Rules = [ RowCount between 1 ]', 1, 30, "]", ["'and'"], id="between-without-and"),
    pytest.param('Rules = [ IsComplete "a", ]', 1, 27, "]", ["a name", "'('"], id="trailing-comma"),
    pytest.param('Rules = { Completeness "col-A" }', 1, 9, "{", ["'['"], id="braces-for-rules"),
    pytest.param('Rules11 = [ RowCount > 0 ]', 1, 22, ">", ["'('"], id="misspelled-section"),
    pytest.param('Rules = [ RowCount > 0\n    IsComplete "b" ]', 2, 5, "IsComplete", ["','", "']'"],
                 id="missing-comma-between-rules"),
    pytest.param('Rules = [ ColumnValues "a" matches ]', 1, 36, "]", ["a quoted string"],
                 id="matches-no-regex"),
    pytest.param('Rules = [ RowCount > +5 ]', 1, 22, None, ["a number such as 5 or -5"], id="plus-sign"),
    pytest.param('Rules = [ isComplete "col" AND RowCount > 0 labels=["foo"="bar] ]', 1, 59, '"',
                 ["a quoted string"], id="docs-unterminated-label"),
    pytest.param('Rules = [ StandardDeviation "colA" > avg(last(10) + 0.1 ]', 1, 57, "]", ["')'"],
                 id="docs-unbalanced-parenthesis"),
]


@pytest.mark.parametrize(("text", "line", "column", "found", "expected"), BAD)
def test_bad_ruleset_names_line_column_expected_and_found(text, line, column, found, expected) -> None:
    with pytest.raises(DqdlSyntaxError) as err:
        parse(text, file="conf/datasets/flights.dqdl")
    e = err.value
    assert (e.line, e.column) == (line, column), str(e)
    if found is not None:
        assert e.found == found
    assert set(expected) <= set(e.expected), e.expected
    assert f"line {line}, column {column}" in str(e)
    assert e.file == "conf/datasets/flights.dqdl" and "file=conf/datasets/flights.dqdl" in str(e)
    assert isinstance(e, LakehouseError) and e.exit_code == 2
    src = text.splitlines()[line - 1]
    caret = e.excerpt.splitlines()
    assert caret[0].strip() == src.strip() and caret[1].index("^") - 2 == column - 1


def test_error_message_reads_as_a_sentence() -> None:
    with pytest.raises(DqdlSyntaxError) as err:
        parse('Rules = [ DataFreshness "d" <= 24 hour ]')
    first = str(err.value).splitlines()[0]
    assert first == ("line 1, column 35: expected a time unit (days, hours, minutes), a size unit"
                     " (B, KB, MB, GB, TB), 'where', 'with', 'labels', 'and', 'or', ',', ']',"
                     " an operator (+, -) or an operator (*, /), found 'hour'")
    with pytest.raises(DqdlSyntaxError, match=r"expected .*, but the ruleset ends"):
        parse('Rules = [ IsComplete "a"')
    with pytest.raises(DqdlSyntaxError) as misspelled:  # parsed as a constant named Rules11
        parse('Rules11 = [ RowCount > 0 ]')
    assert misspelled.value.hint == "a ruleset is `Rules = [ rule, ... ]` and/or `Analyzers = [ ... ]`"
    with pytest.raises(DqdlSyntaxError) as pasted:  # copied from a word processor
        parse('Rules = [ IsComplete \u201cemail\u201d ]')
    assert (pasted.value.column, pasted.value.found) == (22, "\u201c")
    assert pasted.value.hint == 'DQDL strings use straight double quotes ("), not typographic ones'


STRUCTURE = [
    pytest.param('Rules = [ ]', 1, 1, "no rules and no analyzers", id="empty-ruleset"),
    pytest.param('Rules = [ (IsComplete "colA") AND (RowCount > 0) labels=["foo"="bar"] ]', 1, 50,
                 "labels apply to a whole top-level rule", id="docs-labels-on-last-operand"),
    pytest.param('Rules = [ (IsComplete "colA" labels=["foo"="bar"]) AND (RowCount > 0) ]', 1, 12,
                 "labels apply to a whole top-level rule", id="docs-labels-inside-operand"),
    pytest.param('Rules = [ RowCount > 0 labels=["a"="b"] labels=["c"="d"] ]', 1, 41,
                 "labels are given twice", id="labels-twice"),
    pytest.param('Rules = [ IsComplete "a" where "" ]', 1, 32, "the where clause is empty", id="empty-where"),
    pytest.param('x = "a"\nx = "b"\nRules = [ RowCount > 0 ]', 2, 1, "already defined", id="constant-twice"),
    pytest.param('_x = "a"\nRules = [ RowCount > 0 ]', 1, 1, "cannot start with", id="constant-name"),
    pytest.param('n = [5, 10]\nRules = [ ColumnValues "a" in $n ]', 1, 1, "holds quoted strings",
                 id="numeric-list-constant"),
    pytest.param('Analyzers = [ Mean "a", bins = 3 ]', 1, 25, "no analyzer with 'with'", id="orphan-tag"),
    pytest.param('Rules = [ FileMatch "s3://a" with hashAlgorithm > "MD5" ]', 0, 0, "", id="tag-op-parses"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), STRUCTURE)
def test_structure_errors_point_at_the_offending_part(text, line, column, message) -> None:
    if not message:  # a tag compared with '>' parses; validation reports it (test_dqdl_validate)
        parse(text)
        return
    with pytest.raises(DqdlSyntaxError) as err:
        parse(text)
    assert (err.value.line, err.value.column) == (line, column), str(err.value)
    assert message in str(err.value)
