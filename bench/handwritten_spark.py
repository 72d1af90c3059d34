"""The demo pipeline written by hand in PySpark: what a user would write without the framework.

Same work as ``lakehouse run --stage all`` on conf/: read the landing CSVs as strings, add the
metadata columns, append to raw Delta (partitioned by ingest date), cast to the declared types
(rows that do not cast or break a quarantine rule go to a quarantine Delta table), keep the
latest row per key, write curated Delta partitioned by date, and write the enriched export as
Parquet. No bookmarks, catalog, quality results or Data Docs: those are framework extras.
Used by bench/pipeline.py; the functions return {stage: seconds} and {dataset: rows}.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml

# The row rules of conf/datasets/*.yaml with severity quarantine, written out as SQL.
QUARANTINE_RULES = {
    "flights": ["distance > 0", "month BETWEEN 1 AND 12", "origin IN ('EWR', 'JFK', 'LGA')",
                "carrier RLIKE '^[A-Z0-9]{2}$'", "length(dest) BETWEEN 3 AND 4",
                "sched_dep_time BETWEEN 0 AND 2359"],
    "weather": ["humid BETWEEN 0 AND 100", "temp BETWEEN -60 AND 130",
                "origin IN ('EWR', 'JFK', 'LGA')"],
    "planes": ["seats > 0", "engines BETWEEN 0 AND 8"],
    "airports": ["lat BETWEEN -90 AND 90", "lon BETWEEN -180 AND 180"],
}
DATASETS = ("airports", "planes", "weather", "flights")


def specs(conf_dir: Path) -> dict[str, dict]:
    """Column lists, keys and partitioning from the YAML (plain data, no framework code)."""
    return {name: yaml.safe_load((conf_dir / "datasets" / f"{name}.yaml").read_text())
            for name in DATASETS}


def with_metadata(df):
    """The raw zone's metadata columns on landing rows read as strings."""
    from pyspark.sql import functions as F

    cols = df.columns
    return (df.withColumn("_source_file", F.input_file_name())
            .withColumn("_ingest_run_id", F.lit("bench"))
            .withColumn("_ingested_at", F.current_timestamp())
            .withColumn("_record_hash", F.sha2(F.concat_ws("\u0001", *[
                F.coalesce(F.col(c), F.lit("\u0000")) for c in cols]), 256))
            .withColumn("_ingest_date", F.to_date("_ingested_at")))


def typed_and_flagged(raw, spec: dict, name: str):
    """Raw rows cast to the declared types, with ``_raw`` (as received) and ``_bad`` (a cast,
    a required value or a quarantine rule failed)."""
    from pyspark.sql import functions as F

    typed, errors = [], []
    for col in spec["schema"]:
        if col.get("expr"):
            continue
        src = F.col(col["name"])
        if col["type"] == "int":
            dec = f"try_cast(`{col['name']}` AS decimal(38,6))"
            value = F.expr(f"CASE WHEN {dec} = floor({dec}) THEN try_cast({dec} AS int) END")
        else:
            value = F.expr(f"try_cast(`{col['name']}` AS {col['type']})")
        present = src.isNotNull() & (F.trim(src) != "")
        typed.append(value.alias(col["name"]))
        errors.append(present & value.isNull())
        if col.get("nullable") is False:
            errors.append(~present)
    bad_cast = F.lit(False)
    for e in errors:
        bad_cast = bad_cast | e
    meta = ["_source_file", "_ingest_run_id", "_ingested_at", "_record_hash"]
    df = raw.select(*typed, *meta, F.struct(*[c for c in raw.columns if c not in meta
                                              and c != "_ingest_date"]).alias("_raw"),
                    bad_cast.alias("_bad_cast"))
    for col in spec["schema"]:
        if col.get("expr"):
            df = df.withColumn(col["name"], F.expr(f"try_cast(({col['expr']}) AS {col['type']})"))
    bad_rule = F.lit(False)
    for rule in QUARANTINE_RULES[name]:
        bad_rule = bad_rule | F.coalesce(~F.expr(rule), F.lit(False))
    return df.withColumn("_bad", F.col("_bad_cast") | (~F.col("_bad_cast") & bad_rule))


def export_enriched(spark, conf_dir: Path, lake: Path) -> float:
    """The flights_enriched export's SQL over the curated tables, to Parquet; its seconds."""
    start = time.perf_counter()
    export = yaml.safe_load((conf_dir / "exports" / "flights_enriched.yaml").read_text())
    for name in export["inputs"]:
        spark.read.format("delta").load(str(lake / "curated" / name)).createOrReplaceTempView(name)
    spark.sql(export["sql"]).write.mode("overwrite").partitionBy(*export["partition_by"]) \
        .parquet(str(lake / "exportable" / export["name"]))
    return time.perf_counter() - start


def run(spark, conf_dir: Path, landing: Path, lake: Path) -> tuple[dict[str, float], dict]:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    conf = specs(conf_dir)
    times: dict[str, float] = {}
    rows: dict[str, int] = {}

    start = time.perf_counter()
    for name in DATASETS:
        df = with_metadata(spark.read.csv(str(landing / name), header=True, inferSchema=False))
        df.write.format("delta").mode("append").partitionBy("_ingest_date") \
            .save(str(lake / "raw" / name))
    times["ingest"] = time.perf_counter() - start

    start = time.perf_counter()
    for name in DATASETS:
        spec = conf[name]
        raw = spark.read.format("delta").load(str(lake / "raw" / name))
        df = typed_and_flagged(raw, spec, name).persist()
        df.where("_bad").select("_raw.*", "_source_file", "_ingested_at").write \
            .format("delta").mode("append").save(str(lake / "quarantine" / name))
        keys = spec["primary_key"]
        order = [F.col(c).desc() for c in spec.get("dedup_order", ["_ingested_at"])]
        latest = (df.where(~F.col("_bad"))
                  .withColumn("_rn", F.row_number().over(Window.partitionBy(*keys).orderBy(*order)))
                  .where("_rn = 1").drop("_rn", "_raw", "_bad", "_bad_cast"))
        parts = spec.get("partition_by") or []
        writer = (latest.repartition(*parts) if parts else latest.coalesce(1)).write \
            .format("delta").mode("overwrite")
        if parts:
            writer = writer.partitionBy(*parts)
        writer.save(str(lake / "curated" / name))
        df.unpersist()
    times["curate"] = time.perf_counter() - start

    times["export"] = export_enriched(spark, conf_dir, lake)
    for name in DATASETS:
        rows[name] = spark.read.format("delta").load(str(lake / "curated" / name)).count()
    return times, rows
