"""Property: for every tree the printer can be given, ``parse(to_dqdl(tree)) == tree``.

Trees are generated from the AST types directly (not from text), so the property covers forms
no published example shows: deep composites, arithmetic precedence, escapes in strings,
negative numbers, every condition and operand kind, tags, labels, constants, headers.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.quality.dqdl import ast, parse, to_dqdl

KEYWORDS = {"Rules", "Analyzers", "Metadata", "DataSources", "DefaultLabels", "labels", "where", "with",
            "between", "not", "in", "matches", "and", "AND", "or", "OR", "of", "OF", "null", "NULL",
            "empty", "EMPTY", "whitespaces_only", "WHITESPACES_ONLY", "now", "days", "hours", "minutes",
            "B", "KB", "MB", "GB", "TB"}

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}(\.[A-Za-z0-9_]{1,4})?", fullmatch=True).filter(
    lambda n: n not in KEYWORDS)
plain = st.text(st.characters(blacklist_characters='"\\', blacklist_categories=("Cs",)), max_size=6)
raw_strings = st.lists(st.one_of(plain, st.sampled_from(['\\"', "\\\\", "\\.", "\\d", "#", "\n"])),
                       max_size=4).map("".join)
strings = raw_strings.map(ast.String)
numbers = st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False,
                      allow_infinity=False).map(ast.Number)
integers = st.integers(min_value=0, max_value=10**5)
durations = st.builds(ast.Duration, integers, st.sampled_from(["days", "hours", "minutes"]))
sizes = st.builds(ast.Size, integers, st.sampled_from(["B", "KB", "MB", "GB", "TB"]))
keywords = st.sampled_from(["NULL", "EMPTY", "WHITESPACES_ONLY"]).map(ast.Keyword)
var_refs = names.map(ast.VarRef)
nows = st.one_of(st.just(ast.Now()),
                 st.builds(ast.Now, st.sampled_from(["+", "-"]), durations, st.booleans()))
num_exprs = st.recursive(
    numbers,
    lambda inner: st.one_of(
        st.builds(ast.Call, names, st.lists(inner, max_size=3).map(tuple)),
        st.builds(ast.BinOp, st.sampled_from(["+", "-", "*", "/"]), inner, inner)),
    max_leaves=6)
scalars = st.one_of(num_exprs, strings, keywords, var_refs, nows, durations, sizes)
value_lists = st.lists(st.one_of(num_exprs, strings, keywords, var_refs, nows, durations, sizes),
                       min_size=1, max_size=4).map(lambda items: ast.ValueList(tuple(items)))
conditions = st.one_of(
    st.builds(ast.Condition, st.sampled_from(ast.COMPARISONS), st.tuples(scalars)),
    st.builds(ast.Condition, st.sampled_from(["between", "not between"]), st.tuples(scalars, scalars)),
    st.builds(ast.Condition, st.sampled_from(["in", "not in"]), st.tuples(st.one_of(value_lists, var_refs))),
    st.builds(ast.Condition, st.sampled_from(["matches", "not matches"]), st.tuples(strings)))
tag_conditions = st.one_of(
    conditions,
    st.builds(lambda v: ast.Condition("=", (v,)), st.lists(strings, min_size=1, max_size=3).map(
        lambda items: ast.ValueList(tuple(items)))),
    names.map(lambda w: ast.Condition("=", (ast.Word(w),))))
tags = st.builds(ast.Tag, names, tag_conditions)
labels = st.lists(st.builds(ast.Label, strings, strings), max_size=3).map(tuple)
params = st.lists(st.one_of(strings, names.map(ast.Word), var_refs), max_size=3).map(tuple)
wheres = strings.filter(lambda s: s.raw.strip() != "")  # an empty where clause is an error
rules = st.builds(ast.Rule, names, params, st.none() | conditions, st.none() | wheres,
                  st.lists(tags, max_size=2).map(tuple), st.just(None))


def composites(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(ast.Composite, st.sampled_from(["and", "or"]),
                     st.lists(children, min_size=2, max_size=3).map(tuple))


inner_nodes = st.recursive(rules, composites, max_leaves=5)


def top_level(node: ast.RuleNode, node_labels: tuple[ast.Label, ...] | None) -> ast.RuleNode:
    if isinstance(node, ast.Rule):
        return ast.Rule(node.rule_type, node.params, node.condition, node.where, node.tags, node_labels)
    return ast.Composite(node.op, node.rules, node_labels)


top_nodes = st.builds(top_level, inner_nodes, st.none() | labels)
analyzers = st.builds(ast.Analyzer, names, params, st.lists(tags, max_size=2).map(tuple))
constant_values = st.one_of(strings, keywords, st.lists(st.one_of(strings, keywords), min_size=1,
                                                        max_size=3).map(lambda i: ast.ValueList(tuple(i))))
dictionaries = st.lists(st.tuples(strings, st.one_of(strings, st.lists(strings, min_size=1, max_size=2)
                                                     .map(tuple))), min_size=1, max_size=2).map(tuple)


@st.composite
def rulesets(draw: st.DrawFn) -> ast.Ruleset:
    rule_list = draw(st.none() | st.lists(top_nodes, max_size=4).map(tuple))
    analyzer_list = draw(st.none() | st.lists(analyzers, max_size=3).map(tuple))
    if not rule_list and not analyzer_list:
        rule_list = (draw(top_nodes),)
    constant_names = draw(st.lists(names.filter(lambda n: n[0] not in "._"), max_size=3, unique=True))
    constants = tuple(ast.Constant(n, draw(constant_values)) for n in constant_names)
    return ast.Ruleset(rule_list, analyzer_list, constants, draw(st.none() | labels),
                       draw(st.none() | dictionaries), draw(st.none() | dictionaries))


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulesets())
def test_printing_then_parsing_gives_the_same_tree(ruleset: ast.Ruleset) -> None:
    text = to_dqdl(ruleset)
    assert parse(text) == ruleset, text


def test_canonical_text_is_a_fixed_point() -> None:
    text = ('Rules = [ (IsComplete "a" and RowCount > 0) labels=["k"="v"], '
            'Mean "x" between min(last(10)) - 1 and (2 - (3 - 4)) * 5 ]')
    once = to_dqdl(parse(text))
    assert to_dqdl(parse(once)) == once
    assert 'between min(last(10)) - 1 and (2 - (3 - 4)) * 5' in once
    assert '((IsComplete "a") and (RowCount > 0)) labels=["k"="v"]' in once
    assert parse(once).rules[1].condition.operands[1] == ast.BinOp(  # type: ignore[union-attr]
        "*", ast.BinOp("-", ast.Number(Decimal(2)), ast.BinOp("-", ast.Number(Decimal(3)),
                                                              ast.Number(Decimal(4)))),
        ast.Number(Decimal(5)))
