"""What every rule spec shares: severity, the ``fail`` threshold, names, and SQL helpers.

Spark-free. A rule type's config model subclasses :class:`RuleBase` and adds a ``rule``
literal (the discriminator) and its own keys. The SQL helpers quote identifiers and
literals for the Spark SQL strings the rule types return (built from the dataset contract,
trusted config, never from data).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Severity = Literal["warn", "quarantine", "fail"]
Level = Literal["row", "dataset"]


class Threshold(BaseModel):
    """How many failing rows a ``fail`` rule tolerates before it blocks the gate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_ratio: float | None = Field(default=None, ge=0, le=1)
    max_count: int | None = Field(default=None, ge=0)

    def exceeded(self, failing: int, total: int) -> bool:
        """True when ``failing`` of ``total`` rows is more than this threshold allows."""
        if self.max_count is not None and failing > self.max_count:
            return True
        if self.max_ratio is not None:
            return total > 0 and failing / total > self.max_ratio
        return self.max_count is None and failing > 0


class RuleBase(BaseModel):
    """Keys every rule has: ``name``, ``severity``, ``description``, ``threshold``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    level: ClassVar[Level] = "row"

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_:.\-]{0,127}$")
    severity: Severity = "quarantine"
    description: str = ""
    threshold: Threshold | None = None

    @model_validator(mode="after")
    def _severity_fits(self) -> RuleBase:
        if self.threshold is not None and self.severity != "fail":
            raise ValueError(f"rule {self.name!r}: 'threshold' only applies to severity 'fail'")
        if self.level == "dataset" and self.severity == "quarantine":
            raise ValueError(f"rule {self.name!r}: a dataset-level rule cannot quarantine rows;"
                             " use severity 'warn' or 'fail'")
        return self

    @property
    def effective_threshold(self) -> Threshold:
        return self.threshold or Threshold(max_count=0)

    def columns(self) -> list[str]:
        """Columns of the checked DataFrame this rule reads (for validation and samples)."""
        col = getattr(self, "column", None)
        return [col] if col else list(getattr(self, "columns_", []) or [])


def ident(name: str) -> str:
    """``name`` as a quoted Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def sql_literal(value: object) -> str:
    """A Python bool, int, float or string as a Spark SQL literal of the same type
    (a float is a DOUBLE, as ``F.lit`` would make it, not a DECIMAL)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        # 1.5D is a DOUBLE literal (1.5 alone would be a DECIMAL); nan/inf have no literal
        return f"{value!r}D" if math.isfinite(value) else f"CAST('{value!r}' AS DOUBLE)"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def outside(value_sql: str, low: object, high: object) -> str:
    """SQL that is true when ``value_sql`` is below ``low`` or above ``high`` (None: unbounded)."""
    parts = ["false"]
    if low is not None:
        parts.append(f"{value_sql} < {sql_literal(low)}")
    if high is not None:
        parts.append(f"{value_sql} > {sql_literal(high)}")
    return "(" + " OR ".join(parts) + ")"


def rule_base_name(column: str) -> str:
    """A rule-name stem for ``column`` (rule names start with a letter)."""
    base = column.lstrip("_") or "col"
    return base if base[0].isalpha() else f"c{base}"


def num(value: object) -> str:
    """A bound as the reasons print it: ``…`` when open, ``5`` rather than ``5.0``."""
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value)  # type: ignore[arg-type]
