"""Turn pydantic validation errors into short, located messages with "did you mean" hints."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError


def format_validation_error(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """One line per problem: ``key.path: what was wrong (expected ...) [did you mean ...]``."""
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        path = ".".join(loc) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            known = _known_keys(model, loc[:-1])
            line = f"{path}: unknown key"
            close = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
            if close:
                line += f" (did you mean {close[0]!r}?)"
            elif known:
                line += f"; expected one of: {', '.join(sorted(known))}"
        elif kind == "missing":
            line = f"{path}: required key is missing"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
            line = f"{path}: {msg}{shown}"
        problems.append(line)
    return problems


def _known_keys(model: type[BaseModel], loc: Iterable[str]) -> list[str]:
    """Field names (and aliases) of the model reached by walking ``loc`` from ``model``."""
    current: object = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        keys = []
        for name, field in current.model_fields.items():
            keys.append(field.alias or name)
        return keys
    return []


def _step(tp: object, part: str) -> object | None:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    # discriminated unions: pydantic puts the tag name into loc (e.g. 'not_null')
    if args:
        for arg in args:
            arg = _unwrap(arg)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                tag = arg.model_fields.get("rule")
                if tag is not None and part in typing.get_args(tag.annotation):
                    return arg
    return None


def _unwrap(tp: object) -> object:
    """Strip Optional / Annotated wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        args = typing.get_args(tp)
        if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            non_none = [a for a in args if a is not type(None)]
            if len(non_none) == 1:
                tp = non_none[0]
                continue
        return tp
