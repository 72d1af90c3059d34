"""The simplest PySpark job a user would write for the demo pipeline, run as its own process.

    .venv/bin/python bench/handwritten_simple.py LANDING LAKE [--conf-dir conf]

What a data engineer writes on a first day with delta-spark, nothing tuned: a plain
``SparkSession.builder`` (conf/lake.yaml's master, shuffle partitions and driver memory, the
Delta extensions; no JVM flags, no snapshot settings), read each dataset's landing CSVs as
strings, add ``_source_file`` and ``_ingested_at``, overwrite raw Delta; ``CAST`` each column
to its declared type, send the rows whose cast or required value or quarantine rule
(bench/handwritten_spark.py's QUARANTINE_RULES) fails to a quarantine Delta table, keep the
latest row per key (``row_number`` over the key by ``_ingested_at``), overwrite curated Delta
(``repartition`` + ``partitionBy`` the declared column); the export SQL of
conf/exports/flights_enriched.yaml overwrites its Parquet. No bookmarks, catalog, gates,
metrics, Data Docs, lineage or run records.

Prints one JSON line: the seconds of session start and of each stage, the total after the
session started, and the curated row counts. bench/simplest.py runs it against the framework.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from handwritten_spark import DATASETS, QUARANTINE_RULES, export_enriched, specs  # noqa: E402


def session(conf_dir: Path):
    """A plain SparkSession with the Delta extensions and the lake's master/memory settings."""
    from pyspark.sql import SparkSession

    sys.path.insert(0, str(HERE.parent))
    from lakehouse.spark.jars import resolve  # the same JAR files the framework loads

    spark_conf = yaml.safe_load((conf_dir / "lake.yaml").read_text()).get("spark", {})
    builder = (SparkSession.builder.appName("simplest")
               .master(spark_conf.get("master", "local[2]"))
               .config("spark.driver.memory", spark_conf.get("driver_memory", "4g"))
               .config("spark.sql.shuffle.partitions", str(spark_conf.get("shuffle_partitions", 4)))
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
               .config("spark.sql.catalog.spark_catalog",
                       "org.apache.spark.sql.delta.catalog.DeltaCatalog")
               .config("spark.jars", ",".join(resolve().jars)))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def typed(raw, spec: dict):
    """Raw rows cast to the declared types with ``_bad`` (a cast, required value or rule failed)."""
    from pyspark.sql import functions as F

    cols, bad = [], []
    for col in spec["schema"]:
        if col.get("expr"):
            continue
        name = col["name"]
        value = F.col(name).cast(col["type"])
        cols.append(value.alias(name))
        bad.append(F.col(name).isNotNull() & value.isNull())
        if col.get("nullable") is False:
            bad.append(F.col(name).isNull())
    df = raw.select(*cols, "_source_file", "_ingested_at",
                    F.greatest(*[F.coalesce(b, F.lit(False)) for b in bad]).alias("_bad"))
    for col in spec["schema"]:
        if col.get("expr"):
            df = df.withColumn(col["name"], F.expr(col["expr"]).cast(col["type"]))
    rules = " AND ".join(f"coalesce({r}, true)" for r in QUARANTINE_RULES[spec["name"]])
    return df.withColumn("_bad", F.col("_bad") | ~F.expr(rules))


def run(spark, conf_dir: Path, landing: Path, lake: Path) -> tuple[dict[str, float], dict]:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    conf = specs(conf_dir)
    times: dict[str, float] = {}
    start = time.perf_counter()
    for name in DATASETS:
        (spark.read.csv(str(landing / name), header=True)
         .withColumn("_source_file", F.input_file_name())
         .withColumn("_ingested_at", F.current_timestamp())
         .write.format("delta").mode("overwrite").save(str(lake / "raw" / name)))
    times["ingest"] = time.perf_counter() - start

    start = time.perf_counter()
    for name in DATASETS:
        spec = conf[name]
        # cached: two filters over the uncached plan sent Catalyst's constraint inference
        # into minutes of planning and a 4 GB heap out of memory
        df = typed(spark.read.format("delta").load(str(lake / "raw" / name)), spec).cache()
        df.where("_bad").write.format("delta").mode("overwrite").save(
            str(lake / "quarantine" / name))
        latest = (df.where("NOT _bad")
                  .withColumn("_rn", F.row_number().over(
                      Window.partitionBy(*spec["primary_key"]).orderBy(F.desc("_ingested_at"))))
                  .where("_rn = 1").drop("_rn", "_bad"))
        parts = spec.get("partition_by") or []
        writer = (latest.repartition(*parts) if parts else latest).write.format("delta") \
            .mode("overwrite")
        if parts:
            writer = writer.partitionBy(*parts)
        writer.save(str(lake / "curated" / name))
        df.unpersist()
    times["curate"] = time.perf_counter() - start

    times["export"] = export_enriched(spark, conf_dir, lake)
    rows = {name: spark.read.format("delta").load(str(lake / "curated" / name)).count()
            for name in DATASETS}
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path, help="landing folder (one sub-folder per dataset)")
    parser.add_argument("lake", type=Path, help="output folder (raw/, curated/, ...)")
    parser.add_argument("--conf-dir", type=Path, default=HERE.parent / "conf")
    args = parser.parse_args()
    start = time.perf_counter()
    spark = session(args.conf_dir)
    started = time.perf_counter()
    times, rows = run(spark, args.conf_dir, args.landing, args.lake)
    print(json.dumps({"session": started - start, **times,
                      "total": time.perf_counter() - started, "rows": rows}))
    spark.stop()


if __name__ == "__main__":
    main()
