"""Glue ``GetPartitions`` filter expressions: a small parser and evaluator (no Spark).

Supported, as documented for Glue: comparisons ``= <> < > <= >=``, ``[NOT] BETWEEN a AND b``,
``[NOT] IN (a, b)``, ``[NOT] LIKE 'pat%'`` (string keys only), ``AND``, ``OR``, ``NOT`` and
parentheses. Nothing Glue would reject (no ``!=``, no backquotes): an expression the local
backend accepts is also accepted by Glue. Literals are single-quoted strings or
numbers; they are cast to the partition key's type (int/bigint/..., decimal, date,
timestamp, string) before comparing, so ``month > 9`` on an ``int`` key compares numbers.

    >>> expr = parse("year = '2013' AND month BETWEEN 1 AND 3")
    >>> expr.evaluate({"year": "2013", "month": "2"}, {"year": "string", "month": "int"})
    True
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lakehouse.errors import InvalidInputError

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<num>-?\d+(?:\.\d+)?)
    | (?P<op><>|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""", re.VERBOSE)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "BETWEEN", "LIKE"}
_OPS = {"=": operator.eq, "<>": operator.ne, "<": operator.lt,
        ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_INTS = {"tinyint", "smallint", "int", "integer", "bigint", "long"}


def _fail(expression: str, problem: str) -> InvalidInputError:
    return InvalidInputError(
        f"invalid partition filter {expression!r}: {problem}",
        hint="e.g. \"flight_date >= '2013-01-01' AND origin IN ('JFK', 'LGA')\"")


def cast(value: str, type_name: str, key: str = "") -> Any:
    """Cast a partition value or literal to the Python value of ``type_name``."""
    t = type_name.lower()
    try:
        if t in _INTS:
            return int(value)
        if t.startswith("decimal") or t in ("double", "float"):
            return Decimal(value)
        if t == "date":
            return date.fromisoformat(value)
        if t == "timestamp":
            return datetime.fromisoformat(value)
    except (ValueError, InvalidOperation) as exc:
        raise InvalidInputError(f"{value!r} is not a valid {t} for partition key {key!r}") from exc
    return value


class Expr:
    def evaluate(self, values: dict[str, str], types: dict[str, str]) -> bool:
        raise NotImplementedError

    def keys(self) -> set[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Predicate(Expr):
    key: str
    op: str                     # "=", "<", ..., "in", "between", "like"
    args: tuple[Literal, ...]
    negated: bool = False

    def keys(self) -> set[str]:
        return {self.key}

    def evaluate(self, values: dict[str, str], types: dict[str, str]) -> bool:
        type_name = types[self.key]
        left = cast(values[self.key], type_name, self.key)
        right = [cast(a.text, type_name, self.key) for a in self.args]
        if self.op == "in":
            result = left in right
        elif self.op == "between":
            result = right[0] <= left <= right[1]
        elif self.op == "like":
            result = _like(right[0]).fullmatch(left) is not None
        else:
            result = _OPS[self.op](left, right[0])
        return result != self.negated


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str                     # "and" | "or" | "not"
    parts: tuple[Expr, ...]

    def keys(self) -> set[str]:
        return set().union(*(p.keys() for p in self.parts))

    def evaluate(self, values: dict[str, str], types: dict[str, str]) -> bool:
        if self.op == "not":
            return not self.parts[0].evaluate(values, types)
        results = (p.evaluate(values, types) for p in self.parts)
        return all(results) if self.op == "and" else any(results)


def _like(pattern: str) -> re.Pattern[str]:
    out = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(out, re.DOTALL)


def _tokenize(expression: str) -> list[tuple[str, str]]:
    tokens, pos, text = [], 0, expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _fail(expression, f"unexpected character at position {pos}: {text[pos:pos+10]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "ident" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        elif kind == "str":
            value = value[1:-1].replace("''", "'")
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, kind: str, value: str | None = None) -> str:
        got_kind, got = self.peek()
        if got_kind != kind or (value is not None and got != value):
            want = value or kind
            raise _fail(self.expression, f"expected {want} but found {got or 'end of expression'!r}")
        self.pos += 1
        return got

    def accept(self, kind: str, value: str) -> bool:
        if self.peek() == (kind, value):
            self.pos += 1
            return True
        return False

    def parse(self) -> Expr:
        if not self.tokens:
            raise _fail(self.expression, "empty expression")
        expr = self.or_expr()
        if self.pos != len(self.tokens):
            raise _fail(self.expression, f"unexpected {self.peek()[1]!r}")
        return expr

    def or_expr(self) -> Expr:
        parts = [self.and_expr()]
        while self.accept("kw", "OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def and_expr(self) -> Expr:
        parts = [self.unary()]
        while self.accept("kw", "AND"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def unary(self) -> Expr:
        if self.accept("kw", "NOT"):
            return BoolOp("not", (self.unary(),))
        if self.accept("punct", "("):
            inner = self.or_expr()
            self.take("punct", ")")
            return inner
        return self.predicate()

    def literal(self) -> Literal:
        kind, value = self.peek()
        if kind not in ("str", "num"):
            raise _fail(self.expression, f"expected a quoted string or a number, found {value!r}")
        self.pos += 1
        return Literal(value)

    def predicate(self) -> Expr:
        key = self.take("ident")
        negated = self.accept("kw", "NOT")
        kind, value = self.peek()
        if kind == "op" and not negated:
            self.pos += 1
            return Predicate(key, value, (self.literal(),))
        if (kind, value) == ("kw", "IN"):
            self.pos += 1
            self.take("punct", "(")
            args = [self.literal()]
            while self.accept("punct", ","):
                args.append(self.literal())
            self.take("punct", ")")
            return Predicate(key, "in", tuple(args), negated)
        if (kind, value) == ("kw", "BETWEEN"):
            self.pos += 1
            low = self.literal()
            self.take("kw", "AND")
            return Predicate(key, "between", (low, self.literal()), negated)
        if (kind, value) == ("kw", "LIKE"):
            self.pos += 1
            return Predicate(key, "like", (self.literal(),), negated)
        raise _fail(self.expression, f"expected an operator after {key!r}, found {value!r}")


def parse(expression: str) -> Expr:
    """Parse a Glue partition filter; raise :class:`InvalidInputError` on bad syntax."""
    return _Parser(expression).parse()


def compile_filter(expression: str, key_types: dict[str, str]) -> Expr:
    """Parse ``expression`` and check it against the table's partition keys and types."""
    expr = parse(expression)
    unknown = sorted(expr.keys() - set(key_types))
    if unknown:
        raise _fail(expression, f"unknown partition key(s) {unknown}; "
                                f"partition keys are {list(key_types)}")
    _check_like(expr, key_types, expression)
    return expr


def _check_like(expr: Expr, key_types: dict[str, str], expression: str) -> None:
    if isinstance(expr, BoolOp):
        for part in expr.parts:
            _check_like(part, key_types, expression)
    elif isinstance(expr, Predicate):
        if expr.op == "like" and key_types[expr.key].lower() not in ("string", "varchar", "char"):
            raise _fail(expression, f"LIKE works on string keys only; {expr.key!r} is "
                                    f"{key_types[expr.key]}")
        for arg in expr.args:  # surface bad literals at compile time, not per partition
            cast(arg.text, key_types[expr.key], expr.key)
