"""Parse DQDL text into the typed tree of :mod:`lakehouse.quality.dqdl.ast` (Spark-free).

The grammar is ``dqdl.lark`` beside this module (lark, LALR(1), contextual lexer). Every
error is a :class:`~lakehouse.errors.DqdlSyntaxError` naming the line, the column, what was
expected there and what was found, with the offending line and a caret.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from lakehouse.errors import DqdlSyntaxError
from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl.terminals import describe_expected

_SECTION = re.compile(r"(?<![A-Za-z0-9_.])(?:Rules|Analyzers)\s*=")
_KEYWORDS = {"null": "NULL", "empty": "EMPTY", "whitespaces_only": "WHITESPACES_ONLY"}


@cache
def _lark() -> Lark:
    grammar = resources.files("lakehouse.quality.dqdl").joinpath("dqdl.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True)


def parse(text: str, *, file: str | None = None) -> ast.Ruleset:
    """Parse a DQDL ruleset.

    Args:
        text: The ruleset, e.g. ``'Rules = [ IsComplete "id", RowCount > 0 ]'``.
        file: Where the text comes from, named in errors.

    Raises:
        DqdlSyntaxError: The text is not DQDL; the error names line, column and what was expected.
    """
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, file) from None
    try:
        return _ToAst(text, file).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, DqdlSyntaxError):
            raise exc.orig_exc from None
        raise


def excerpt(text: str, line: int, column: int) -> str:
    """The ``line``-th line of ``text`` with a caret under ``column`` (both 1-based)."""
    lines = text.splitlines() or [""]
    src = lines[min(line, len(lines)) - 1].replace("\t", " ")
    return f"  {src}\n  {' ' * (column - 1)}^"


def _syntax_error(exc: UnexpectedInput, text: str, file: str | None) -> DqdlSyntaxError:
    line, column = exc.line, exc.column
    at_end = isinstance(exc, UnexpectedEOF) or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END")
    if at_end or line is None or line < 1:  # point just past the last character
        lines = text.rstrip().splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    if isinstance(exc, UnexpectedCharacters):
        found: str | None = text[exc.pos_in_stream]
        expected = describe_expected(exc.allowed or ())
    elif isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        found = str(exc.token)
        expected = describe_expected(exc.accepts or exc.expected)
    else:
        found = None
        expected = describe_expected(getattr(exc, "expected", None) or ())
    what = f"found {found!r}" if found is not None else "but the ruleset ends"
    message = f"expected {_or_list(expected)}, {what}" if expected else f"unexpected {what}"
    hint = None if _SECTION.search(text) else (
        "a ruleset is `Rules = [ rule, ... ]` and/or `Analyzers = [ ... ]`")
    if found in ("\u201c", "\u201d", "\u2018", "\u2019"):
        hint = "DQDL strings use straight double quotes (\"), not typographic ones"
    return DqdlSyntaxError(message, line=line, column=column, expected=expected, found=found,
                           excerpt=excerpt(text, line, column), file=file, hint=hint)


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _unquote(token: Token) -> ast.String:
    return ast.String(str(token)[1:-1])


def _pos_of(meta: Any) -> ast.Pos | None:
    return ast.Pos(meta.line, meta.column) if getattr(meta, "line", None) else None


class _ToAst(Transformer):
    """Builds the tree; rejects what the grammar lets through but DQDL does not."""

    def __init__(self, text: str, file: str | None):
        super().__init__()
        self._text = text
        self._file = file

    def _fail(self, message: str, where: Any, *, expected: list[str] | None = None) -> None:
        line, column = (where.line, where.column) if where is not None else (1, 1)
        raise DqdlSyntaxError(message, line=line, column=column, expected=expected or [],
                              excerpt=excerpt(self._text, line, column), file=self._file)

    # -------------------------------------------------------------- document
    def start(self, items: list[Any]) -> ast.Ruleset:
        return items[0]

    def document(self, items: list[Any]) -> ast.Ruleset:
        fields: dict[str, Any] = {"constants": []}
        for item in items:
            if item is None:
                continue
            kind, value = item
            if kind == "constant":
                fields["constants"].append(value)
            elif kind == "sections":
                fields.update(value)
            else:
                fields[kind] = value
        seen: dict[str, ast.Constant] = {}
        for const in fields["constants"]:
            if const.name in seen:
                self._fail(f"constant {const.name!r} is already defined (at {seen[const.name].pos})",
                           const.pos)
            seen[const.name] = const
        fields["constants"] = tuple(fields["constants"])
        ruleset = ast.Ruleset(**fields)
        if not ruleset.rules and not ruleset.analyzers:
            self._fail("the ruleset has no rules and no analyzers", ast.Pos(1, 1),
                       expected=["at least one rule in Rules = [ ... ]"])
        return ruleset

    def sections(self, items: list[Any]) -> tuple[str, dict[str, Any]]:
        out: dict[str, Any] = {}
        for kind, value in items:
            out[kind] = value
        return "sections", out

    @v_args(meta=True)
    def metadata(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return "metadata", items[1]

    @v_args(meta=True)
    def data_sources(self, meta: Any, items: list[Any]) -> tuple[str, Any]:
        return "data_sources", items[1]

    def dictionary(self, items: list[Any]) -> tuple[tuple[ast.String, ast.DictValue], ...]:
        return tuple(items)

    def pair(self, items: list[Any]) -> tuple[ast.String, ast.DictValue]:
        key, value = items
        return _unquote(key), value if isinstance(value, tuple) else _unquote(value)

    def string_array(self, items: list[Token]) -> tuple[ast.String, ...]:
        return tuple(_unquote(t) for t in items)

    @v_args(meta=True)
    def constant(self, meta: Any, items: list[Any]) -> tuple[str, ast.Constant]:
        name, value = str(items[0]), items[1]
        if name[0] in "._":
            self._fail(f"constant name {name!r} cannot start with '.' or '_'", items[0])
        if isinstance(value, ast.VarRef) or (
                isinstance(value, ast.ValueList) and any(isinstance(v, ast.VarRef) for v in value.items)):
            self._fail(f"constant {name!r}: constants cannot refer to other constants", meta)
        if isinstance(value, ast.ValueList) and not all(
                isinstance(v, ast.String | ast.Keyword) for v in value.items):
            self._fail(f"constant {name!r}: a list constant holds quoted strings (and NULL, EMPTY,"
                       " WHITESPACES_ONLY) only", meta, expected=['["a", "b"]'])
        return "constant", ast.Constant(name, value, pos=_pos_of(meta))

    def default_labels(self, items: list[Any]) -> tuple[str, tuple[ast.Label, ...]]:
        return "default_labels", items[1]

    # -------------------------------------------------------------- sections
    def rules_section(self, items: list[Any]) -> tuple[str, tuple[ast.RuleNode, ...]]:
        rules = tuple(i for i in items[1:] if i is not None)
        return "rules", tuple(self._top_level(r) for r in rules)

    def _top_level(self, node: Any) -> ast.RuleNode:
        if isinstance(node, _Group):
            inner = node.inner
            if node.labels is not None:
                if inner.labels is not None:
                    self._fail("labels are given twice for one rule", node.pos)
                inner = _with_labels(inner, node.labels)
            node = inner
        self._no_inner_labels(node, top=True)
        return node

    def _no_inner_labels(self, node: ast.RuleNode, *, top: bool) -> None:
        if not top and node.labels is not None:
            self._fail("labels apply to a whole top-level rule, not to a part of a composite rule;"
                       " write (ruleA and ruleB) labels=[...]", node.pos)
        if isinstance(node, ast.Composite):
            for child in node.rules:
                self._no_inner_labels(child, top=False)

    def analyzers_section(self, items: list[Any]) -> tuple[str, tuple[ast.Analyzer, ...]]:
        analyzers: list[ast.Analyzer] = []
        for item in items[1:]:
            if item is None:
                continue
            if isinstance(item, ast.Analyzer):
                analyzers.append(item)
                continue
            tag, where = item
            if not analyzers or not analyzers[-1].tags:
                self._fail(f"'{tag.name} ...' continues the tags of an analyzer, but no analyzer with"
                           " 'with' comes before it", where, expected=["an analyzer"])
            last = analyzers[-1]
            analyzers[-1] = ast.Analyzer(last.analyzer_type, last.params, (*last.tags, tag), pos=last.pos)
        return "analyzers", tuple(analyzers)

    @v_args(meta=True)
    def analyzer(self, meta: Any, items: list[Any]) -> ast.Analyzer:
        params = tuple(i for i in items[1:] if not isinstance(i, ast.Tag))
        tags = tuple(i for i in items[1:] if isinstance(i, ast.Tag))
        return ast.Analyzer(str(items[0]), params, tags, pos=_pos_of(meta))

    def tag_continuation(self, items: list[Any]) -> tuple[ast.Tag, Token]:
        return ast.Tag(str(items[0]), items[1]), items[0]

    # -------------------------------------------------------------- composites
    @v_args(meta=True)
    def or_rule(self, meta: Any, items: list[Any]) -> ast.Composite:
        return self._composite("or", items, meta)

    @v_args(meta=True)
    def and_rule(self, meta: Any, items: list[Any]) -> ast.Composite:
        return self._composite("and", items, meta)

    def _composite(self, op: str, items: list[Any], meta: Any) -> ast.Composite:
        operands = [self._operand_of(i) for i in items if not isinstance(i, Token)]
        return ast.Composite(op, tuple(operands), pos=_pos_of(meta))  # type: ignore[arg-type]

    def _operand_of(self, node: Any) -> ast.RuleNode:
        if isinstance(node, _Group):
            if node.labels is not None:
                self._fail("labels apply to a whole top-level rule, not to a part of a composite"
                           " rule; write (ruleA and ruleB) labels=[...]", node.label_pos)
            return node.inner
        return node

    @v_args(meta=True)
    def group(self, meta: Any, items: list[Any]) -> _Group:
        inner, clause = items[0], (items[1] if len(items) > 1 else None)
        labels, label_pos = (clause[1], clause[2]) if clause is not None else (None, None)
        if isinstance(inner, _Group):  # ((rule)) labels=[...]
            if inner.labels is not None and labels is not None:
                self._fail("labels are given twice for one rule", label_pos)
            if labels is None:
                labels, label_pos = inner.labels, inner.label_pos
            inner = inner.inner
        return _Group(inner, labels, _pos_of(meta), label_pos)

    # -------------------------------------------------------------- rules
    @v_args(meta=True)
    def rule(self, meta: Any, items: list[Any]) -> ast.Rule:
        rule_type, rest = str(items[0]), items[1:]
        params = tuple(i for i in rest if isinstance(i, ast.String | ast.Word | ast.VarRef))
        condition = next((i for i in rest if isinstance(i, ast.Condition)), None)
        where = next((i[1] for i in rest if isinstance(i, tuple) and i[0] == "where"), None)
        tags = tuple(i for i in rest if isinstance(i, ast.Tag))
        label_clauses = [i for i in rest if isinstance(i, tuple) and i[0] == "labels"]
        if len(label_clauses) > 1:
            self._fail("labels are given twice for one rule", label_clauses[1][2])
        labels = label_clauses[0][1] if label_clauses else None
        return ast.Rule(rule_type, params, condition, where, tags, labels, pos=_pos_of(meta))

    def param(self, items: list[Any]) -> ast.String | ast.Word | ast.VarRef:
        token = items[-1]
        if token.type == "STRING":
            return _unquote(token)
        if token.type == "VAR_REF":
            return ast.VarRef(str(token)[1:])
        return ast.Word(str(token))

    def where_clause(self, items: list[Token]) -> tuple[str, ast.String]:
        clause = _unquote(items[1])
        if not clause.raw.strip():
            self._fail("the where clause is empty; give a Spark SQL predicate", items[1],
                       expected=['a Spark SQL predicate such as "colB = 10"'])
        return "where", clause

    def tag(self, items: list[Any]) -> ast.Tag:
        return ast.Tag(str(items[1]), items[2])

    def tag_list(self, items: list[Any]) -> ast.Condition:
        self._only_equals(items[0])
        return ast.Condition("=", (items[1],))

    def tag_word(self, items: list[Any]) -> ast.Condition:
        self._only_equals(items[0])
        return ast.Condition("=", (ast.Word(str(items[1])),))

    def _only_equals(self, op: Token) -> None:
        if _op(op) != "=":
            self._fail(f"a tag is set with '=', found {str(op)!r}", op, expected=["'='"])

    @v_args(meta=True)
    def label_clause(self, meta: Any, items: list[Any]) -> tuple[str, tuple[ast.Label, ...], Any]:
        return "labels", items[1], _pos_of(meta)

    def label_list(self, items: list[Any]) -> tuple[ast.Label, ...]:
        return tuple(i for i in items if i is not None)

    def label(self, items: list[Token]) -> ast.Label:
        return ast.Label(_unquote(items[0]), _unquote(items[1]))

    # -------------------------------------------------------------- conditions
    def comparison(self, items: list[Any]) -> ast.Condition:
        return ast.Condition(_op(items[0]), (items[1],))  # type: ignore[arg-type]

    def between(self, items: list[Any]) -> ast.Condition:
        negated = isinstance(items[0], Token) and items[0].type == "NOT"
        low, high = [i for i in items if not isinstance(i, Token)]
        return ast.Condition("not between" if negated else "between", (low, high))

    def membership(self, items: list[Any]) -> ast.Condition:
        negated = isinstance(items[0], Token) and items[0].type == "NOT"
        target = items[-1]
        if isinstance(target, Token):
            target = ast.VarRef(str(target)[1:])
        return ast.Condition("not in" if negated else "in", (target,))

    def matches(self, items: list[Any]) -> ast.Condition:
        negated = isinstance(items[0], Token) and items[0].type == "NOT"
        return ast.Condition("not matches" if negated else "matches", (_unquote(items[-1]),))

    def string_value(self, items: list[Token]) -> ast.String | ast.VarRef | ast.Keyword:
        token = items[0]
        if token.type == "STRING":
            return _unquote(token)
        if token.type == "VAR_REF":
            return ast.VarRef(str(token)[1:])
        return ast.Keyword(_KEYWORDS[str(token).lower()])  # type: ignore[arg-type]

    def value_list(self, items: list[Any]) -> ast.ValueList:
        return ast.ValueList(tuple(items))

    def date_now(self, items: list[Token]) -> ast.Now:
        return ast.Now()

    def date_offset(self, items: list[Any]) -> ast.Now:
        return ast.Now(str(items[1]), items[2], parenthesized=False)  # type: ignore[arg-type]

    def date_offset_paren(self, items: list[Any]) -> ast.Now:
        return ast.Now(str(items[1]), items[2], parenthesized=True)  # type: ignore[arg-type]

    def duration(self, items: list[Token]) -> ast.Duration:
        return ast.Duration(int(items[0]), str(items[1]))  # type: ignore[arg-type]

    def size(self, items: list[Token]) -> ast.Size:
        return ast.Size(int(items[0]), str(items[1]))  # type: ignore[arg-type]

    def binop(self, items: list[Any]) -> ast.BinOp:
        return ast.BinOp(str(items[1]), items[0], items[2])  # type: ignore[arg-type]

    def call(self, items: list[Any]) -> ast.Call:
        return ast.Call(str(items[0]), tuple(i for i in items[1:] if i is not None))

    def number(self, items: list[Token]) -> ast.Number:
        sign = items[0] if items[0] is not None and items[0].type == "ADD_OP" else None
        digits = items[-1]
        if sign is not None and str(sign) == "+":
            self._fail("a number cannot start with '+'", sign, expected=["a number such as 5 or -5"])
        value = Decimal(str(digits))
        return ast.Number(-value if sign is not None else value)


class _Group:
    """A parenthesized rule before we know whether it is top level (where labels may follow)."""

    def __init__(self, inner: ast.RuleNode, labels: tuple[ast.Label, ...] | None,
                 pos: ast.Pos | None, label_pos: ast.Pos | None):
        self.inner, self.labels, self.pos, self.label_pos = inner, labels, pos, label_pos


def _with_labels(node: ast.RuleNode, labels: tuple[ast.Label, ...]) -> ast.RuleNode:
    if isinstance(node, ast.Rule):
        return ast.Rule(node.rule_type, node.params, node.condition, node.where, node.tags, labels,
                        pos=node.pos)
    return ast.Composite(node.op, node.rules, labels, pos=node.pos)


def _op(token: Token) -> str:
    text = "".join(str(token).split())
    return text


__all__ = ["excerpt", "parse"]
