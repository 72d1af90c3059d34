"""How long an unchanged ``sync_table`` takes (what every stage pays after a no-op write).

    .venv/bin/python bench/catalog_sync.py [PARTITIONS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from lakehouse.catalog.sync import sync_table
from lakehouse.config import load_project


def main(partitions: int = 365) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "conf"
        conf.mkdir()
        (conf / "lake.yaml").write_text("project: bench\nlake:\n  root: ./lake\n")
        project = load_project(conf)
        cols = [(f"c{i}", "double") for i in range(30)] + [("day", "int")]
        parts = [{"day": str(d)} for d in range(partitions)]
        kwargs = dict(zone="exportable", name="t", location=project.table_uri("exportable", "t"),
                      table_format="parquet", columns=cols, partition_keys=[("day", "int")],
                      partitions=parts)
        start = time.perf_counter()
        sync_table(project, **kwargs)
        first = time.perf_counter() - start
        runs = 20
        start = time.perf_counter()
        for _ in range(runs):
            sync_table(project, **kwargs)
        again = (time.perf_counter() - start) / runs
        print(f"{partitions} partitions: first sync {first * 1000:.1f} ms, "
              f"unchanged sync {again * 1000:.1f} ms (mean of {runs})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 365)
