"""The Spark-free half of erasure: the request (``--where`` / ``--keys``) and the report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lakehouse.config.models import DatasetConfig
from lakehouse.erase.audit import ErasureReport, ExportRepublished, TableErasure
from lakehouse.erase.request import keys_predicate, parse_keys, predicate_hash, request_for
from lakehouse.errors import InvalidArgumentError, LakehouseError


def _dataset(key: list[str]) -> DatasetConfig:
    return DatasetConfig.model_validate({
        "name": "orders", "source": {"format": "csv", "path": "orders"},
        "schema": [{"name": "customer_id", "type": "bigint"}, {"name": "order_no", "type": "string"},
                   {"name": "day", "type": "date"}],
        "primary_key": key})


def test_plain_key_list_becomes_typed_in_list() -> None:
    spec = _dataset(["customer_id"])
    rows = parse_keys(spec, "42\n\n7\n42\n", source="k.txt")
    assert rows == [("42",), ("7",)]
    assert keys_predicate(spec, rows) == "`customer_id` IN (42, 7)"


def test_composite_key_needs_a_header_and_quotes_strings() -> None:
    spec = _dataset(["customer_id", "order_no"])
    rows = parse_keys(spec, "order_no,customer_id\n\"A'1, x\",42\n", source="k.csv")
    assert keys_predicate(spec, rows) == "(`customer_id`, `order_no`) IN ((42, 'A\\'1, x'))"
    with pytest.raises(LakehouseError, match=r"k.csv: the first line must be a CSV header"):
        parse_keys(spec, "42,A1\n", source="k.csv")
    with pytest.raises(LakehouseError, match=r"k.csv, line 2: expected 2 value\(s\), found 1"):
        parse_keys(spec, "customer_id,order_no\n42\n", source="k.csv")


def test_key_values_are_checked_against_the_declared_type() -> None:
    spec = _dataset(["customer_id"])
    with pytest.raises(LakehouseError, match=r"k.txt, line 2: 'x1' is not a number"):
        parse_keys(spec, "1\nx1\n", source="k.txt")
    with pytest.raises(LakehouseError, match="holds no key values"):
        parse_keys(spec, "\n \n", source="k.txt")
    date_key = _dataset(["day"])
    assert keys_predicate(date_key, [("2024-01-01",)]) == "`day` IN (CAST('2024-01-01' AS DATE))"


def test_request_needs_a_known_dataset_and_one_selector(tmp_path) -> None:
    from lakehouse.testing.project import trips_project

    project = trips_project(tmp_path)
    with pytest.raises(InvalidArgumentError, match="no dataset named 'trip'") as err:
        request_for(project, "trip", where="id = 1")
    assert "did you mean 'trips'" in str(err.value)
    with pytest.raises(LakehouseError, match="exactly one of --where and --keys"):
        request_for(project, "trips", where="id = 1", keys_text="1\n")
    by_keys = request_for(project, "trips", keys_text="3\n1\n")
    assert (by_keys.predicate, by_keys.keys, by_keys.given_as) == ("`id` IN (1, 3)", 2, "keys")
    assert by_keys.predicate_sha256 == predicate_hash("`id`  IN (1, 3)")


def test_report_json_holds_no_predicate_and_render_says_dry_run() -> None:
    report = ErasureReport("orders", predicate_hash("customer_id = 42"), "where", True, 0.0)
    report.tables = [TableErasure("raw", "file:///l/raw/orders", rows_matched=3, version_before=4)]
    report.exports = [ExportRepublished("daily", "would republish")]
    data = json.loads(report.to_json())
    assert "42" not in json.dumps({k: v for k, v in data.items() if k != "predicate_sha256"})
    assert data["rows_matched"] == 3 and not report.complete
    text = report.render()
    assert "DRY RUN, nothing written" in text and "would remove 3 row(s)" in text
    assert "export daily: would republish" in text


def test_request_and_audit_import_without_spark() -> None:
    code = ("import sys, lakehouse.erase, lakehouse.erase.request, lakehouse.erase.audit; "
            "assert 'pyspark' not in sys.modules, 'pyspark imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
