"""Benchmark: Delta writes (portable, and native delta-spark where its JARs load) vs plain
Spark Parquet writes of the same data.

    .venv/bin/python bench/bench_tables.py [--rows 3000000] [--merge-rows 600000] [--days 30]

Runs in one local SparkSession (``LAKEHOUSE_SPARK_MASTER`` or local[2]) and prints a table of
wall-clock seconds and ratios:
  append   : 3M synthetic rows, partitioned by day - Spark ``parquet`` vs each backend's ``append``
             (interleaved, each twice; the faster run counts)
  merge    : a batch (half updates of existing keys, half new keys) - plain Spark Parquet
             write of the batch, a plain-Parquet "merge" (read all + dedupe + rewrite), and
             each backend's ``merge`` (portable: copy-on-write of touched files + one commit;
             native: delta-spark MERGE)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(label: str, results: list, fn):
    start = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - start
    results.append((label, secs))
    print(f"  {label:<44} {secs:8.2f}s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--merge-rows", type=int, default=600_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()

    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from lakehouse.config.models import SparkSection
    from lakehouse.spark.session import local_session
    from lakehouse.tables import open_table

    spark = local_session(SparkSection(master="local[2]", shuffle_partitions=8,
                                       driver_memory="4g"), app_name="bench-tables")
    work = Path(tempfile.mkdtemp(prefix="bench-tables-"))
    gen = ("id", f"date_add(DATE'2024-01-01', cast(id % {args.days} as int)) as day",
           "timestamp_seconds(1704067200 + id) as ts", "concat('name-', id % 1000) as name",
           "rand(7) * 100 as amount", "cast(id % 97 as int) as bucket")
    base = spark.range(args.rows).selectExpr(*gen).persist(StorageLevel.MEMORY_AND_DISK)
    half = args.merge_rows // 2
    batch = (spark.range(args.rows - half, args.rows + half).selectExpr(*gen)
             .withColumn("ts", F.col("ts") + F.expr("INTERVAL 1 DAY"))
             .persist(StorageLevel.MEMORY_AND_DISK))
    print(f"rows={base.count():,} merge batch={batch.count():,} days={args.days} "
          f"master={spark.sparkContext.master}")
    from lakehouse.spark.delta import delta_support

    backends = ["portable"] + (["native"] if delta_support(spark).available else [])
    if "native" not in backends:
        print(f"native column skipped: {delta_support(spark).reason}")
    results: list[tuple[str, float]] = []
    try:
        warm = base.limit(50_000)            # JIT/class loading out of the timings
        warm.write.partitionBy("day").parquet(str(work / "warm-plain"))
        for name in backends:
            open_table(spark, str(work / f"warm-{name}"), backend=name).append(
                warm, partition_by=["day"])
        print("append (interleaved twice; the table keeps the faster run)")
        tables = {}
        for run in (1, 2):
            _timed("spark parquet write (partitioned)", results, lambda run=run: base.write
                   .partitionBy("day").parquet(str(work / f"plain{run}")))
            for name in backends:
                table = open_table(spark, str(work / f"{name}{run}"), backend=name)
                _timed(f"{name} delta append", results,
                       lambda table=table: table.append(base, partition_by=["day"]))
                tables[name] = table
        base.unpersist()                     # free the cache for the merge variants
        print("merge")
        _timed("spark parquet write of the batch", results, lambda: batch.write
               .partitionBy("day").parquet(str(work / "plain-batch")))

        def plain_merge():
            old = spark.read.parquet(str(work / "plain2"))
            both = old.unionByName(batch)
            w = Window.partitionBy("id").orderBy(F.col("ts").desc())
            (both.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")
             .write.partitionBy("day").parquet(str(work / "plain-merged")))

        _timed("spark parquet full rewrite merge", results, plain_merge)
        for name, table in tables.items():
            merged = _timed(f"{name} delta merge", results,
                            lambda table=table: table.merge(batch, keys=["id"], order_by=["ts"]))
            print(f"  {name}: inserted={merged.rows_inserted:,} updated={merged.rows_updated:,}"
                  f" files_removed={merged.files_removed} files_added={merged.files_added}")
            assert table.read().count() == args.rows + half

        print("merge into 3 of the partitions (key includes day)")
        few = (batch.where(f"id % {args.days} < 3").persist(StorageLevel.MEMORY_AND_DISK))
        few.count()

        def plain_partition_merge():
            days = [r["day"] for r in few.select("day").distinct().collect()]
            old = spark.read.parquet(str(work / "plain2")).where(F.col("day").isin(days))
            w = Window.partitionBy("day", "id").orderBy(F.col("ts").desc())
            (old.unionByName(few).withColumn("_rn", F.row_number().over(w)).where("_rn = 1")
             .drop("_rn").write.mode("overwrite").option("partitionOverwriteMode", "dynamic")
             .partitionBy("day").parquet(str(work / "plain2-copy")))

        _timed("spark parquet partition-overwrite merge", results, plain_partition_merge)
        for name, table in tables.items():
            pruned = _timed(f"{name} delta merge, pruned", results,
                            lambda table=table: table.merge(few, keys=["day", "id"], order_by=["ts"]))
            print(f"  {name}: updated={pruned.rows_updated:,} files_removed="
                  f"{pruned.files_removed} files_added={pruned.files_added}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        spark.stop()
    _report(results, backends)


def _report(results: list[tuple[str, float]], backends: list[str]) -> None:
    secs: dict[str, float] = {}
    for label, value in results:
        secs[label] = min(value, secs.get(label, value))
    rows = [
        ("append", "spark parquet write (partitioned)", "{} delta append"),
        ("merge vs batch write", "spark parquet write of the batch", "{} delta merge"),
        ("merge vs full rewrite", "spark parquet full rewrite merge", "{} delta merge"),
        ("3-partition merge vs partition overwrite", "spark parquet partition-overwrite merge",
         "{} delta merge, pruned"),
    ]
    head = "".join(f" {b} s | {b} ratio |" for b in backends)
    print(f"\n| case | baseline s |{head}\n|---|---:|" + "---:|---:|" * len(backends))
    for case, base, ours in rows:
        cells = "".join(f" {secs[ours.format(b)]:.2f} | {secs[ours.format(b)] / secs[base]:.2f}x |"
                        for b in backends)
        print(f"| {case} | {secs[base]:.2f} |{cells}")


if __name__ == "__main__":
    main()
