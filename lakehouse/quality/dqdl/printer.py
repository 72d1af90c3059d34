"""Print a DQDL tree back to text (Spark-free): ``parse(to_dqdl(tree)) == tree``.

The output is the canonical form Glue's parser accepts: every operand of a composite rule in
parentheses (the DQDL reference asks for them), ``(now() - 3 days)`` in parentheses, labels
after the tags, one rule per line. Comments and connector words are not kept by the tree, so
they are not printed. Used later by the YAML -> DQDL export (issue #28, item 5).
"""

from __future__ import annotations

from lakehouse.quality.dqdl import ast

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def to_dqdl(ruleset: ast.Ruleset) -> str:
    """The DQDL text of ``ruleset``, ending with a newline."""
    out: list[str] = []
    if ruleset.metadata is not None:
        out.append(f"Metadata = {_dictionary(ruleset.metadata)}")
    if ruleset.data_sources is not None:
        out.append(f"DataSources = {_dictionary(ruleset.data_sources)}")
    out.extend(f"{c.name} = {operand(c.value)}" for c in ruleset.constants)
    if ruleset.default_labels is not None:
        out.append(f"DefaultLabels = {_label_list(ruleset.default_labels)}")
    if ruleset.rules is not None:
        out.append(_section("Rules", [rule_node(r, top=True) for r in ruleset.rules]))
    if ruleset.analyzers is not None:
        out.append(_section("Analyzers", [analyzer(a) for a in ruleset.analyzers]))
    return "\n".join(out) + "\n"


def _section(name: str, entries: list[str]) -> str:
    if not entries:
        return f"{name} = [\n]"
    return f"{name} = [\n" + ",\n".join(f"    {e}" for e in entries) + "\n]"


def _dictionary(pairs: tuple[tuple[ast.String, ast.DictValue], ...]) -> str:
    def value(v: ast.DictValue) -> str:
        if isinstance(v, tuple):
            return "[" + ", ".join(_string(s) for s in v) + "]"
        return _string(v)

    return "{ " + ", ".join(f"{_string(k)}: {value(v)}" for k, v in pairs) + " }"


def rule_node(node: ast.RuleNode, *, top: bool = False) -> str:
    """One rule or composite rule; composite operands are always parenthesized."""
    if isinstance(node, ast.Rule):
        return rule(node)
    body = f" {node.op} ".join(f"({rule_node(child)})" for child in node.rules)
    if node.labels is not None:
        return f"({body}) labels={_label_list(node.labels)}"
    return body


def rule(node: ast.Rule) -> str:
    parts = [node.rule_type, *(_param(p) for p in node.params)]
    if node.condition is not None:
        parts.append(condition(node.condition))
    if node.where is not None:
        parts.append(f"where {_string(node.where)}")
    parts.extend(f"with {t.name} {condition(t.condition)}" for t in node.tags)
    if node.labels is not None:
        parts.append(f"labels={_label_list(node.labels)}")
    return " ".join(parts)


def analyzer(node: ast.Analyzer) -> str:
    parts = [node.analyzer_type, *(_param(p) for p in node.params)]
    text = " ".join(parts)
    if node.tags:  # the documented analyzer form: `with bins = 20, rebin = false`
        text += " with " + ", ".join(f"{t.name} {condition(t.condition)}" for t in node.tags)
    return text


def condition(cond: ast.Condition) -> str:
    if cond.op in ("between", "not between"):
        low, high = cond.operands
        return f"{cond.op} {operand(low)} and {operand(high)}"
    return f"{cond.op} {operand(cond.operands[0])}"


def operand(value: ast.Operand) -> str:
    """One operand: a number expression, string, keyword, date, duration, size or list."""
    match value:
        case ast.String():
            return _string(value)
        case ast.Word():
            return value.text
        case ast.VarRef():
            return f"${value.name}"
        case ast.Keyword():
            return value.name
        case ast.Duration() | ast.Size():
            return f"{value.amount} {value.unit}"
        case ast.Now():
            if value.offset is None:
                return "now()"
            shifted = f"now() {value.op} {operand(value.offset)}"
            return f"({shifted})" if value.parenthesized else shifted
        case ast.ValueList():
            return "[" + ", ".join(operand(i) for i in value.items) + "]"
        case _:
            return _number(value)


def _number(expr: ast.NumExpr, parent: int = 0, right: bool = False) -> str:
    match expr:
        case ast.Number():
            return format(expr.value, "f")
        case ast.Call():
            return f"{expr.name}(" + ", ".join(_number(a) for a in expr.args) + ")"
        case ast.BinOp():
            mine = _PRECEDENCE[expr.op]
            text = f"{_number(expr.left, mine)} {expr.op} {_number(expr.right, mine, right=True)}"
            # left-associative: parenthesize a looser child, or an equal one on the right
            return f"({text})" if mine < parent or (right and mine == parent) else text
    raise TypeError(f"not a numeric expression: {expr!r}")


def _param(value: ast.String | ast.Word | ast.VarRef) -> str:
    return operand(value)


def _string(value: ast.String) -> str:
    return f'"{value.raw}"'


def _label_list(labels: tuple[ast.Label, ...]) -> str:
    return "[" + ", ".join(f"{_string(lb.key)}={_string(lb.value)}" for lb in labels) + "]"
