"""The daily increment written by hand in PySpark: what a user would write without the framework.

The same work as bench/handwritten_spark.py (same casts, rules, dedup and export SQL), for the
landing files a scheduler hands it (the user's job knows which files are new): append them to
raw Delta, cast and split into quarantine / passing rows, keep the latest row per key in the
batch, MERGE into curated Delta by key (the condition names the batch's partitions, so Delta
prunes the target), and overwrite only the export partitions whose dates the batch touched
(Spark's dynamic partition overwrite). No bookmarks, catalog, gates or versions.
Used by bench/incremental.py; returns {stage: seconds}.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from handwritten_spark import specs, typed_and_flagged, with_metadata


def run(spark, conf_dir: Path, new_files: dict[str, list[Path]], lake: Path) -> dict[str, float]:
    from delta.tables import DeltaTable
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    conf = specs(conf_dir)
    times = {"ingest": 0.0, "curate": 0.0, "export": 0.0}
    touched: dict[str, list] = {}
    for name, paths in new_files.items():
        if not paths:
            continue
        start = time.perf_counter()
        batch = with_metadata(spark.read.csv([str(p) for p in paths], header=True,
                                             inferSchema=False)).persist()
        batch.write.format("delta").mode("append").partitionBy("_ingest_date") \
            .save(str(lake / "raw" / name))
        times["ingest"] += time.perf_counter() - start

        start = time.perf_counter()
        spec = conf[name]
        df = typed_and_flagged(batch.drop("_ingest_date"), spec, name).persist()
        df.where("_bad").select("_raw.*", "_source_file", "_ingested_at").write \
            .format("delta").mode("append").save(str(lake / "quarantine" / name))
        keys = spec["primary_key"]
        order = [F.col(c).desc() for c in spec.get("dedup_order", ["_ingested_at"])]
        latest = (df.where(~F.col("_bad"))
                  .withColumn("_rn", F.row_number().over(Window.partitionBy(*keys).orderBy(*order)))
                  .where("_rn = 1").drop("_rn", "_raw", "_bad", "_bad_cast")).persist()
        parts = spec.get("partition_by") or []
        condition = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
        if parts:  # name the batch's partitions, so the merge reads only those files
            values = [r[0] for r in latest.select(*parts[:1]).distinct().collect()]
            touched[name] = values
            listed = ", ".join(f"'{v}'" for v in values if v is not None)
            if listed:
                condition += f" AND t.`{parts[0]}` IN ({listed})"
        (DeltaTable.forPath(spark, str(lake / "curated" / name)).alias("t")
         .merge(latest.alias("s"), condition)
         .whenMatchedUpdateAll().whenNotMatchedInsertAll().execute())
        latest.unpersist()
        df.unpersist()
        batch.unpersist()
        times["curate"] += time.perf_counter() - start

    start = time.perf_counter()
    export = yaml.safe_load((conf_dir / "exports" / "flights_enriched.yaml").read_text())
    dates = touched.get("flights")
    if dates:  # the export's rows of the touched dates only, written over those partitions
        for name in export["inputs"]:
            frame = spark.read.format("delta").load(str(lake / "curated" / name))
            if name == "flights":
                frame = frame.where(F.col("flight_date").isin(dates))
            frame.createOrReplaceTempView(name)
        spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
        try:
            spark.sql(export["sql"]).repartition(*export["partition_by"]).write.mode("overwrite") \
                .partitionBy(*export["partition_by"]) \
                .parquet(str(lake / "exportable" / export["name"]))
        finally:
            spark.conf.unset("spark.sql.sources.partitionOverwriteMode")
    times["export"] = time.perf_counter() - start
    return times
