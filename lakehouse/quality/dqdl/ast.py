"""The typed, Spark-free syntax tree of a DQDL ruleset (frozen dataclasses).

The tree keeps what the text says, not what it means: a quoted ``"2022-06-30"`` stays a
:class:`String` (whether it is a date depends on the rule type, see ``spec.py``), connector
words (``of``, ``and`` between parameters) and redundant parentheses are dropped. Source
positions (``pos``) are kept for error messages but take no part in equality, so
``parse(to_dqdl(tree)) == tree`` holds for every tree (tested with hypothesis).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Op = Literal["=", "!=", ">", ">=", "<", "<=", "between", "not between", "in", "not in",
             "matches", "not matches"]
COMPARISONS: tuple[str, ...] = ("=", "!=", ">", ">=", "<", "<=")
DurationUnit = Literal["days", "hours", "minutes"]
SizeUnit = Literal["B", "KB", "MB", "GB", "TB"]
KeywordName = Literal["NULL", "EMPTY", "WHITESPACES_ONLY"]

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in the ruleset text."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


# ------------------------------------------------------------------------------ operands
@dataclass(frozen=True)
class String:
    """A quoted string. ``raw`` is the text between the quotes, escapes untouched."""

    raw: str

    @property
    def value(self) -> str:
        """The text with ``\\x`` escapes resolved to ``x`` (what Glue does for lists and tags)."""
        return _ESCAPE.sub(r"\1", self.raw)


@dataclass(frozen=True)
class Word:
    """An unquoted name: a column (``IsComplete colA``), a tag value (``rebin = false``)."""

    text: str


@dataclass(frozen=True)
class VarRef:
    """``$name``: a reference to a constant declared above ``Rules``."""

    name: str


@dataclass(frozen=True)
class Keyword:
    """``NULL``, ``EMPTY`` or ``WHITESPACES_ONLY`` (either case in the text)."""

    name: KeywordName


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Call:
    """A function call in a numeric expression: ``avg(last(10))``, ``index(last(10), 2)``."""

    name: str
    args: tuple[NumExpr, ...] = ()


@dataclass(frozen=True)
class BinOp:
    op: Literal["+", "-", "*", "/"]
    left: NumExpr
    right: NumExpr


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: DurationUnit


@dataclass(frozen=True)
class Size:
    amount: int
    unit: SizeUnit


@dataclass(frozen=True)
class Now:
    """``now()``, optionally shifted: ``(now() - 3 days)``.

    ``parenthesized`` records whether the shift was written in parentheses; Glue's parser only
    accepts that form, so validation reports the bare ``now() - 3 days``.
    """

    op: Literal["+", "-"] | None = None
    offset: Duration | None = None
    parenthesized: bool = True


@dataclass(frozen=True)
class ValueList:
    """``[a, b, ...]`` after ``in`` / ``not in`` (or as a tag value)."""

    items: tuple[Operand, ...]


NumExpr = Number | Call | BinOp
Operand = NumExpr | String | Word | VarRef | Keyword | Duration | Size | Now | ValueList


# ------------------------------------------------------------------------------ clauses
@dataclass(frozen=True)
class Condition:
    """The expression a rule's metric is checked against: ``> 0.9``, ``between 1 and 5``...

    ``operands`` has one item for comparisons, ``matches`` and ``in`` (a :class:`ValueList` or a
    :class:`VarRef`), two for ``between``.
    """

    op: Op
    operands: tuple[Operand, ...]


@dataclass(frozen=True)
class Tag:
    """``with name <condition>``: ``with threshold > 0.9``, ``with recentFiles = 1``."""

    name: str
    condition: Condition


@dataclass(frozen=True)
class Label:
    key: String
    value: String


# ------------------------------------------------------------------------------ rules
@dataclass(frozen=True)
class Rule:
    """One rule: ``RuleType param* condition? where? tags* labels?``."""

    rule_type: str
    params: tuple[String | Word | VarRef, ...] = ()
    condition: Condition | None = None
    where: String | None = None
    tags: tuple[Tag, ...] = ()
    labels: tuple[Label, ...] | None = None
    pos: Pos | None = field(default=None, compare=False, repr=False)

    @property
    def threshold(self) -> Condition | None:
        """The row-level ``with threshold`` condition, if any."""
        return next((t.condition for t in self.tags if t.name == "threshold"), None)

    def tag(self, name: str) -> Tag | None:
        return next((t for t in self.tags if t.name == name), None)


@dataclass(frozen=True)
class Composite:
    """Rules joined by ``and`` / ``or``; ``rules`` has at least two items."""

    op: Literal["and", "or"]
    rules: tuple[RuleNode, ...]
    labels: tuple[Label, ...] | None = None
    pos: Pos | None = field(default=None, compare=False, repr=False)


RuleNode = Rule | Composite


@dataclass(frozen=True)
class Analyzer:
    """An entry of ``Analyzers = [...]``: a statistic to record, no condition."""

    analyzer_type: str
    params: tuple[String | Word | VarRef, ...] = ()
    tags: tuple[Tag, ...] = ()
    pos: Pos | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Constant:
    """``name = "value"`` or ``name = ["a", "b"]`` above the rules, used as ``$name``."""

    name: str
    value: String | VarRef | Keyword | ValueList
    pos: Pos | None = field(default=None, compare=False, repr=False)


DictValue = String | tuple[String, ...]


@dataclass(frozen=True)
class Ruleset:
    """A whole DQDL document.

    ``rules`` / ``analyzers`` are ``None`` when the section is absent and a tuple (possibly
    empty) when it is present.
    """

    rules: tuple[RuleNode, ...] | None = None
    analyzers: tuple[Analyzer, ...] | None = None
    constants: tuple[Constant, ...] = ()
    default_labels: tuple[Label, ...] | None = None
    metadata: tuple[tuple[String, DictValue], ...] | None = None
    data_sources: tuple[tuple[String, DictValue], ...] | None = None

    def iter_rules(self) -> list[Rule]:
        """Every plain rule, composite members included, in text order."""
        out: list[Rule] = []

        def walk(node: RuleNode) -> None:
            if isinstance(node, Rule):
                out.append(node)
            else:
                for child in node.rules:
                    walk(child)

        for node in self.rules or ():
            walk(node)
        return out
