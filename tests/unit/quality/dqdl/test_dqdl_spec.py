"""The rule type table covers the reference, matches its docs page, and the package stays Spark-free."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import resources
from pathlib import Path

from lakehouse.quality.dqdl.spec import RULE_TYPES, markdown_table

REPO = Path(__file__).resolve().parents[4]
# The rule type pages listed in the contents of the DQDL reference (dqdl.html).
REFERENCE_PAGES = [
    "AggregateMatch", "ColumnCorrelation", "ColumnCount", "ColumnDataType", "ColumnExists", "ColumnLength",
    "ColumnNamesMatchPattern", "ColumnValues", "Completeness", "CustomSql", "DataFreshness", "DatasetMatch",
    "DistinctValuesCount", "Distribution", "Entropy", "IsComplete", "IsPrimaryKey", "IsUnique", "Mean",
    "ReferentialIntegrity", "RowCount", "RowCountMatch", "StandardDeviation", "Sum", "SchemaMatch",
    "Uniqueness", "UniqueValueRatio", "DetectAnomalies", "FileFreshness", "FileMatch", "FileUniqueness",
    "FileSize",
]


def test_every_rule_type_page_has_a_spec_with_its_page() -> None:
    for name in REFERENCE_PAGES:
        assert RULE_TYPES[name].url == f"https://docs.aws.amazon.com/glue/latest/dg/dqdl-rule-types-{name}.html"
    assert set(RULE_TYPES) - set(REFERENCE_PAGES) == {"AllStatistics", "Variance"}


def test_specs_are_consistent() -> None:
    for spec in RULE_TYPES.values():
        assert spec.rule or spec.analyzer, spec.name
        assert max(spec.arities) <= len(spec.params), spec.name
        assert spec.local.status in ("supported", "approximate", "unsupported") and spec.local.how
        assert spec.metrics or spec.name == "ColumnExists", spec.name
        assert ("boolean" in spec.returns) == (spec.name in {
            "ColumnExists", "ColumnNamesMatchPattern", "IsComplete", "IsPrimaryKey", "IsUnique",
            "CustomSql", "DetectAnomalies", "FileMatch"}), spec.name
    # the two forms the issue names, under Glue's exact metric names
    assert RULE_TYPES["Completeness"].metrics == ("Column.{column}.Completeness",)
    assert RULE_TYPES["RowCount"].metrics == ("Dataset.*.RowCount",)


def test_docs_page_shows_the_table_of_the_code() -> None:
    page = (REPO / "docs" / "quality-dqdl.md").read_text()
    assert markdown_table() in page, "regenerate the table: lakehouse.quality.dqdl.spec.markdown_table()"


def test_grammar_ships_as_package_data() -> None:
    grammar = resources.files("lakehouse.quality.dqdl").joinpath("dqdl.lark")
    assert grammar.is_file() and "rules_section" in grammar.read_text()
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "dqdl.lark" in data["lakehouse.quality.dqdl"]


def test_the_package_imports_and_parses_without_pyspark() -> None:
    code = ("import sys; sys.modules['pyspark'] = None; sys.modules['delta'] = None\n"
            "from lakehouse.quality.dqdl import parse, to_dqdl\n"
            "from lakehouse.quality.dqdl.validate import validate\n"
            "r = parse('Rules = [ IsComplete \"a\" ]'); assert validate(r, columns=['a']) == []\n"
            "assert 'pyspark.sql' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_local_column_says_unsupported_exactly_for_the_refused_types() -> None:
    from lakehouse.quality.dqdl.compile import UNSUPPORTED

    refused = {name for name, spec in RULE_TYPES.items() if spec.local.status == "unsupported"}
    assert refused == set(UNSUPPORTED)
