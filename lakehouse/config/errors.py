"""Turn pydantic validation errors into short, located messages with "did you mean" hints."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable

from pydantic import BaseModel, ValidationError


def format_validation_error(exc: ValidationError, model: type[BaseModel],
                            data: object = None) -> list[str]:
    """One line per problem: ``key.path: what was wrong (expected ...) [did you mean ...]``.

    With the validated ``data``, list items that have a ``name`` are shown by that name
    (``schema[culmen_length_mm].type``, ``rules.raw_to_curated[weather_known]``) instead of
    their 0-based index; the tag pydantic adds for a rule type is dropped from the path.
    """
    problems = []
    for err in exc.errors():
        raw_loc = list(err["loc"])
        loc = [str(p) for p in raw_loc]
        path = _named_path(raw_loc, data, model)
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
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx") or {}
            tag, field = ctx.get("tag"), ctx.get("discriminator", "").strip("'")
            expected = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
            what = "rule type" if field == "rule" else f"{field}"
            line = f"{path}: unknown {what} {tag!r}"
            close = difflib.get_close_matches(str(tag), expected, n=1, cutoff=0.6)
            line += f" (did you mean {close[0]!r}?)" if close else \
                f"; expected one of: {', '.join(sorted(expected))}"
        elif kind == "union_tag_not_found":
            field = str((err.get("ctx") or {}).get("discriminator", "")).strip("'")
            line = f"{path}: required key {field!r} is missing (the {field} type)"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
            line = f"{path}: {msg}{shown}" if path else f"{msg}{shown}"
        problems.append(line)
    return problems


def _named_path(loc: list, data: object, model: type[BaseModel]) -> str:
    """``loc`` as a readable key path; list items named by their ``name`` where they have one."""
    out = ""
    node: object = data
    tp: object = model
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            out += f"[{name}]" if isinstance(name, str) and name else f"[{part}]"
            node, tp = item, _step(tp, str(part))
            continue
        tagged = _tag_model(tp, part)
        if tagged is not None:   # the rule-type tag pydantic inserts into the path
            tp = tagged
            continue
        nxt = _step(tp, part)
        out += f".{part}" if out else part
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part == "raw_to_curated":
            pass  # a plain rule list means raw_to_curated
        else:
            node = None
        tp = nxt
    return out


def _tag_model(tp: object, part: str) -> object | None:
    for arg in typing.get_args(_unwrap(tp)):
        arg = _unwrap(arg)
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            tag = arg.model_fields.get("rule")
            if tag is not None and part in typing.get_args(tag.annotation):
                return arg
    return None


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
    return _tag_model(tp, part) if args else None


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
