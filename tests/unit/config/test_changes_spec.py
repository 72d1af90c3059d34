"""The ``changes:`` section: DMS file layout and contract validation (no Spark)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lakehouse.config.changes_spec import ChangesSpec
from lakehouse.config.models import DatasetConfig


def _contract(**changes) -> dict:
    return {"name": "items", "source": {"format": "csv", "path": "dms/items"},
            "schema": [{"name": "id", "type": "int"}, {"name": "qty", "type": "int"},
                       {"name": "changed_at", "type": "timestamp"}],
            "primary_key": ["id"], "changes": changes}


def test_dms_layout_puts_op_then_timestamp_then_the_table_columns() -> None:
    spec = ChangesSpec(timestamp_column="changed_at")
    data = ["id", "qty", "changed_at"]
    assert spec.csv_columns("dms/items/20261207-101500123.csv", data, "changed_at") == [
        "Op", "changed_at", "id", "qty"]
    assert spec.csv_columns("dms/items/LOAD00000001.csv", data, "changed_at") == [
        "changed_at", "id", "qty"]
    assert spec.csv_columns("dms/items/LOAD0000000A.csv.gz", data, None) == data
    with_op = ChangesSpec(include_op_for_full_load=True)
    assert with_op.csv_columns("dms/items/LOAD00000001.csv", ["id"], None) == ["Op", "id"]


def test_ordering_defaults_to_the_commit_timestamp() -> None:
    assert ChangesSpec(timestamp_column="ts").ordering() == ["ts"]
    assert ChangesSpec(timestamp_column="ts", order_by=["seq"]).ordering() == ["seq"]
    assert ChangesSpec().ordering() == []


def test_a_valid_contract_loads() -> None:
    dataset = DatasetConfig.model_validate(_contract(mode="scd2", timestamp_column="changed_at",
                                                     untracked=["qty"]))
    assert dataset.changes is not None and dataset.changes.mode == "scd2"


@pytest.mark.parametrize(("changes", "message"), [
    ({"timestamp_column": "changed"}, "did you mean 'changed_at'"),
    ({"order_by": ["nope"]}, "changes.order_by: names column 'nope'"),
    ({"untracked": ["qty"]}, "mode: scd2 only"),
    ({"mode": "scd2", "untracked": ["id"]}, "must not name primary key columns"),
    ({"mode": "scd3"}, "scd1"),
    ({"modee": "scd2"}, "modee"),
])
def test_mistakes_are_named(changes: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DatasetConfig.model_validate(_contract(**changes))


def test_columns_the_table_adds_cannot_be_declared() -> None:
    doc = _contract(mode="scd2")
    doc["schema"].append({"name": "valid_from", "type": "timestamp"})
    with pytest.raises(ValidationError, match="valid_from"):
        DatasetConfig.model_validate(doc)


def test_snapshot_sources_read_csv_headers_and_dms_by_default_does_not() -> None:
    snapshot = DatasetConfig.model_validate(_contract(format="snapshot", mode="scd2")).changes
    assert snapshot is not None and snapshot.is_snapshot and not snapshot.headerless
    assert ChangesSpec().headerless and not ChangesSpec().is_snapshot
    assert not ChangesSpec(header=True).headerless
    with pytest.raises(ValidationError, match="format"):
        DatasetConfig.model_validate(_contract(format="debezium"))
