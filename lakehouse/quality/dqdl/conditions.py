"""DQDL conditions two ways: as Spark SQL over a row value, and decided in Python on a metric.

Spark-free: the SQL is text the engine hands to ``F.expr``. Semantics follow the DQDL reference:
``between`` is exclusive on both ends; ``matches`` is a full match of a (Java) regular
expression; a NULL value fails every row-level form except ``!=`` and ``not in`` (unless the
list holds ``NULL``); ``EMPTY`` is ``''`` and ``WHITESPACES_ONLY`` a non-empty blank string.
Dynamic expressions (``avg(last(10))``) read the metric's history, newest value first.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from lakehouse.config.rule_types.base import sql_literal
from lakehouse.quality.dqdl import ast

_SECONDS = {"days": 86400, "hours": 3600, "minutes": 60}
_SIZE = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}
_SQL_OPS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


class NoHistory(Exception):
    """A dynamic expression needs past values of a metric and there are none yet."""


def resolve(value: ast.Operand, constants: Mapping[str, ast.Constant]) -> ast.Operand:
    """``$name`` replaced by its constant's value (constants may refer to constants)."""
    seen = 0
    while isinstance(value, ast.VarRef) and seen < 16:
        const = constants.get(value.name)
        if const is None:
            raise ValueError(f"${value.name} is not defined")
        value, seen = const.value, seen + 1
    return value


def duration_seconds(value: ast.Duration) -> int:
    return value.amount * _SECONDS[value.unit]


def is_dynamic(cond: ast.Condition | None) -> bool:
    return cond is not None and any(_has_call(o) for o in cond.operands)


def _has_call(value: ast.Operand) -> bool:
    if isinstance(value, ast.Call):
        return True
    if isinstance(value, ast.BinOp):
        return _has_call(value.left) or _has_call(value.right)
    return False


# ------------------------------------------------------------------------------ Python side
def number(expr: ast.Operand, history: Sequence[float] = ()) -> float:
    """A numeric operand's value; ``history`` feeds ``last(k)`` (newest first)."""
    value = _num(expr, history)
    if isinstance(value, list):
        if len(value) != 1:
            raise ValueError("last(k) with k > 1 is a list: reduce it, e.g. avg(last(k))")
        return value[0]
    return value


def _num(expr: ast.Operand, history: Sequence[float]) -> float | list[float]:
    if isinstance(expr, ast.Number):
        return float(expr.value)
    if isinstance(expr, ast.Size):
        return float(expr.amount * _SIZE[expr.unit])
    if isinstance(expr, ast.BinOp):
        left, right = number(expr.left, history), number(expr.right, history)
        return {"+": left + right, "-": left - right, "*": left * right,
                "/": left / right if right else float("nan")}[expr.op]
    if isinstance(expr, ast.Call):
        return _call(expr, history)
    raise ValueError(f"not a number: {expr!r}")


def _call(call: ast.Call, history: Sequence[float]) -> float | list[float]:
    if call.name == "last":
        k = int(number(call.args[0])) if call.args else 1
        if not history:
            raise NoHistory
        return list(history[:k])
    args = [_num(a, history) for a in call.args]
    values = args[0] if args and isinstance(args[0], list) else [
        a for a in args if not isinstance(a, list)]
    reducers: dict[str, Callable[[list[float]], float]] = {
        "avg": statistics.fmean, "median": statistics.median, "max": max, "min": min, "sum": sum,
        "std": lambda v: statistics.pstdev(v) if len(v) > 1 else 0.0,
        "abs": lambda v: abs(v[0])}
    if call.name == "index":
        return values[int(number(call.args[1]))]
    return float(reducers[call.name](values))


def holds(cond: ast.Condition, value: float | None, *, history: Sequence[float] = (),
          constants: Mapping[str, ast.Constant] | None = None) -> bool:
    """Whether a metric ``value`` satisfies ``cond`` (a NULL metric satisfies nothing)."""
    if value is None or value != value:  # NaN: no rows to measure
        return False
    ops = [resolve(o, constants or {}) for o in cond.operands]
    if cond.op in ("in", "not in"):
        items = ops[0].items if isinstance(ops[0], ast.ValueList) else tuple(ops)
        found = any(abs(value - number(i, history)) < 1e-12 for i in items
                    if not isinstance(i, ast.Keyword))
        return found if cond.op == "in" else not found
    if cond.op in ("between", "not between"):
        low, high = number(ops[0], history), number(ops[1], history)
        inside = low < value < high
        return inside if cond.op == "between" else not inside
    other = number(ops[0], history)
    return {"=": value == other, "!=": value != other, ">": value > other,
            ">=": value >= other, "<": value < other, "<=": value <= other}[cond.op]


# ------------------------------------------------------------------------------ SQL side
def literal(value: ast.Operand, now: datetime) -> str:
    """An operand as a Spark SQL literal (numbers, strings, shifted ``now()``)."""
    if isinstance(value, ast.Number):
        return _decimal(value.value)
    if isinstance(value, ast.String):
        return sql_literal(value.value)
    if isinstance(value, ast.Word):
        return sql_literal(value.text)
    if isinstance(value, ast.Now):
        at = now.replace(tzinfo=None)
        if value.offset is not None:
            delta = timedelta(seconds=duration_seconds(value.offset))
            at = at - delta if value.op == "-" else at + delta
        return f"TIMESTAMP'{at.isoformat(sep=' ')}'"
    if isinstance(value, ast.Keyword):
        return {"EMPTY": "''", "NULL": "NULL"}.get(value.name, "NULL")
    if isinstance(value, ast.BinOp | ast.Call):
        return _decimal(Decimal(str(number(value))))
    raise ValueError(f"cannot compare a row value with {value!r}")


def _decimal(value: Decimal) -> str:
    return f"{float(value)!r}D" if value != value.to_integral_value() else str(int(value))


def passes_sql(column_sql: str, cond: ast.Condition, *, now: datetime,
               constants: Mapping[str, ast.Constant]) -> str:
    """SQL true when the row value ``column_sql`` satisfies ``cond`` (never NULL)."""
    ops = [resolve(o, constants) for o in cond.operands]
    negated = cond.op in ("!=", "not in", "not between", "not matches")
    if cond.op in ("in", "not in"):
        items = ops[0].items if isinstance(ops[0], ast.ValueList) else tuple(ops)
        items = tuple(resolve(i, constants) for i in items)
        parts = [_keyword_sql(column_sql, i) for i in items if isinstance(i, ast.Keyword)]
        plain = [literal(i, now) for i in items if not isinstance(i, ast.Keyword)]
        if plain:
            parts.append(f"{column_sql} IN ({', '.join(plain)})")
        inside = "(" + " OR ".join(parts or ["false"]) + ")"
        return f"coalesce({inside}, false)" if cond.op == "in" else f"NOT coalesce({inside}, false)"
    if cond.op in ("between", "not between"):
        low, high = literal(ops[0], now), literal(ops[1], now)
        inside = f"({column_sql} > {low} AND {column_sql} < {high})"
    elif cond.op in ("matches", "not matches"):
        pattern = ops[0].value if isinstance(ops[0], ast.String) else str(ops[0])
        inside = f"({column_sql} RLIKE {sql_literal('^(?:' + pattern + ')$')})"
    elif isinstance(ops[0], ast.Keyword):
        inside = _keyword_sql(column_sql, ops[0])
        return f"NOT coalesce({inside}, false)" if negated else f"coalesce({inside}, false)"
    else:
        sql_op = _SQL_OPS["=" if cond.op == "!=" else cond.op]
        inside = f"({column_sql} {sql_op} {literal(ops[0], now)})"
    if negated:  # a NULL value passes the negated forms (DQDL reference)
        return f"NOT coalesce({inside}, false)"
    return f"coalesce({inside}, false)"


def _keyword_sql(column_sql: str, keyword: ast.Keyword) -> str:
    if keyword.name == "NULL":
        return f"{column_sql} IS NULL"
    if keyword.name == "EMPTY":
        return f"{column_sql} = ''"
    return f"(length({column_sql}) > 0 AND trim({column_sql}) = '')"
