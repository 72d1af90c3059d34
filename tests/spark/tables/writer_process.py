"""A tiny separate writer process for crash and cross-process tests.

Usage: python writer_process.py <table_uri> <op: append|merge> <first_id> <count>
Set LAKEHOUSE_FAULT=table.after_data_files to SIGKILL it between the data write and the
commit (lakehouse/failpoints.py).
"""

from __future__ import annotations

import sys
import tempfile


def main() -> None:
    uri, op, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    from lakehouse.tables import open_table
    from lakehouse.testing.spark import test_session

    spark = test_session(tempfile.mkdtemp(prefix="lh-writer-"))
    df = spark.range(first, first + count).selectExpr(
        "id", "concat('n', id) as name", "cast(id % 3 as string) as part", "id as seq")
    table = open_table(spark, uri, backend="portable")
    if op == "append":
        result = table.append(df, partition_by=["part"], idempotency_key=f"load-{first}")
    else:
        result = table.merge(df, keys=["id"], order_by=["seq"], partition_by=["part"])
    print(f"RESULT version={result.version} committed={result.committed}", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
