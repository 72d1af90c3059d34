"""Typed configuration models: ``conf/lake.yaml``, ``conf/datasets/*.yaml``, ``conf/exports/*.yaml``.

Spark-free. Every model forbids unknown keys so typos are caught with a "did you mean" hint.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lakehouse.config.changes_spec import ChangesSpec
from lakehouse.config.ml_spec import MLSpec
from lakehouse.config.quality_spec import GATE_NAMES, GateRules
from lakehouse.config.runtimes import RuntimesSection
from lakehouse.config.triggers import TriggersSection
from lakehouse.config.types import normalize_type

DEFAULT_NULL_VALUES = ("", "NA", "N/A", "null", "NULL")
ZONES = ("landing", "raw", "curated", "quarantine", "exportable")
Zone = Literal["landing", "raw", "curated", "quarantine", "exportable"]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{what} {value!r} must be lower case letters, digits and '_', starting with a letter"
            " (at most 64 characters)"
        )
    return value


# --------------------------------------------------------------------------- lake.yaml
class LakeSection(StrictModel):
    """Where the zones live. ``root`` is a path or URI; zones default to ``{root}/{zone}``."""

    root: str = "./.lake"
    zones: dict[Zone, str] = Field(default_factory=dict)
    runs: str | None = None


class CatalogSection(StrictModel):
    """Which catalog backend registers tables, and how databases are named."""

    backend: Literal["local", "glue"] = "local"
    database_pattern: str = "{domain}_{zone}"
    domain: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    catalog_id: str | None = None

    @field_validator("database_pattern")
    @classmethod
    def _pattern_has_zone(cls, value: str) -> str:
        if "{zone}" not in value:
            raise ValueError("must contain '{zone}' so each zone gets its own database")
        return value


class TablesSection(StrictModel):
    """Delta write path and commit lock."""

    backend: Literal["auto", "portable", "native"] = "auto"
    lock: Literal["auto", "file", "dynamodb"] = "auto"
    lock_table: str | None = None
    lock_timeout_seconds: float = Field(default=300.0, gt=0)


class SparkSection(StrictModel):
    """Settings for the local SparkSession (clusters bring their own)."""

    master: str = "local[2]"
    shuffle_partitions: int = Field(default=4, ge=1)
    driver_memory: str = "2g"
    conf: dict[str, str] = Field(default_factory=dict)


class LineageSection(StrictModel):
    """OpenLineage run events: to JSON files under the lake (default), an HTTP endpoint, or off.

    The HTTP API key, if any, is read from the environment variable named by ``api_key_env``.
    """

    transport: Literal["file", "http", "console", "none"] = "file"
    namespace: str | None = None          # default: the project name
    folder: str | None = None             # file transport; default {runs}/lineage
    url: str | None = None                # http transport, e.g. http://marquez:5000
    endpoint: str = "api/v1/lineage"
    api_key_env: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _url_for_http(self) -> LineageSection:
        if self.transport == "http" and not self.url:
            raise ValueError("transport 'http' needs 'url' (e.g. http://marquez:5000)")
        return self


class ReportsSection(StrictModel):
    """The static HTML run report written at the end of every run."""

    enabled: bool = True
    folder: str | None = None             # default {runs}/reports
    history: int = Field(default=50, ge=1)  # past runs shown in drift plots and the index


class ErasureSection(StrictModel):
    """``lakehouse erase``: how long removed files stay before its vacuum deletes them.

    Erasure needs the files that held the subject gone, so the default is 0 hours: time
    travel to any version before the erasure is lost on the erased tables (docs/erasure.md).
    """

    vacuum_retention_hours: float = Field(default=0.0, ge=0)
    audit_folder: str | None = None       # default {runs}/erasure


class LakeConfig(StrictModel):
    """The validated ``conf/lake.yaml`` after the selected profile is applied."""

    project: str
    profile: str = "local"
    lake: LakeSection = Field(default_factory=LakeSection)
    catalog: CatalogSection = Field(default_factory=CatalogSection)
    tables: TablesSection = Field(default_factory=TablesSection)
    spark: SparkSection = Field(default_factory=SparkSection)
    runtimes: RuntimesSection = Field(default_factory=RuntimesSection)
    triggers: TriggersSection = Field(default_factory=TriggersSection)
    lineage: LineageSection = Field(default_factory=LineageSection)
    reports: ReportsSection = Field(default_factory=ReportsSection)
    erasure: ErasureSection = Field(default_factory=ErasureSection)

    @field_validator("project")
    @classmethod
    def _valid_project(cls, value: str) -> str:
        return _check_name(value, "project")


# ----------------------------------------------------------------------- datasets/*.yaml
# Spark reader options that take true/false (DataFrameReader.csv / .json / .parquet and the
# generic file-source options), lower-cased. conf/ is read as YAML 1.2, where `header: yes`
# is the text "yes", which Spark refuses ("header flag can be true or false"); for these
# options the YAML 1.1 words are read as the booleans their authors meant.
BOOLEAN_OPTIONS = frozenset(o.lower() for o in (
    "header", "inferSchema", "preferDate", "enforceSchema", "ignoreLeadingWhiteSpace",
    "ignoreTrailingWhiteSpace", "multiLine", "primitivesAsString", "prefersDecimal",
    "allowComments", "allowUnquotedFieldNames", "allowSingleQuotes", "allowNumericLeadingZeros",
    "allowBackslashEscapingAnyCharacter", "allowUnquotedControlChars", "allowNonNumericNumbers",
    "dropFieldIfAllNull", "mergeSchema", "recursiveFileLookup", "ignoreCorruptFiles",
    "ignoreMissingFiles"))
_BOOLEAN_WORDS = {"yes": True, "y": True, "on": True, "no": False, "n": False, "off": False}


class SourceSpec(StrictModel):
    """How producers deliver files into the landing zone."""

    format: Literal["csv", "json", "parquet"]
    path: str
    pattern: str = "*"
    options: dict[str, str | int | bool] = Field(default_factory=dict)
    null_values: list[str] = Field(default_factory=lambda: list(DEFAULT_NULL_VALUES))
    empty_files: Literal["warn", "fail", "ignore"] = "warn"

    @field_validator("options")
    @classmethod
    def _boolean_words(cls, value: dict) -> dict:
        return {k: _BOOLEAN_WORDS[v.strip().lower()] if isinstance(v, str)
                and k.lower() in BOOLEAN_OPTIONS and v.strip().lower() in _BOOLEAN_WORDS else v
                for k, v in value.items()}

    @field_validator("options")
    @classmethod
    def _keeps_malformed_rows(cls, value: dict) -> dict:
        for key in ("mode", "columnNameOfCorruptRecord"):
            given = value.get(key)
            if given is None or (key == "mode" and str(given).upper() == "PERMISSIVE"):
                continue
            raise ValueError(
                f"option {key!r} is managed by the framework: malformed rows are read in "
                "PERMISSIVE mode into a corrupt-record column and quarantined at the "
                "landing_to_raw gate (DROPMALFORMED would lose them, FAILFAST would stop the run)")
        return value

    @field_validator("path")
    @classmethod
    def _relative(cls, value: str) -> str:
        clean = value.strip("/")
        if not clean or ".." in PurePosixPath(clean).parts:
            raise ValueError("must be a folder relative to the landing zone, e.g. 'flights'")
        return clean

    @property
    def key_glob(self) -> str:
        """Glob for landing keys of this dataset, relative to the landing zone."""
        return f"{self.path}/{self.pattern}"


class ColumnSpec(StrictModel):
    """A declared column of the curated schema."""

    name: str
    type: str
    nullable: bool = True
    source: str | None = None
    expr: str | None = None
    format: str | None = None
    null_values: list[str] | None = None
    comment: str | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _check_name(value, "column name")

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return normalize_type(value)

    @model_validator(mode="after")
    def _source_or_expr(self) -> ColumnSpec:
        if self.source and self.expr:
            raise ValueError(f"column {self.name!r}: give 'source' or 'expr', not both")
        return self


class DatasetConfig(StrictModel):
    """One dataset contract: source, declared schema, keys, partitioning, rules."""

    name: str
    description: str = ""
    source: SourceSpec
    columns: list[ColumnSpec] = Field(alias="schema", min_length=1)
    primary_key: list[str] = Field(min_length=1)
    dedup_order: list[str] = Field(default_factory=lambda: ["_ingested_at"])
    partition_by: list[str] = Field(default_factory=list)
    schema_policy: Literal["additive", "strict", "permissive"] = "additive"
    rules: GateRules = Field(default_factory=GateRules)
    changes: ChangesSpec | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _check_name(value, "dataset name")

    @model_validator(mode="after")
    def _changes_columns(self) -> DatasetConfig:
        if self.changes is None:
            return self
        from lakehouse.config import changes_spec as cs

        names = [c.name for c in self.columns]
        spec = self.changes
        for field, cols in (("changes.timestamp_column", [spec.timestamp_column] if
                             spec.timestamp_column else []),
                            ("changes.order_by", spec.order_by),
                            ("changes.untracked", spec.untracked)):
            for col in cols:
                if col not in names:
                    raise ValueError(_unknown_column(field, col, names))
        reserved = {cs.CHANGE_SEQ, cs.CHANGE_OP, cs.CLOSED_SEQ} | (
            {cs.VALID_FROM, cs.VALID_TO, cs.IS_CURRENT, cs.OPENED_SEQ} if spec.mode == "scd2" else set())
        taken = sorted(reserved & set(names))
        if taken:
            raise ValueError(f"changes: the curated table adds these columns itself, the schema "
                             f"must not declare them: {taken}")
        if spec.untracked and spec.mode != "scd2":
            raise ValueError("changes.untracked applies to mode: scd2 only")
        if set(spec.untracked) & set(self.primary_key):
            raise ValueError("changes.untracked must not name primary key columns")
        return self

    @model_validator(mode="after")
    def _columns_known(self) -> DatasetConfig:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"schema declares these columns twice: {dupes}")
        known = set(names) | {"_ingested_at", "_ingest_run_id", "_source_file", "_record_hash"}
        for field in ("primary_key", "dedup_order", "partition_by"):
            for col in getattr(self, field):
                if col not in known:
                    raise ValueError(_unknown_column(field, col, names))
        for gate in GATE_NAMES:
            for rule in self.rules.for_gate(gate):
                for col in rule.columns() if rule.rule != "type_castable" else []:
                    if col not in known:
                        raise ValueError(_unknown_column(f"rules.{gate}[{rule.name}]", col, names))
        return self

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def partitions_follow_key(self) -> bool:
        """Whether the partition values are a function of the primary key: a key's rows then
        never move between partitions, so a merge of a batch reads only the batch's
        partitions (flights: ``flight_date = make_date(year, month, day)``)."""
        return self.partitions_follow(self.primary_key)

    def partitions_follow(self, columns: list[str]) -> bool:
        """Whether every ``partition_by`` column is one of ``columns`` or an ``expr`` of
        ``columns`` only (rows equal on ``columns`` always share a partition)."""
        if not self.partition_by:
            return False
        key = {k.lower() for k in columns}
        for name in self.partition_by:
            if name.lower() in key:
                continue
            spec = next((c for c in self.columns if c.name == name), None)
            used = expr_columns(spec.expr, [c.name for c in self.columns]) if spec and spec.expr \
                else None
            if not used or not used <= key:
                return False
        return True

    def null_values_of(self, column: ColumnSpec) -> list[str]:
        """Strings read as null in ``column``: its own ``null_values`` or the source's."""
        return list(self.source.null_values if column.null_values is None else column.null_values)


_METADATA_COLUMNS = ("_ingested_at", "_ingest_run_id", "_source_file", "_record_hash",
                     "_ingest_date", "_source_row")
_NONDETERMINISTIC = re.compile(
    r"\b(rand|randn|random|uuid|shuffle|now|current_\w+|localtimestamp|unix_timestamp|"
    r"monotonically_increasing_id|spark_partition_id|input_file_\w+)\b", re.IGNORECASE)


def expr_columns(expr: str, columns: list[str]) -> set[str] | None:
    """The (lower-cased) schema and metadata columns a SQL expression names, or None when it
    may be non-deterministic. Conservative: an identifier inside a string literal counts as a
    use, so this may over-report, never under-report (a column's name as a function name
    counts too)."""
    if _NONDETERMINISTIC.search(expr):
        return None
    known = {c.lower() for c in [*columns, *_METADATA_COLUMNS]}
    quoted = {q.lower() for q in re.findall(r"`([^`]*)`", expr)}
    bare = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"`[^`]*`", " ", expr))}
    return (quoted | bare) & known


def _unknown_column(field: str, col: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(col, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{field}: names column {col!r}, which the schema does not declare{hint}"


# ------------------------------------------------------------------------ exports/*.yaml
class ExportConfig(StrictModel):
    """A consumer-ready table built from curated datasets with Spark SQL."""

    name: str
    description: str = ""
    inputs: list[str] = Field(min_length=1)
    sql: str
    partition_by: list[str] = Field(default_factory=list)
    format: Literal["parquet", "csv"] = "parquet"
    ml: MLSpec | None = None
    # by_partition: the SQL is partition-local in one input (docs/exports.md, "Incremental")
    incremental: Literal["by_partition"] | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _check_name(value, "export name")

    @model_validator(mode="after")
    def _ml_is_parquet(self) -> ExportConfig:
        if self.ml is not None and self.format != "parquet":
            raise ValueError("an export with 'ml' writes Parquet per split (and SageMaker CSV via"
                             " ml.outputs.sagemaker_csv); remove format: csv")
        return self

    @model_validator(mode="after")
    def _incremental_is_partitioned(self) -> ExportConfig:
        if self.incremental is None:
            return self
        if self.ml is not None:
            raise ValueError("incremental: by_partition does not apply to an export with 'ml'"
                             " (its transforms are fitted over all rows); remove 'incremental'")
        if not self.partition_by:
            raise ValueError("incremental: by_partition rewrites output partitions, so it needs"
                             " partition_by (a partition column of one input, e.g. a date)")
        return self
