"""Two processes writing the embedded catalog at the same time (SQLite WAL + busy timeout)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from lakehouse.catalog.local import LocalCatalog

pytestmark = pytest.mark.integration

WORKER = textwrap.dedent("""
    import sys
    from lakehouse.catalog import Column, Database, Partition, StorageDescriptor, Table
    from lakehouse.catalog.local import LocalCatalog
    from lakehouse.errors import AlreadyExistsError

    path, worker = sys.argv[1], sys.argv[2]
    cat = LocalCatalog(path)
    cat.ensure_database(Database("shared"))           # both race to create it
    keys = (Column("n", "int"),)
    for i in range(25):
        name = f"t_{worker}_{i}"
        cols = (Column("a", "int"),)
        cat.create_table(Table("shared", name, StorageDescriptor(cols, f"file:///x/{name}"), keys))
        cat.update_table(Table("shared", name, StorageDescriptor(
            (*cols, Column("b", "string")), f"file:///x/{name}"), keys))
        parts = [Partition("shared", name, (str(n),)) for n in range(10)]
        assert cat.batch_create_partitions("shared", name, parts) == []
        # both workers also fight over one common table
        try:
            cat.create_table(Table("shared", "common", StorageDescriptor(cols, "file:///c"), keys))
        except AlreadyExistsError:
            pass
        cat.batch_create_partitions("shared", "common", [Partition("shared", "common", (f"{worker}{i}",))])
    print("ok")
""")


def test_two_processes_write_at_once(tmp_path):
    db = tmp_path / "_catalog" / "catalog.db"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(db), w],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in ("a", "b")]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
    cat = LocalCatalog(db)
    names = {t.name for t in cat.iter_tables("shared")}
    assert len(names) == 51
    for w in ("a", "b"):
        table = cat.get_table("shared", f"t_{w}_7")
        assert table.version_id == "2"
        assert len(list(cat.iter_partitions("shared", f"t_{w}_7"))) == 10
    common = {p.values[0] for p in cat.iter_partitions("shared", "common")}
    assert common == {f"{w}{i}" for w in "ab" for i in range(25)}
    mode = __import__("sqlite3").connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
