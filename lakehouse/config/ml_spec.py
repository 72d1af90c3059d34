"""The ``ml:`` section of ``conf/exports/<name>.yaml``: an ML-ready export (Spark-free).

Example::

    ml:
      label: {name: delayed, expr: "dep_delay > 15"}     # or label: {name: existing_column}
      id: flight_id                                      # one row per id (dedup keeps one)
      time: time_hour                                    # for out-of-time splits and lags
      group: tailnum                                     # optional: a group never spans splits
      features: {include: [carrier, distance, temp]}     # or {exclude: [...]} = all but those
      split: {method: out_of_time, fractions: {train: 0.7, validation: 0.15, test: 0.15}, seed: 13}
      transforms:
        impute: [{columns: [temp], strategy: mean}]
        scale: [{columns: [temp], method: standard}]
        encode: [{columns: [carrier], method: onehot, top_n: 10}]
      checks: {min_minority_ratio: 0.05, max_null_ratio: 0.5, drift_psi: 0.25}
      outputs: {sagemaker_csv: true}

Every model forbids unknown keys, so typos get the loader's "did you mean" hint.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SPLITS: tuple[str, ...] = ("train", "validation", "test")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CheckSeverity = Literal["warn", "fail"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _ident(value: str) -> str:
    if not _IDENT.match(value):
        raise ValueError(f"{value!r} is not a plain column name (letters, digits, '_')")
    return value


class LabelSpec(_Strict):
    """The label: an existing column, or ``expr`` (Spark SQL) computed into column ``name``."""

    name: str
    expr: str | None = None
    kind: Literal["classification", "regression"] = "classification"

    @field_validator("name")
    @classmethod
    def _plain(cls, value: str) -> str:
        return _ident(value)


class FeatureSpec(_Strict):
    """Feature columns: ``include`` (explicit list) or every column except ``exclude``.

    The label, id, group and time columns are never features unless listed in ``include``
    (and listing the label there is an error).
    """

    include: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_mode(self) -> FeatureSpec:
        if self.include is not None and self.exclude:
            raise ValueError("give 'include' or 'exclude', not both")
        if self.include is not None and not self.include:
            raise ValueError("include: needs at least one column")
        return self


class Fractions(_Strict):
    """Split fractions; they must add up to 1."""

    train: float = Field(default=0.7, gt=0, le=1)
    validation: float = Field(default=0.15, ge=0, lt=1)
    test: float = Field(default=0.15, ge=0, lt=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> Fractions:
        total = self.train + self.validation + self.test
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"train + validation + test must be 1, got {total:g}")
        return self

    def as_dict(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}


class SplitSpec(_Strict):
    """How rows are assigned to train / validation / test.

    ``random`` hashes (seed, id) - or (seed, group) when ``group`` is set - into [0, 1);
    ``stratified`` does the same within each label class (exact per-class fractions);
    ``out_of_time`` cuts the time axis at the fraction quantiles (or at ``validation_from`` /
    ``test_from``); ``group`` hashes the group column; ``kfold`` holds out ``fractions.test``
    and gives the other rows a ``_fold`` in ``0..folds-1`` (its train split has them all).
    """

    method: Literal["random", "stratified", "out_of_time", "group", "kfold"] = "random"
    fractions: Fractions = Field(default_factory=Fractions)
    seed: int = 42
    folds: int = Field(default=5, ge=2, le=100)
    validation_from: str | None = None
    test_from: str | None = None

    @model_validator(mode="after")
    def _boundaries(self) -> SplitSpec:
        given = (self.validation_from, self.test_from)
        if any(given) and self.method != "out_of_time":
            raise ValueError("validation_from / test_from only apply to method 'out_of_time'")
        if all(given) and str(self.validation_from) > str(self.test_from):
            raise ValueError(f"validation_from ({self.validation_from}) must not be after "
                             f"test_from ({self.test_from})")
        return self


class ImputeSpec(_Strict):
    """Fill nulls with a statistic of the train split (Spark ML ``Imputer``) or a constant."""

    columns: list[str] = Field(min_length=1)
    strategy: Literal["mean", "median", "mode", "constant"] = "mean"
    value: float | None = None

    @model_validator(mode="after")
    def _constant_value(self) -> ImputeSpec:
        if (self.strategy == "constant") != (self.value is not None):
            raise ValueError("'value' is required with strategy 'constant' and only then")
        return self


class ScaleSpec(_Strict):
    """Scale with train statistics: standard (mean/std), minmax, robust (median/IQR)."""

    columns: list[str] = Field(min_length=1)
    method: Literal["standard", "minmax", "robust"] = "standard"


class EncodeSpec(_Strict):
    """Encode categories indexed on the train split (most frequent first, ties by value).

    ``top_n`` keeps the N most frequent values; the rest, nulls and values unseen in train
    share the unknown bucket. ``onehot`` expands to one 0/1 column per value plus
    ``<col>__unknown``; ``ordinal`` gives the index (unknown = N).
    """

    columns: list[str] = Field(min_length=1)
    method: Literal["onehot", "ordinal"] = "onehot"
    top_n: int = Field(default=20, ge=1, le=1000)


class ClipSpec(_Strict):
    """Clip to fixed bounds, or to quantiles of the train split."""

    columns: list[str] = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    quantiles: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> ClipSpec:
        fixed = self.min is not None or self.max is not None
        if fixed == (self.quantiles is not None):
            raise ValueError("give min and/or max, or quantiles: [low, high] (not both)")
        if self.quantiles and not 0 <= self.quantiles[0] < self.quantiles[1] <= 1:
            raise ValueError("quantiles must be [low, high] with 0 <= low < high <= 1")
        return self


class DedupSpec(_Strict):
    """Keep one row per id: the first by ``order_by`` (e.g. ``["_ingested_at DESC"]``)."""

    order_by: list[str] = Field(default_factory=list)


class FlattenSpec(_Strict):
    """Flatten nested data: parse JSON string columns (``json: {col: DDL}``), then turn
    struct fields into ``parent__child`` columns and arrays into their first items + size."""

    json_columns: dict[str, str] = Field(default_factory=dict, alias="json")
    max_array_items: int = Field(default=3, ge=0, le=100)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TimeFeaturesSpec(_Strict):
    """Per-entity features from the past only (ordered by ``ml.time``, then id).

    ``lags: {col: [1, 2]}`` - value N rows back; ``rolling_mean: {col: [3]}`` - mean of the N
    previous rows (the current row excluded); ``calendar: [hour, dayofweek, month, ...]`` of
    the time column.
    """

    entity: str | None = None
    lags: dict[str, list[int]] = Field(default_factory=dict)
    rolling_mean: dict[str, list[int]] = Field(default_factory=dict)
    calendar: list[Literal["hour", "dayofweek", "day", "month", "year", "weekofyear"]] = \
        Field(default_factory=list)

    @field_validator("lags", "rolling_mean")
    @classmethod
    def _positive(cls, value: dict[str, list[int]]) -> dict[str, list[int]]:
        for col, steps in value.items():
            if not steps or any(s < 1 for s in steps):
                raise ValueError(f"{col}: needs a list of positive row counts, e.g. [1, 3]")
        return value


class TransformsSpec(_Strict):
    """Transforms, applied in this order: dedup, flatten, time features, then (fitted on
    train) clip, log, impute, scale, encode."""

    dedup: DedupSpec | None = None
    flatten: FlattenSpec | None = None
    time_features: TimeFeaturesSpec | None = None
    clip: list[ClipSpec] = Field(default_factory=list)
    log: list[str] = Field(default_factory=list)
    impute: list[ImputeSpec] = Field(default_factory=list)
    scale: list[ScaleSpec] = Field(default_factory=list)
    encode: list[EncodeSpec] = Field(default_factory=list)


class ChecksSpec(_Strict):
    """Thresholds and severities of the checks run before anything is written.

    Always ``fail``: label not a feature, no id or group in two splits, time order (for
    out-of-time splits, or any split with ``time_order: fail``), no empty split.
    """

    min_minority_ratio: float | None = Field(default=None, ge=0, le=0.5)
    class_balance_severity: CheckSeverity = "fail"
    max_null_ratio: float = Field(default=0.5, ge=0, le=1)
    null_ratio_severity: CheckSeverity = "warn"
    drift_psi: float = Field(default=0.25, gt=0)
    drift_severity: CheckSeverity = "warn"
    time_order: CheckSeverity | None = None


class OutputsSpec(_Strict):
    """Parquet per split always (partitioned by the export's ``partition_by``); SageMaker
    built-in algorithm CSV on request; an HTML summary."""

    sagemaker_csv: bool = False
    summary_html: bool = True


class MLSpec(_Strict):
    """The ``ml:`` section of an export."""

    label: LabelSpec
    id: str
    time: str | None = None
    group: str | None = None
    features: FeatureSpec = Field(default_factory=FeatureSpec)
    split: SplitSpec = Field(default_factory=SplitSpec)
    transforms: TransformsSpec = Field(default_factory=TransformsSpec)
    checks: ChecksSpec = Field(default_factory=ChecksSpec)
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)

    @model_validator(mode="after")
    def _consistent(self) -> MLSpec:
        if self.split.method == "out_of_time" and not self.time:
            raise ValueError("split.method 'out_of_time' needs ml.time (the time column)")
        if self.split.method == "group" and not self.group:
            raise ValueError("split.method 'group' needs ml.group (the group column)")
        if self.transforms.time_features and not self.time:
            raise ValueError("transforms.time_features needs ml.time (the time column)")
        if self.checks.time_order and not self.time:
            raise ValueError("checks.time_order needs ml.time (the time column)")
        if self.features.include and self.label.name in self.features.include:
            raise ValueError(f"features.include lists the label {self.label.name!r}: a model "
                             "must not see its label")
        if self.split.method == "stratified" and self.label.kind != "classification":
            raise ValueError("split.method 'stratified' needs a classification label")
        return self

    @property
    def reserved(self) -> list[str]:
        """Columns that are not features unless included explicitly."""
        return [c for c in (self.label.name, self.id, self.group, self.time) if c]
