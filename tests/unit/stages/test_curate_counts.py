"""Curate hands the merge its passing-row count only when conform has guarded every key."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lakehouse.config.models import DatasetConfig
from lakehouse.stages.curate import _passed_rows


def contract(key: list[str], *, derived_key_nullable: bool | None = None) -> DatasetConfig:
    schema = [{"name": "id", "type": "int"}, {"name": "day", "type": "date"}]
    if derived_key_nullable is not None:
        schema.append({"name": "code", "type": "string", "expr": "upper(cast(id AS string))",
                       "nullable": derived_key_nullable})
    return DatasetConfig.model_validate({
        "name": "things", "source": {"path": "things", "format": "csv"},
        "schema": schema, "primary_key": key})


SPLIT = SimpleNamespace(rows_in=10, quarantined_count=3)


@pytest.mark.parametrize("key, derived, expected", [
    (["id"], None, 7),                 # a declared key is required: null keys are quarantined
    (["id", "code"], False, 7),        # a derived key declared nullable: false is checked too
    (["id", "code"], True, None),      # a derived nullable key: conform does not check it
    (["_record_hash"], None, None),    # a metadata key: not a declared column
])
def test_passed_rows_only_when_keys_are_guarded(key, derived, expected) -> None:
    assert _passed_rows(contract(key, derived_key_nullable=derived), SPLIT) == expected
