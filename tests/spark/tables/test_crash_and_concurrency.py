"""Portable backend under failure: a writer killed mid-write, and concurrent committers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from deltalake import DeltaTable

from lakehouse.tables import open_table
from lakehouse.testing.delta import read_delta

pytestmark = [pytest.mark.spark, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
WRITER = Path(__file__).with_name("writer_process.py")


def _run_writer(uri: str, op: str, first: int, count: int, fault: str | None = None):
    env = {**os.environ, "PYTHONPATH": str(REPO), "LAKEHOUSE_SPARK_MASTER": "local[1]"}
    env.pop("LAKEHOUSE_FAULT", None)
    env.pop("LAKEHOUSE_FAULT_MODE", None)
    if fault:
        env["LAKEHOUSE_FAULT"] = fault
    return subprocess.run([sys.executable, str(WRITER), uri, op, str(first), str(count)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def _data_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*.parquet")
            if "_delta_log" not in p.parts}


def test_writer_killed_before_commit_leaves_table_unchanged(spark, tmp_path):
    root = tmp_path / "crash"
    uri = root.as_uri()
    table = open_table(spark, uri, backend="portable")
    table.append(spark.range(0, 30).selectExpr(
        "id", "concat('n', id) as name", "cast(id % 3 as string) as part", "id as seq"),
        partition_by=["part"])
    committed_files = _data_files(root)

    crashed = _run_writer(uri, "append", 100, 300, fault="table.after_data_files")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    assert DeltaTable(str(root)).version() == 0            # nothing committed
    orphans = _data_files(root) - committed_files
    assert orphans, "the killed writer should have left data files behind"
    assert table.read().count() == 30                       # readers ignore orphans
    assert len(read_delta(str(root))) == 30

    rerun = _run_writer(uri, "append", 100, 300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "committed=True" in rerun.stdout
    ids = read_delta(str(root), columns=["id"]).column("id").to_pylist()
    assert len(ids) == 330 and len(set(ids)) == 330         # exact, no duplicates

    removed = table.vacuum(retention_hours=0)
    assert {u.split(root.as_uri() + "/", 1)[1] for u in removed} >= orphans
    assert not (_data_files(root) & orphans)
    assert table.read().count() == 330


def test_merge_killed_before_commit_then_rerun(spark, tmp_path):
    root = tmp_path / "crash-merge"
    uri = root.as_uri()
    table = open_table(spark, uri, backend="portable")
    table.merge(spark.range(0, 20).selectExpr(
        "id", "'old' as name", "cast(id % 3 as string) as part", "cast(-1 as long) as seq"),
        keys=["id"], order_by=["seq"], partition_by=["part"])
    crashed = _run_writer(uri, "merge", 10, 20, fault="table.after_data_files")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    assert table.version() == 0
    assert table.read().where("name = 'old'").count() == 20
    rerun = _run_writer(uri, "merge", 10, 20)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    rows = {r["id"]: r["name"] for r in table.read().collect()}
    assert len(rows) == 30
    assert all(rows[i] == "old" for i in range(10))
    assert all(rows[i] == f"n{i}" for i in range(10, 30))


def test_concurrent_writers_serialize_commits(spark, tmp_path):
    uri = (tmp_path / "concurrent").as_uri()
    table = open_table(spark, uri, backend="portable")
    table.create(spark.range(0).selectExpr("id", "cast(id as string) as name").schema)
    errors: list[BaseException] = []

    def writer(first: int) -> None:
        try:
            mine = open_table(spark, uri, backend="portable")
            for batch in range(3):
                start = first + batch * 10
                mine.append(spark.range(start, start + 10).selectExpr(
                    "id", "cast(id as string) as name"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n * 1000,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    dt = DeltaTable(str(tmp_path / "concurrent"))
    assert dt.version() == 9                                # 1 create + 9 appends, in order
    assert [h["version"] for h in dt.history()] == list(range(9, -1, -1))
    ids = dt.to_pyarrow_dataset().to_table(columns=["id"]).column("id").to_pylist()
    assert len(ids) == 90 and len(set(ids)) == 90


def test_concurrent_process_and_thread_merges(spark, tmp_path):
    root = tmp_path / "mixed"
    uri = root.as_uri()
    table = open_table(spark, uri, backend="portable")
    table.append(spark.range(0, 6).selectExpr(
        "id", "'seed' as name", "cast(id % 3 as string) as part", "cast(-1 as long) as seq"),
        partition_by=["part"])
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), uri, "append", "1000", "50"],
        env={**os.environ, "PYTHONPATH": str(REPO), "LAKEHOUSE_SPARK_MASTER": "local[1]"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for i in range(3):
        table.merge(spark.range(i * 2, i * 2 + 4).selectExpr(
            "id", f"'m{i}' as name", "cast(id % 3 as string) as part", f"cast({i} as long) as seq"),
            keys=["id"], order_by=["seq"])
    out, err = proc.communicate(timeout=300)
    assert "committed=True" in out, out
    assert proc.returncode == 0, err[-2000:]
    dt = DeltaTable(str(root))
    assert dt.version() == 4
    rows = {r["id"]: r["name"] for r in dt.to_pyarrow_dataset().to_table().to_pylist()}
    assert len(rows) == 6 + 2 + 50
    assert rows[0] == "m0" and rows[3] == "m1" and rows[7] == "m2"
