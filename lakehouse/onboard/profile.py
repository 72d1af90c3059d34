"""What a sample of a dataset's files looks like, column by column (Spark-free data model)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ColumnProfile:
    """Statistics of one source column on the sample.

    Attributes:
        source: the column name as delivered (``Culmen Length (mm)``).
        name: its safe name, as the raw table stores it (``culmen_length_mm``).
        type: the narrowest Spark SQL type every non-null sampled value casts to.
        nulls: sampled values that are null or empty (after the null marker).
        distinct: distinct non-null values in the sample.
        minimum / maximum: numeric, date or timestamp bounds (as JSON-ready values).
        values: the distinct values when there are few (``None`` otherwise).
        min_length / max_length: string lengths of non-null values.
        code_pattern: a regex every value matches when the column looks like a code.
    """

    source: str
    name: str
    type: str
    nulls: int = 0
    distinct: int = 0
    minimum: Any = None
    maximum: Any = None
    values: list[Any] | None = None
    min_length: int | None = None
    max_length: int | None = None
    code_pattern: str | None = None


@dataclass
class DataProfile:
    """A profiled sample: how to read the files, and what each column holds.

    ``unique_keys`` lists the column sets found unique (and never null) on the sample,
    best candidate first.
    """

    format: str
    options: dict[str, Any]
    rows: int
    files: list[str]
    columns: list[ColumnProfile]
    unique_keys: list[list[str]] = field(default_factory=list)
    null_marker: str | None = None

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
