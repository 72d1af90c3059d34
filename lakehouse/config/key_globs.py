"""Landing key globs: matching keys, and proving two datasets' globs never claim one key.

Syntax (the Hadoop/S3 subset): ``*`` any run of characters except ``/``; ``**`` any run
including ``/``; ``?`` one character except ``/``; ``[abc]`` / ``[a-z]`` / ``[!abc]`` a character
class; ``{a,b}`` alternatives (not nested). Everything else is literal. Spark-free.

The overlap check is exact, not a heuristic: it walks the product of the two globs' automata and
returns a short key both accept, so the config error can show an example. A dataset's source
(``path/pattern``) claims files at any depth under ``path`` whose name matches ``pattern``
(see :func:`source_matches`, which ``lakehouse.sources.landing`` and event routing both use).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from functools import lru_cache
from itertools import combinations

# A token is (kind, include, exclude): kind "one" consumes one character, "star" a run of them.
# A character c is accepted when (include is None or c in include) and c not in exclude.
_Token = tuple[str, frozenset[str] | None, frozenset[str]]
_NO_SLASH = frozenset("/")
_EMPTY: frozenset[str] = frozenset()
_FILLERS = "x0_a-."


def expand_braces(glob: str) -> list[str]:
    """``a/{b,c}.csv`` -> ``["a/b.csv", "a/c.csv"]`` (one level, left to right)."""
    match = re.search(r"\{([^{}]*)\}", glob)
    if not match:
        return [glob]
    head, tail = glob[: match.start()], glob[match.end():]
    return [x for alt in match.group(1).split(",") for x in expand_braces(head + alt + tail)]


@lru_cache(maxsize=512)
def _compile(glob: str) -> re.Pattern[str]:
    parts = []
    for alt in expand_braces(glob):
        parts.append("".join(_regex(tok) for tok in _tokens(alt)))
    return re.compile("(?:" + "|".join(parts) + r")\Z", re.DOTALL)


def matches(glob: str, key: str) -> bool:
    """True when ``key`` (relative to the landing zone) matches ``glob``."""
    return _compile(glob).match(key) is not None


def overlap_example(glob_a: str, glob_b: str) -> str | None:
    """A short key matched by both globs, or ``None`` when they are disjoint."""
    best: str | None = None
    for a in expand_braces(glob_a):
        for b in expand_braces(glob_b):
            found = _intersect(_tokens(a), _tokens(b))
            if found is not None and (best is None or len(found) < len(best)):
                best = found
    return best


def source_glob(key_glob: str) -> str:
    """The glob of every key a dataset ingests, from its ``source.key_glob`` (``path/pattern``).

    Mirrors ``lakehouse.sources.landing``: files at any depth under ``path/`` whose *name*
    matches ``pattern``, i.e. ``path/{**/,}pattern``.
    """
    path, _, pattern = key_glob.rpartition("/")
    return f"{path}/{{**/,}}{pattern}" if path else key_glob


def source_matches(key_glob: str, key: str) -> bool:
    """True when the pipeline would ingest ``key`` (relative to landing) for this source.

    The one rule for landing listing, event routing and the overlap check: under ``path/`` at
    any depth, no hidden/underscore-prefixed part below ``path``, and the file name matches
    ``pattern`` in this module's glob syntax (braces included).
    """
    path, _, pattern = key_glob.rpartition("/")
    if not key.startswith(path + "/"):
        return False
    parts = key[len(path) + 1:].split("/")
    if any(part.startswith((".", "_")) for part in parts):
        return False
    return matches(pattern, parts[-1])


def find_overlaps(globs: Mapping[str, str]) -> list[str]:
    """One problem line per pair of sources (``path/pattern``) that can claim the same key."""
    problems = []
    for (name_a, glob_a), (name_b, glob_b) in combinations(sorted(globs.items()), 2):
        example = overlap_example(source_glob(glob_a), source_glob(glob_b))
        if example is not None:
            problems.append(
                f"datasets {name_a!r} (source {glob_a!r}) and {name_b!r} (source {glob_b!r}) "
                f"both match landing key {example!r}; an arrival must route to one dataset"
            )
    return problems


def _tokens(glob: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(glob):
        ch = glob[i]
        if ch == "*":
            double = glob.startswith("**", i)
            out.append(("star", None, _EMPTY if double else _NO_SLASH))
            i += 2 if double else 1
        elif ch == "?":
            out.append(("one", None, _NO_SLASH))
            i += 1
        elif ch == "[" and (end := _class_end(glob, i)) > 0:
            body = glob[i + 1:end]
            negate = body[:1] in ("!", "^")
            chars = _class_chars(body[1:] if negate else body)
            out.append(("one", None, chars | _NO_SLASH) if negate else ("one", chars, _EMPTY))
            i = end + 1
        else:
            out.append(("one", frozenset(ch), _EMPTY))
            i += 1
    return out


def _class_end(glob: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1 (then ``[`` is literal)."""
    j = start + 1
    if j < len(glob) and glob[j] in "!^":
        j += 1
    if j < len(glob) and glob[j] == "]":
        j += 1
    return glob.find("]", j)


def _class_chars(body: str) -> frozenset[str]:
    chars: set[str] = set()
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            chars.update(chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1))
            i += 3
        else:
            chars.add(body[i])
            i += 1
    return frozenset(chars)


def _regex(tok: _Token) -> str:
    kind, include, exclude = tok
    if include is not None:
        cls = "[" + "".join(re.escape(c) for c in sorted(include)) + "]"
    elif exclude:
        cls = "[^" + "".join(re.escape(c) for c in sorted(exclude)) + "]"
    else:
        cls = "."
    return cls + "*" if kind == "star" else cls


def _common_char(a: _Token, b: _Token) -> str | None:
    """A character both tokens accept, if any."""
    inc_a, exc_a, inc_b, exc_b = a[1], a[2], b[1], b[2]
    if inc_a is not None or inc_b is not None:
        pool = (inc_a if inc_b is None else inc_b if inc_a is None else inc_a & inc_b) or _EMPTY
        ok = sorted(c for c in pool if c not in exc_a and c not in exc_b)
        return ok[0] if ok else None
    return next((c for c in _FILLERS if c not in exc_a and c not in exc_b), None)


def _intersect(a: list[_Token], b: list[_Token]) -> str | None:
    """Breadth-first search of the product automaton; returns a common key or ``None``."""
    start, goal = (0, 0), (len(a), len(b))
    parent: dict[tuple[int, int], tuple[tuple[int, int], str] | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state == goal:
            chars = []
            while parent[state] is not None:
                state, ch = parent[state]  # type: ignore[misc]
                chars.append(ch)
            return "".join(reversed(chars))
        i, j = state
        moves: list[tuple[tuple[int, int], str]] = []
        if i < len(a) and a[i][0] == "star":
            moves.append(((i + 1, j), ""))
        if j < len(b) and b[j][0] == "star":
            moves.append(((i, j + 1), ""))
        if i < len(a) and j < len(b):
            ch = _common_char(a[i], b[j])
            if ch is not None:
                ni = i if a[i][0] == "star" else i + 1
                nj = j if b[j][0] == "star" else j + 1
                moves.append(((ni, nj), ch))
        for nxt, ch in sorted(moves, key=lambda m: m[1] != ""):
            if nxt not in parent:
                parent[nxt] = (state, ch)
                (queue.appendleft if ch == "" else queue.append)(nxt)
    return None


def check_dataset_globs(folder: str, datasets: Mapping[str, object]) -> None:
    """Raise ``ConfigError`` when two datasets' ``source`` globs can claim the same landing key.

    Called by the loader right after ``conf/datasets/*.yaml`` are validated.
    """
    from lakehouse.errors import ConfigError

    globs = {name: ds.source.key_glob for name, ds in datasets.items()}  # type: ignore[attr-defined]
    problems = find_overlaps(globs)
    if problems:
        raise ConfigError(folder, problems,
                          hint="make the datasets' source path/pattern disjoint "
                               "(e.g. different folders or file extensions)")
