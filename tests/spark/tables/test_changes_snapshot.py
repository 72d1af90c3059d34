"""Issue 27: changes from full snapshots (``changes.format: snapshot``), SCD1 and SCD2, on
both Delta paths (the ``backend`` fixture); tables read with deltalake and compared with a
plain-Python expectation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lakehouse.config.models import DatasetConfig
from lakehouse.stages import changes as cdc
from lakehouse.stages.snapshot import apply_snapshot
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta

pytestmark = pytest.mark.spark

BASE = datetime(2026, 12, 1, 6, 0, 0, tzinfo=UTC)   # deltalake reads timestamps as UTC
S0 = {1: 0, 9: 9}                       # an older snapshot, delivered late
S1 = {1: 1, 2: 2, 3: 3}
S2 = {1: 1, 2: 20, 4: 4}                # 1 same, 2 updated, 3 deleted, 4 inserted


def _dataset(mode: str) -> DatasetConfig:
    return DatasetConfig.model_validate({
        "name": "things",
        "source": {"format": "csv", "path": "things"},
        "schema": [{"name": "id", "type": "int", "nullable": False},
                   {"name": "v", "type": "int"},
                   {"name": "extracted_at", "type": "timestamp"}],
        "primary_key": ["id"],
        "changes": {"format": "snapshot", "mode": mode, "timestamp_column": "extracted_at"}})


def _frame(spark, snapshots: list[tuple[int, dict[int, int]]]):
    """Conformed rows (as curate sees them) of snapshot files ``(day, {id: v})``."""
    from pyspark.sql.types import (
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    rows = []
    for day, state in snapshots:
        name = f"s3://landing/things/things_202612{day:02d}.csv"
        at = BASE + timedelta(days=day)
        rows += [(k, v, at, name, n, at + timedelta(hours=1), ("x",))
                 for n, (k, v) in enumerate(state.items())]
    schema = StructType([
        StructField("id", IntegerType()), StructField("v", IntegerType()),
        StructField("extracted_at", TimestampType()),
        StructField("_source_file", StringType()), StructField("_source_row", LongType()),
        StructField("_ingested_at", TimestampType()),
        StructField("_raw", StructType([StructField("x", StringType())]))])
    return spark.createDataFrame(rows, schema)


def _run(spark, backend: str, root: Path, mode: str, snapshots, key: str):
    """Apply one curate batch of snapshot files; returns (counts, the table's version
    before, after)."""
    from lakehouse.tables import open_table

    dataset = _dataset(mode)
    curated = open_table(spark, str(root / "things"), backend=backend)
    tombs = open_table(spark, cdc.tombstones_uri(str(root / "things")), backend=backend)
    before = curated.version() if curated.exists() else None
    rows = cdc.change_rows(_frame(spark, snapshots), dataset)
    counts = apply_snapshot(rows, dataset, curated, tombs, idempotency_key=key)
    read = sum(len(state) for _, state in snapshots)
    assert counts.written + counts.ignored + counts.superseded == read   # balances
    return counts, before, curated.version()


def _rows(root: Path) -> list[dict]:
    return read_delta(local_path(str(root / "things"))).to_pylist()


def test_scd1_snapshot_then_changes_then_replay(spark, backend, tmp_path) -> None:
    # two snapshots in one batch: the newest is applied, the older one superseded
    counts, _, _ = _run(spark, backend, tmp_path, "scd1", [(1, S1), (0, S0)], "r1")
    assert (counts.inserted, counts.superseded, counts.ignored) == (len(S1), len(S0), 0)
    assert {r["id"]: r["v"] for r in _rows(tmp_path)} == S1
    counts, _, _ = _run(spark, backend, tmp_path, "scd1", [(2, S2)], "r2")
    assert (counts.inserted, counts.updated, counts.deleted, counts.ignored) == (1, 1, 1, 1)
    assert counts.derived == 1 and counts.written == 2
    assert {r["id"]: r["v"] for r in _rows(tmp_path)} == S2
    for key, late in (("r3", (2, S2)), ("r4", (0, S0))):   # replay; older snapshot late
        counts, before, after = _run(spark, backend, tmp_path, "scd1", [late], key)
        assert not counts.committed and after == before
        assert counts.applied == 0 and counts.ignored == len(late[1])
    assert {r["id"]: r["v"] for r in _rows(tmp_path)} == S2


def test_scd2_snapshot_closes_deleted_keys(spark, backend, tmp_path) -> None:
    _run(spark, backend, tmp_path, "scd2", [(1, S1)], "r1")
    counts, _, _ = _run(spark, backend, tmp_path, "scd2", [(2, S2)], "r2")
    assert (counts.inserted, counts.updated, counts.deleted, counts.ignored) == (2, 0, 1, 1)
    t1, t2 = BASE + timedelta(days=1), BASE + timedelta(days=2)
    expected = sorted([(1, 1, t1, None), (2, 2, t1, t2), (2, 20, t2, None), (3, 3, t1, t2),
                       (4, 4, t2, None)], key=lambda r: (r[0], r[2]))
    rows = _rows(tmp_path)
    got = sorted(((r["id"], r["v"], r["valid_from"], r["valid_to"]) for r in rows),
                 key=lambda r: (r[0], r[2]))
    assert got == expected
    assert all(r["is_current"] == (r["valid_to"] is None) for r in rows)
    counts, before, after = _run(spark, backend, tmp_path, "scd2", [(2, S2)], "r3")
    assert not counts.committed and after == before and counts.ignored == len(S2)
