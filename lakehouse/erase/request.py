"""What to erase: a dataset and a row predicate, given as SQL or as a file of key values.

Spark-free. The predicate is over the dataset's declared (curated) columns. A keys file is
turned into ``key IN (...)`` (one key column) or ``(a, b) IN ((...), ...)`` (a composite
key), each value a SQL literal of the column's declared type; the audit keeps only the
predicate's SHA-256 (it may hold personal data).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lakehouse.config.models import DatasetConfig
from lakehouse.config.project import Project
from lakehouse.errors import InvalidArgumentError, LakehouseError

_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal")
MAX_KEYS = 100_000


@dataclass(frozen=True)
class ErasureRequest:
    """One erasure: ``predicate`` (Spark SQL over the declared columns) on ``dataset``."""

    dataset: DatasetConfig
    predicate: str
    given_as: str                 # "where" | "keys"
    keys: int | None = None       # how many key values a keys file listed

    @property
    def predicate_sha256(self) -> str:
        return predicate_hash(self.predicate)


def predicate_hash(predicate: str) -> str:
    """SHA-256 of the predicate with runs of whitespace collapsed."""
    return hashlib.sha256(" ".join(predicate.split()).encode()).hexdigest()


def dataset_of(project: Project, name: str) -> DatasetConfig:
    """The dataset called ``name``; an unknown name fails with a "did you mean"."""
    if name in project.datasets:
        return project.datasets[name]
    close = difflib.get_close_matches(name, list(project.datasets), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"datasets: {sorted(project.datasets)}"
    raise InvalidArgumentError("--dataset", name, sorted(project.datasets),
                               message=f"no dataset named {name!r}", hint=hint)


def request_for(project: Project, dataset: str, *, where: str | None = None,
                keys_text: str | None = None, keys_name: str = "keys file") -> ErasureRequest:
    """Build the request from ``--where`` or the text of a ``--keys`` file (exactly one)."""
    spec = dataset_of(project, dataset)
    if (where is None) == (keys_text is None):
        raise LakehouseError("give exactly one of --where and --keys",
                             hint='e.g. --where "customer_id = 42" or --keys subjects.csv')
    if where is not None:
        if not where.strip():
            raise LakehouseError("--where is empty", hint='e.g. --where "customer_id = 42"')
        return ErasureRequest(spec, where.strip(), "where")
    rows = parse_keys(spec, keys_text or "", source=keys_name)
    return ErasureRequest(spec, keys_predicate(spec, rows), "keys", keys=len(rows))


def parse_keys(spec: DatasetConfig, text: str, *, source: str) -> list[tuple[str, ...]]:
    """Key values from a text file (one value a line: a one-column key) or a CSV whose
    header names the key columns. Blank lines are skipped; a value that does not fit the
    declared type fails naming the line."""
    key = spec.primary_key
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise LakehouseError(f"{source} holds no key values",
                             hint=f"one value a line, or a CSV with header {','.join(key)}")
    header = [h.strip() for h in next(csv.reader([lines[0]]))]
    has_header = sorted(header) == sorted(key)
    if not has_header and len(key) > 1:
        raise LakehouseError(
            f"{source}: the first line must be a CSV header naming the key columns "
            f"{key} (found {header})", hint=f"e.g. {','.join(key)}")
    if has_header:
        order = [header.index(k) for k in key]
        parsed = list(enumerate(csv.reader(io.StringIO("\n".join(lines[1:]))), start=2))
    else:                  # a plain list: the whole line is the value (commas included)
        order, parsed = [0], [(n, [line]) for n, line in enumerate(lines, start=1)]
    out: list[tuple[str, ...]] = []
    for number, row in parsed:
        if len(row) != len(header if has_header else [0]):
            raise LakehouseError(f"{source}, line {number}: expected {len(header)} value(s), "
                                 f"found {len(row)}")
        values = tuple(row[i].strip() for i in order)
        for col, value in zip(key, values, strict=True):
            _check_value(spec, col, value, source, number)
        out.append(values)
    if len(out) > MAX_KEYS:
        raise LakehouseError(f"{source} lists {len(out):,} keys; at most {MAX_KEYS:,} at once",
                             hint="split the file and erase in several runs")
    return sorted(set(out))


def keys_predicate(spec: DatasetConfig, rows: list[tuple[str, ...]]) -> str:
    """``k IN (v1, ...)`` or ``(a, b) IN ((x, y), ...)`` with typed literals."""
    key = spec.primary_key
    literals = [tuple(_literal(spec, c, v) for c, v in zip(key, row, strict=True)) for row in rows]
    if len(key) == 1:
        return f"{_ident(key[0])} IN ({', '.join(v[0] for v in literals)})"
    cols = ", ".join(_ident(k) for k in key)
    return f"({cols}) IN ({', '.join('(' + ', '.join(v) + ')' for v in literals)})"


def _type_of(spec: DatasetConfig, col: str) -> str:
    known = {c.name: c.type for c in spec.columns}
    return known.get(col, "string").lower()


def _check_value(spec: DatasetConfig, col: str, value: str, source: str, line: int) -> None:
    if not value:
        raise LakehouseError(f"{source}, line {line}: empty value for key column {col!r}")
    if _type_of(spec, col).startswith(_NUMERIC):
        try:
            Decimal(value)
        except InvalidOperation:
            raise LakehouseError(
                f"{source}, line {line}: {value!r} is not a number (key column {col!r} is "
                f"{_type_of(spec, col)})") from None


def _literal(spec: DatasetConfig, col: str, value: str) -> str:
    kind = _type_of(spec, col)
    if kind.startswith(_NUMERIC):
        return str(Decimal(value))
    text = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"CAST('{text}' AS {kind.upper()})" if kind not in ("string",) else f"'{text}'"


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
