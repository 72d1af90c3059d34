"""The DQDL rule type table: parameters, Glue's metric names, row-level results, clauses, local support.

One :class:`RuleTypeSpec` per rule type of AWS's "DQDL rule type reference"
(https://docs.aws.amazon.com/glue/latest/dg/dqdl-rule-types.html) and its per-type pages,
plus the analyzer-only types. Sources, in order of authority:

* the rule type reference table and the per-type pages (metric names, row-level results,
  dynamic rules, where clauses, examples);
* Glue's own DQDL parser configuration, awslabs/dqdl ``configuration/rules/rules-config.json``
  (parameter counts, ``is_where_clause_supported``, ``is_threshold_supported``): where the
  reference table and the parser disagree, the parser wins, because it decides what Glue
  accepts (noted in ``notes``);
* Deequ's DQDL evaluator (awslabs/deequ ``com.amazon.deequ.dqdl``) for metric names the
  table leaves implicit (``Column.<col>.DataFreshness.Compliance`` ...).

``local`` says whether this project can evaluate the type with Glue's outcome, and if not,
why: the reason is what validation reports at load time. Spark-free, data only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Returns = Literal["boolean", "number", "string", "date", "duration", "size"]
ParamKind = Literal["column", "columns", "regex", "sql", "reference", "reference_columns",
                    "key_mapping", "aggregate", "path", "metric"]
Status = Literal["supported", "approximate", "unsupported"]
DOCS = "https://docs.aws.amazon.com/glue/latest/dg/"


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind


@dataclass(frozen=True)
class Local:
    """Whether the local (Spark) evaluator can give Glue's outcome for this type, and how."""

    status: Status
    how: str


@dataclass(frozen=True)
class RuleTypeSpec:
    """One DQDL rule type.

    ``arities`` are the accepted parameter counts (``var_arg``: the last parameter repeats, so
    any count >= max(arities) is accepted too). ``returns`` are the condition kinds the type
    takes; ``"boolean"`` means "no condition". ``metrics`` are Glue's metric names with
    ``{column}``, ``{columns}`` (comma-joined), ``{reference}`` placeholders. ``column_types``
    are the column type families a page lists as supported (checked when types are known).
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    arities: tuple[int, ...]
    returns: tuple[Returns, ...]
    metrics: tuple[str, ...]
    row_level: str
    where: bool
    threshold: bool
    dynamic: bool
    rule: bool
    analyzer: bool
    local: Local
    page: str
    var_arg: bool = False
    tags: tuple[str, ...] = ()
    notes: str = ""
    threshold_metrics: tuple[str, ...] = field(default=())
    column_types: tuple[str, ...] | None = None  # "numeric" / "string" / "date"; None = any

    @property
    def url(self) -> str:
        return DOCS + self.page

    def accepts_arity(self, count: int) -> bool:
        return count in self.arities or (self.var_arg and count >= max(self.arities))


_COL = (Param("column", "column"),)
_COLS = (Param("columns", "columns"),)
_FILE_TAGS = ("recentFiles", "uriRegex", "filterOrder")
_FILES_LOCAL = Local("supported", "the files listed apart from the Spark pass (a path without a"
                     " scheme is relative to the landing zone; no path: the batch's source files)")
_SPARK = "one aggregate in the gate's single aggregation"


def _spec(name: str, **kw: object) -> RuleTypeSpec:
    kw.setdefault("page", f"dqdl-rule-types-{name}.html")
    return RuleTypeSpec(name=name, **kw)  # type: ignore[arg-type]


RULE_TYPES: dict[str, RuleTypeSpec] = {s.name: s for s in [
    _spec("AggregateMatch", summary="ratio of two aggregations (sum/avg), possibly of another dataset",
          params=(Param("aggregation_1", "aggregate"), Param("aggregation_2", "aggregate")),
          arities=(2,), returns=("number",),
          metrics=("Column.{column}.AggregateMatch", "Column.{column1},{column2}.AggregateMatch"),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "two aggregates; `reference.col` reads the curated table of the"
                      " lake dataset named `reference` (one extra job for it)")),
    _spec("AllStatistics", summary="analyzer: row count, completeness, uniqueness and type statistics",
          params=_COL, arities=(1,), returns=("number",),
          metrics=("Dataset.*.RowCount", "Column.{column}.Completeness", "Column.{column}.Uniqueness",
                   "ColumnLength metrics (strings)", "ColumnValues metrics (numbers)"),
          row_level="no", where=False, threshold=False, dynamic=False, rule=False, analyzer=True,
          page="dqdl-rule-types.html",
          local=Local("supported", "the metrics of Completeness, Uniqueness, ColumnLength and"
                      " ColumnValues, in the single aggregation")),
    _spec("ColumnCorrelation", column_types=("numeric",), summary="Pearson correlation of two columns",
          params=(Param("column_1", "column"), Param("column_2", "column")), arities=(2,),
          returns=("number",), metrics=("Multicolumn.{column1},{column2}.ColumnCorrelation",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "Spark corr() (Pearson, rows with a NULL in either column"
                      " ignored, as the page says); " + _SPARK)),
    _spec("ColumnCount", summary="number of columns of the dataset",
          params=(), arities=(0,), returns=("number",), metrics=("Dataset.*.ColumnCount",),
          row_level="no", where=False, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "from the schema, no Spark job")),
    _spec("ColumnDataType", summary="values of a (string) column cast to the given type",
          params=_COL, arities=(1,), returns=("string",),
          metrics=("Column.{column}.ColumnDataType.Compliance",),
          row_level="no", where=True, threshold=True, dynamic=True, rule=True, analyzer=False,
          notes="types: Boolean, Date, Timestamp, Integer, Double, Float, Long; dynamic rules"
                " only in the threshold expression (reference table)",
          local=Local("supported", "try_cast per row, compliance ratio in the single aggregation")),
    _spec("ColumnExists", summary="the column exists",
          params=_COL, arities=(1,), returns=("boolean",), metrics=(),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "from the schema, no Spark job")),
    _spec("ColumnLength", column_types=("string",), summary="length of each value of a string column",
          params=_COL, arities=(1,), returns=("number",),
          metrics=("Column.{column}.MaximumLength", "Column.{column}.MinimumLength"),
          threshold_metrics=("Column.{column}.LengthCompliance",),
          row_level="yes", where=True, threshold=False, dynamic=False, rule=True, analyzer=True,
          notes="NULL counts as length 0 (page); the reference table lists extra metrics 'when a"
                " row-level threshold is provided' but Glue's parser rejects `with threshold` here",
          local=Local("supported", "a violation column per row (quarantine), min/max length in the"
                      " single aggregation")),
    _spec("ColumnNamesMatchPattern", summary="every column name matches a regular expression",
          params=(Param("pattern", "regex"),), arities=(1,), returns=("boolean",),
          metrics=("Dataset.*.ColumnNamesPatternMatchRatio",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          notes="the page shows a `where` example, Glue's parser rejects it",
          local=Local("supported", "from the schema, no Spark job (Java regex semantics via Python re:"
                      " differences for possessive quantifiers and \\p{...} classes)")),
    _spec("ColumnValues", summary="each value against an expression (set, range, regex, date)",
          params=_COL, arities=(1,), returns=("number", "string", "date"),
          metrics=("Column.{column}.Maximum", "Column.{column}.Minimum"),
          threshold_metrics=("Column.{column}.ColumnValues.Compliance",),
          row_level="yes", where=True, threshold=True, dynamic=False, rule=True, analyzer=True,
          notes="NULL fails every form except != and not in (page)",
          local=Local("supported", "a violation column per row (quarantine); compliance, min and max"
                      " in the single aggregation")),
    _spec("Completeness", summary="fraction of non-null values",
          params=_COL, arities=(1,), returns=("number",), metrics=("Column.{column}.Completeness",),
          row_level="yes", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "null flag per row, ratio in the single aggregation")),
    _spec("CustomSql", summary="a SQL statement over `primary`: one value, or the passing rows",
          params=(Param("statement", "sql"),), arities=(1,), returns=("number", "boolean"),
          metrics=("Dataset.*.CustomSQL",), threshold_metrics=("Dataset.*.CustomSQL.Compliance",),
          row_level="yes, for the form without a condition (rows the statement returns pass)",
          where=False, threshold=True, dynamic=True, rule=True, analyzer=False,
          notes="the DQDL reference's analyzer list names CustomSql; the rule type table says it is"
                " not an analyzer",
          local=Local("supported", "Spark SQL with the batch as temporary view `primary`: one extra"
                      " job per statement; the row-level form joins the returned rows back on the"
                      " columns they select (a flag per row, quarantine)")),
    _spec("DataFreshness", column_types=("date",), summary="age of a date/timestamp column against now()",
          params=_COL, arities=(1,), returns=("duration",),
          metrics=("Column.{column}.DataFreshness.Compliance",),
          row_level="yes", where=True, threshold=False, dynamic=False, rule=True, analyzer=False,
          notes="NULL rows fail (page)",
          local=Local("supported", "a violation column per row against the run's start time;"
                      " compliance in the single aggregation")),
    _spec("DatasetMatch", summary="fraction of rows equal to a reference dataset joined on keys",
          params=(Param("reference", "reference"), Param("keys", "key_mapping"),
                  Param("match_columns", "key_mapping")),
          arities=(2, 3), returns=("number",), metrics=("Dataset.{reference}.DatasetMatch",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "a left semi join on the keys with the curated table of the"
                      " lake dataset named by the alias; matched rows (NULL equals NULL) / the"
                      " batch's rows: one extra job")),
    _spec("DistinctValuesCount", summary="number of distinct values",
          params=_COL, arities=(1,), returns=("number",),
          metrics=("Column.{column}.DistinctValuesCount",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "exact count(distinct) in the single aggregation")),
    _spec("Entropy", summary="entropy of the value distribution",
          params=_COL, arities=(1,), returns=("number",), metrics=("Column.{column}.Entropy",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "value frequencies need a group-by: one extra job (natural"
                      " logarithm, as Deequ's Entropy)")),
    _spec("IsComplete", summary="no NULL values",
          params=_COL, arities=(1,), returns=("boolean",), metrics=("Column.{column}.Completeness",),
          row_level="yes", where=True, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "a violation column per row (quarantine)")),
    _spec("IsPrimaryKey", summary="the column(s) are complete and unique",
          params=_COLS, arities=(1,), var_arg=True, returns=("boolean",),
          metrics=("Column.{column}.Completeness", "Column.{column}.Uniqueness",
                   "Multicolumn.{columns}.Uniqueness"),
          row_level="yes", where=True, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "null and duplicate flags per row (a window over the key),"
                      " as the YAML `unique` rules")),
    _spec("IsUnique", summary="every value (combination) occurs once",
          params=_COLS, arities=(1,), var_arg=True, returns=("boolean",),
          metrics=("Column.{column}.Uniqueness", "Multicolumn.{columns}.Uniqueness"),
          row_level="yes", where=True, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "a duplicate flag per row (a window over the columns)")),
    _spec("Mean", column_types=("numeric",), summary="mean of a numeric column",
          params=_COL, arities=(1,), returns=("number",), metrics=("Column.{column}.Mean",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          notes="NULLs ignored (page)", local=Local("supported", _SPARK)),
    _spec("ReferentialIntegrity", summary="fraction of values found in a reference dataset's columns",
          params=(Param("columns", "columns"), Param("reference_columns", "reference_columns")),
          arities=(2,), returns=("number",), metrics=("Column.{reference}.ReferentialIntegrity",),
          row_level="no", where=False, threshold=False, dynamic=True, rule=True, analyzer=False,
          local=Local("supported", "a broadcast left join with the distinct keys of the lake dataset"
                      " named by the alias, as the YAML `references` rule")),
    _spec("RowCount", summary="number of rows",
          params=(), arities=(0,), returns=("number",), metrics=("Dataset.*.RowCount",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", _SPARK)),
    _spec("RowCountMatch", summary="row count ratio against a reference dataset",
          params=(Param("reference", "reference"),), arities=(1,), returns=("number",),
          metrics=("Dataset.{reference}.RowCountMatch",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "the reference's row count from its Delta log (no scan)")),
    _spec("SchemaMatch", summary="fraction of columns matching a reference dataset's schema",
          params=(Param("reference", "reference"),), arities=(1,), returns=("number",),
          metrics=("Dataset.{reference}.SchemaMatch",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          local=Local("supported", "from the two schemas (name and type per column), no Spark job")),
    _spec("StandardDeviation", column_types=("numeric",), summary="standard deviation of a numeric column",
          params=_COL, arities=(1,), returns=("number",),
          metrics=("Column.{column}.StandardDeviation",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          notes="population standard deviation: the page's example gives 16.33 for 0, 20, 40",
          local=Local("supported", "stddev_pop in the single aggregation")),
    _spec("Sum", column_types=("numeric",), summary="sum of a numeric column",
          params=_COL, arities=(1,), returns=("number",), metrics=("Column.{column}.Sum",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", _SPARK)),
    _spec("Uniqueness", summary="fraction of values that occur exactly once",
          params=_COLS, arities=(1,), var_arg=True, returns=("number",),
          metrics=("Column.{column}.Uniqueness", "Multicolumn.{columns}.Uniqueness"),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "value frequencies need a group-by: one extra job")),
    _spec("UniqueValueRatio", summary="values occurring once / distinct values",
          params=_COL, arities=(1,), returns=("number",),
          metrics=("Column.{column}.UniqueValueRatio",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          local=Local("supported", "value frequencies need a group-by: one extra job")),
    _spec("DetectAnomalies", summary="the metric of another rule type is anomalous against its history",
          params=(Param("rule_type", "metric"), Param("parameters", "columns")), arities=(1,),
          var_arg=True, returns=("boolean",), metrics=("the metric of the named rule type",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          notes="supported metrics: RowCount, Completeness, Uniqueness, Mean, Sum, StandardDeviation,"
                " Entropy, DistinctValuesCount, UniqueValueRatio, ColumnLength, ColumnValues,"
                " ColumnCorrelation, CustomSQL, ColumnCount",
          local=Local("approximate", "Glue's anomaly model is not published: the metric is computed"
                      " exactly and recorded in the quality history; the decision is this"
                      " project's documented detector (outside mean +- 3 std of the last 10 values,"
                      " after 3), so outcomes can differ from Glue's")),
    _spec("Distribution", summary="analyzer: histogram (numbers) or top-20 value counts",
          params=_COL, arities=(1,), returns=("number",), metrics=("Distribution (structured)",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=False, analyzer=True,
          tags=("bins", "rebin"),
          local=Local("approximate", "bin edges are frozen on the first run and rebinned after three"
                      " runs with >5% overflow; reproduced from the quality history, which starts"
                      " empty here, so the first local edges differ from a Glue job's")),
    _spec("FileFreshness", summary="landing files modified within a time window",
          params=(Param("path", "path"),), arities=(0, 1), returns=("date",),
          metrics=("Dataset.*.FileFreshness.Compliance", "Dataset.*.FileCount"),
          row_level="no", where=False, threshold=True, dynamic=False, rule=True, analyzer=False,
          tags=(*_FILE_TAGS, "failFast", "timeZone"),
          local=_FILES_LOCAL),
    _spec("FileMatch", summary="files match checksums or the files of another folder",
          params=(Param("path", "path"), Param("other_path", "path")), arities=(0, 1, 2),
          returns=("boolean", "string"), metrics=("Dataset.*.FileCount",),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          tags=(*_FILE_TAGS, "hashAlgorithm", "matchFileName"),
          local=_FILES_LOCAL),
    _spec("FileSize", summary="size of the landing files",
          params=(Param("path", "path"),), arities=(0, 1), returns=("size",),
          metrics=("Dataset.*.FileSize.Compliance", "Dataset.*.FileCount", "Dataset.*.MaximumFileSize",
                   "Dataset.*.MinimumFileSize"),
          row_level="no", where=False, threshold=True, dynamic=False, rule=True, analyzer=False,
          tags=(*_FILE_TAGS, "failFast"),
          local=_FILES_LOCAL),
    _spec("FileUniqueness", summary="no duplicate files (by content)",
          params=(Param("path", "path"),), arities=(0, 1), returns=("number",),
          metrics=("Dataset.*.FileUniquenessRatio", "Dataset.*.FileCount"),
          row_level="no", where=False, threshold=False, dynamic=False, rule=True, analyzer=False,
          tags=(*_FILE_TAGS, "matchFileName"),
          local=_FILES_LOCAL),
    _spec("Variance", column_types=("numeric",),
          summary="variance of a numeric column (parser only, not on the reference page)",
          params=_COL, arities=(1,), returns=("number",), metrics=("Column.{column}.Variance",),
          row_level="no", where=True, threshold=False, dynamic=True, rule=True, analyzer=True,
          page="dqdl-rule-types.html",
          notes="accepted by Glue's parser (rules-config.json) but not documented on the page",
          local=Local("supported", "var_pop in the single aggregation")),
]}

# Function names of dynamic rules (DQDL reference, "Dynamic rules").
DYNAMIC_FUNCTIONS: frozenset[str] = frozenset(
    {"last", "avg", "median", "max", "min", "sum", "std", "abs", "index"})
# ColumnDataType's expected types (page), compared case-insensitively ("INTEGER" on the page).
DATA_TYPES: frozenset[str] = frozenset(
    {"boolean", "date", "timestamp", "integer", "double", "float", "long"})
HASH_ALGORITHMS: frozenset[str] = frozenset({"MD5", "SHA-1", "SHA-256"})


def markdown_table() -> str:
    """The rule type table as Markdown (docs/quality-dqdl.md embeds it; a test keeps them equal)."""
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    def params(spec: RuleTypeSpec) -> str:
        names = " ".join(f"`<{p.name}>`" for p in spec.params[:max(spec.arities)])
        if spec.var_arg:
            names += " ..."
        if 0 in spec.arities and spec.params:
            names = f"[{names}]"
        return names or "none"

    def metrics(spec: RuleTypeSpec) -> str:
        found = [f"`{m}`" for m in spec.metrics]
        found += [f"`{m}` (with threshold)" for m in spec.threshold_metrics]
        return "<br>".join(found) or "none"

    rows = ["| rule type | parameters | metrics Glue reports | row-level results | where | with threshold"
            " | dynamic | local evaluation |",
            "|---|---|---|---|---|---|---|---|"]
    for spec in RULE_TYPES.values():
        kind = "" if spec.rule else " (analyzer only)"
        rows.append(f"| [{spec.name}]({spec.url}){kind} | {params(spec)} | {metrics(spec)} | {spec.row_level}"
                    f" | {yes(spec.where)} | {yes(spec.threshold)} | {yes(spec.dynamic)}"
                    f" | **{spec.local.status}**: {spec.local.how} |")
    return "\n".join(rows) + "\n"
