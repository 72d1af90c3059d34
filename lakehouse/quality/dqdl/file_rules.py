"""DQDL's file rules decided over file facts: FileSize, FileFreshness, FileMatch, FileUniqueness.

Spark-free and storage-free: :func:`leaf` turns a rule into a one-pass plan :class:`Leaf` whose
only input is an *external* request (``("files", path, algorithm, uriRegex, recentFiles,
filterOrder)``); ``quality/dqdl_files.py`` answers it with the :class:`FileFact` list of the
files the rule reads, and the leaf's metrics and verdict are computed here from that list.

Which files (docs/quality-dqdl.md, "File rules"): a path with a scheme (``s3://``,
``file://``) as given; a path without one is relative to the lake's landing zone, so a ruleset
written for ``s3://landing-bucket/flights/`` reads ``flights/`` in the local lake; no path: the
files the batch's rows came from (their ``_source_file``), Glue's "inferred" form. A path naming
a file reads that file, any other path every file below it. Tags as Glue documents them:
``uriRegex`` (a regex searched in the file URI), ``recentFiles = n`` (the n most recently
modified), ``filterOrder`` (the order those two apply in; default uriRegex first),
``hashAlgorithm`` (``MD5``, ``SHA-1``, ``SHA-256``: the default), ``matchFileName``,
``timeZone`` (for times of day such as ``"9:30 AM"``; default UTC).
Written by hand: the semantics are Glue's, no library implements them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from lakehouse.quality.dqdl import ast
from lakehouse.quality.dqdl import conditions as C
from lakehouse.quality.dqdl.plan import Leaf, Unsupported, _fmt

ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256"}
FILE_RULES = ("FileSize", "FileFreshness", "FileMatch", "FileUniqueness")
_COUNT = "Dataset.*.FileCount"


@dataclass(frozen=True)
class FileFact:
    """One file a rule reads: its URI, size in bytes, modification time (epoch seconds) and,
    when the rule compares contents, its checksum (lower-case hex)."""

    uri: str
    size: int
    modified: float
    checksum: str | None = None

    @property
    def name(self) -> str:
        return self.uri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class FileRequest:
    """What files a rule reads and what it needs to know of them."""

    path: str = ""              # "" = the batch's source files
    algorithm: str = ""         # hashlib name when contents are compared, else ""
    uri_regex: str = ""
    recent: int = 0             # 0 = all
    order: str = "uriRegex,recentFiles"

    def as_tuple(self) -> tuple[str, ...]:
        return ("files", self.path, self.algorithm, self.uri_regex, str(self.recent), self.order)

    @classmethod
    def from_args(cls, args: Sequence[str]) -> FileRequest:
        path, algorithm, uri_regex, recent, order = args
        return cls(path, algorithm, uri_regex, int(recent), order)


def select(facts: Sequence[FileFact], request: FileRequest) -> list[FileFact]:
    """The files left after the rule's ``uriRegex`` and ``recentFiles`` filters, in their order."""
    out = sorted(facts, key=lambda f: f.uri)
    for step in request.order.split(","):
        if step == "uriRegex" and request.uri_regex:
            pattern = re.compile(request.uri_regex)
            out = [f for f in out if pattern.search(f.uri)]
        elif step == "recentFiles" and request.recent:
            out = sorted(out, key=lambda f: (-f.modified, f.uri))[:request.recent]
    return out


# ------------------------------------------------------------------------------ plan leaves
def leaf(rule: ast.Rule, params: list[str], *, alias: str, now: datetime,
         constants: Mapping[str, ast.Constant]) -> Leaf:
    """The plan leaf of a file rule (raises :class:`Unsupported` for a form it cannot decide)."""
    build = {"FileSize": _size, "FileFreshness": _freshness, "FileMatch": _match,
             "FileUniqueness": _uniqueness}[rule.rule_type]
    return build(rule, params, alias=alias, now=now, constants=constants)


def _request(rule: ast.Rule, path: str, *, algorithm: str = "") -> FileRequest:
    regex = _tag(rule, "uriRegex")
    recent = _tag(rule, "recentFiles")
    order = _tag(rule, "filterOrder")
    return FileRequest(
        path=path, algorithm=algorithm,
        uri_regex=regex.raw if isinstance(regex, ast.String) else "",
        recent=int(recent.value) if isinstance(recent, ast.Number) else 0,
        order=",".join(i.value for i in order.items if isinstance(i, ast.String))
        if isinstance(order, ast.ValueList) else "uriRegex,recentFiles")


def _tag(rule: ast.Rule, name: str) -> ast.Operand | None:
    found = rule.tag(name)
    return found.condition.operands[0] if found is not None and found.condition.operands else None


def _files(alias: str) -> Callable[[Mapping], list[FileFact] | None]:
    def value(row: Mapping) -> list[FileFact] | None:
        found = row.get(alias)
        return list(found) if isinstance(found, list | tuple) else None
    return value


def _compliance_rule(rule: ast.Rule, params: list[str], *, alias: str, name: str,
                     passes: Callable[[FileFact], bool], extra: dict,
                     constants: Mapping[str, ast.Constant]) -> Leaf:
    """A rule every file must pass (or ``with threshold`` of them): Glue's ``<Rule>.Compliance``."""
    files = _files(alias)

    def compliance(row: Mapping) -> float | None:
        found = files(row)
        return None if not found else sum(1 for f in found if passes(f)) / len(found)
    metrics = {name: compliance, _COUNT: lambda row: len(files(row) or []), **{
        metric: (lambda row, fn=fn: fn(files(row) or [])) for metric, fn in extra.items()}}
    threshold = rule.threshold

    def decide(values, history):
        value = values.get(name)
        if not values.get(_COUNT):
            return False, "no files found"
        ok = C.holds(threshold, value, history=history, constants=constants) \
            if threshold is not None else value == 1.0
        return ok, "" if ok else f"Value: {_fmt(value)} does not meet the constraint requirement!"
    return Leaf("", False, None, {}, {}, metrics, decide, primary=name,
                externals={alias: _request(rule, params[0] if params else "").as_tuple()})


def _size(rule, params, *, alias, now, constants) -> Leaf:
    cond = rule.condition
    bounds = [C.number(C.resolve(o, constants)) for o in cond.operands
              if not isinstance(o, ast.ValueList)]
    return _compliance_rule(
        rule, params, alias=alias, name="Dataset.*.FileSize.Compliance",
        passes=lambda f: _compare(float(f.size), cond.op, bounds),
        extra={"Dataset.*.MaximumFileSize": lambda fs: max((f.size for f in fs), default=None),
               "Dataset.*.MinimumFileSize": lambda fs: min((f.size for f in fs), default=None)},
        constants=constants)


def _freshness(rule, params, *, alias, now, constants) -> Leaf:
    cond = rule.condition
    zone = _tag(rule, "timeZone")
    tz = ZoneInfo(zone.value) if isinstance(zone, ast.String) else ZoneInfo("UTC")
    bounds = [instant(C.resolve(o, constants), now, tz) for o in cond.operands]
    return _compliance_rule(
        rule, params, alias=alias, name="Dataset.*.FileFreshness.Compliance",
        passes=lambda f: _compare(f.modified, cond.op, bounds), extra={}, constants=constants)


def _match(rule, params, *, alias, now, constants) -> Leaf:
    algorithm = _algorithm(rule)
    files = _files(alias)
    by_name = _flag(rule, "matchFileName")
    request = _request(rule, params[0] if params else "", algorithm=algorithm)
    externals = {alias: request.as_tuple()}
    if len(params) == 2:  # every file of the first path has a twin in the second
        other = f"{alias}_other"
        externals[other] = FileRequest(params[1], algorithm).as_tuple()
        others = _files(other)

        def matched(row: Mapping) -> float | None:
            mine, theirs = files(row), others(row) or []
            if not mine:
                return None
            keys = {_identity(f, by_name) for f in theirs}
            return sum(1 for f in mine if _identity(f, by_name) in keys) / len(mine)
    else:
        cond = rule.condition
        if cond is None or cond.op not in ("in", "not in", "="):
            raise Unsupported("FileMatch", "give a second path, or `in [checksums]`")
        items = C.resolve(cond.operands[0], constants)
        listed = items.items if isinstance(items, ast.ValueList) else (items,)
        sums = {C.resolve(i, constants).value.lower() for i in listed
                if isinstance(C.resolve(i, constants), ast.String)}

        def matched(row: Mapping) -> float | None:
            mine = files(row)
            if not mine:
                return None
            inside = sum(1 for f in mine if (f.checksum or "") in sums)
            return (inside if cond.op != "not in" else len(mine) - inside) / len(mine)
    metrics = {"__matched": matched, _COUNT: lambda row: len(files(row) or [])}

    def decide(values, history):
        if not values.get(_COUNT):
            return False, "no files found"
        share = values.get("__matched")
        ok = share == 1.0
        return ok, "" if ok else f"{_fmt(share)} of the files match"
    return Leaf("", False, None, {}, {}, metrics, decide, externals=externals)


def _uniqueness(rule, params, *, alias, now, constants) -> Leaf:
    files = _files(alias)
    by_name = _flag(rule, "matchFileName")
    name = "Dataset.*.FileUniquenessRatio"

    def ratio(row: Mapping) -> float | None:
        found = files(row)
        return None if not found else len({_identity(f, by_name) for f in found}) / len(found)
    cond = rule.condition

    def decide(values, history):
        if not values.get(_COUNT):
            return False, "no files found"
        value = values.get(name)
        ok = C.holds(cond, value, history=history, constants=constants)
        return ok, "" if ok else f"Value: {_fmt(value)} does not meet the constraint requirement!"
    request = _request(rule, params[0] if params else "", algorithm="sha256")
    return Leaf("", False, None, {}, {}, {name: ratio, _COUNT: lambda row: len(files(row) or [])},
                decide, primary=name, externals={alias: request.as_tuple()})


# ------------------------------------------------------------------------------ helpers
def _algorithm(rule: ast.Rule) -> str:
    given = _tag(rule, "hashAlgorithm")
    text = given.value.upper() if isinstance(given, ast.String) else "SHA-256"
    if text not in ALGORITHMS:
        raise Unsupported("FileMatch", f"hashAlgorithm {text!r}: one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[text]


def _flag(rule: ast.Rule, name: str) -> bool:
    value = _tag(rule, name)
    text = value.value if isinstance(value, ast.String) else value.text \
        if isinstance(value, ast.Word) else ""
    return text.lower() == "true"


def _identity(fact: FileFact, by_name: bool) -> tuple[str, ...]:
    return (fact.name, fact.checksum or "") if by_name else (fact.checksum or "",)


def _compare(value: float, op: str, bounds: list[float]) -> bool:
    if op in ("between", "not between"):  # exclusive, as DQDL's between; either order
        low, high = sorted(bounds[:2])
        inside = low < value < high
        return inside if op == "between" else not inside
    other = bounds[0]
    return {"=": value == other, "!=": value != other, ">": value > other, ">=": value >= other,
            "<": value < other, "<=": value <= other}[op]


def instant(value: ast.Operand, now: datetime, tz: ZoneInfo) -> float:
    """A FileFreshness bound as epoch seconds: ``now()`` (shifted), a date ``"2024-01-01"``
    (midnight), a date and time, or a time of day ``"9:30 AM"`` / ``"21:45"`` (today, in ``tz``)."""
    if isinstance(value, ast.Now):
        at = now
        if value.offset is not None:
            delta = timedelta(seconds=C.duration_seconds(value.offset))
            at = at - delta if value.op == "-" else at + delta
        return at.timestamp()
    if isinstance(value, ast.String):
        text = value.value.strip()
        for fmt in ("%I:%M %p", "%H:%M"):
            try:
                clock = datetime.strptime(text, fmt).time()
            except ValueError:
                continue
            today = now.astimezone(tz).date()
            return datetime.combine(today, time(clock.hour, clock.minute), tz).timestamp()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise Unsupported("FileFreshness", f"{text!r} is not a date, a date and time or a time"
                              " of day") from None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).timestamp()
    raise Unsupported("FileFreshness", "compare with now(), a date or a time of day")
