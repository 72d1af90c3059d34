"""The demo pipeline in DuckDB SQL: the small-data reference for bench/pipeline.py.

Same steps as bench/handwritten_spark.py, with Parquet instead of Delta (DuckDB writes no
Delta): landing CSVs as strings + metadata columns -> raw Parquet by ingest date; TRY_CAST to
the declared types, quarantine rows that do not cast or break a rule; latest row per key ->
curated Parquet partitioned by date; the enriched export as Parquet.
"""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from handwritten_spark import DATASETS, QUARANTINE_RULES, specs


def _duck(rule: str) -> str:
    """Spark SQL rule text in DuckDB's dialect (only RLIKE differs here)."""
    if " RLIKE " in rule:
        col, pattern = rule.split(" RLIKE ")
        return f"regexp_full_match({col}, {pattern})"
    return rule


def run(conf_dir: Path, landing: Path, lake: Path, threads: int = 2) -> tuple[dict, dict]:
    import duckdb

    conf = specs(conf_dir)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET enable_progress_bar = false")
    times: dict[str, float] = {}
    for zone in ("raw", "quarantine", "curated", "exportable"):
        (lake / zone).mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    for name in DATASETS:
        src = (landing / name / "*.csv").as_posix()
        cols = [c[0] for c in con.execute(
            f"DESCRIBE SELECT * FROM read_csv('{src}', all_varchar=true, header=true)").fetchall()]
        digest = " || chr(1) || ".join(f"coalesce(\"{c}\", chr(0))" for c in cols)
        con.execute(f"""
            COPY (SELECT * EXCLUDE (filename), filename AS _source_file, 'bench' AS _ingest_run_id,
                         now() AS _ingested_at, sha256({digest}) AS _record_hash,
                         CAST(now() AS DATE) AS _ingest_date
                  FROM read_csv('{src}', all_varchar=true, header=true, filename=true))
            TO '{(lake / "raw" / name).as_posix()}' (FORMAT parquet, PARTITION_BY (_ingest_date),
                                                    OVERWRITE_OR_IGNORE)""")
    times["ingest"] = time.perf_counter() - start

    start = time.perf_counter()
    for name in DATASETS:
        spec = conf[name]
        typed, errors, derived = [], [], []
        for col in spec["schema"]:
            if col.get("expr"):
                expr = col["expr"].replace("make_date", "make_date")
                derived.append(f"TRY_CAST(({expr}) AS {col['type'].upper()}) AS {col['name']}")
                continue
            c = f"\"{col['name']}\""
            kind = {"int": "INTEGER", "double": "DOUBLE", "string": "VARCHAR",
                    "timestamp": "TIMESTAMPTZ", "date": "DATE"}[col["type"]]
            value = (f"CASE WHEN TRY_CAST({c} AS DECIMAL(38,6)) = floor(TRY_CAST({c} AS "
                     f"DECIMAL(38,6))) THEN TRY_CAST(TRY_CAST({c} AS DECIMAL(38,6)) AS INTEGER) END"
                     if kind == "INTEGER" else f"TRY_CAST({c} AS {kind})")
            typed.append(f"{value} AS {c}")
            present = f"({c} IS NOT NULL AND trim({c}) <> '')"
            errors.append(f"({present} AND {value} IS NULL)")
            if col.get("nullable") is False:
                errors.append(f"NOT {present}")
        rules = " OR ".join(f"coalesce(NOT ({_duck(r)}), false)" for r in QUARANTINE_RULES[name])
        raw = (lake / "raw" / name).as_posix()
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE conformed AS
            SELECT *, {', '.join(derived) or 'NULL AS _none'}
            FROM (SELECT {', '.join(typed)}, _source_file, _ingested_at,
                         ({' OR '.join(errors)}) AS _bad_cast
                  FROM read_parquet('{raw}/*/*.parquet', hive_partitioning=true))""")
        con.execute(f"""CREATE OR REPLACE TEMP TABLE flagged AS
            SELECT *, _bad_cast OR ({rules}) AS _bad FROM conformed""")
        con.execute(f"""COPY (SELECT * FROM flagged WHERE _bad)
            TO '{(lake / "quarantine" / name).as_posix()}.parquet' (FORMAT parquet)""")
        keys = ", ".join(spec["primary_key"])
        order = ", ".join(f"{c} DESC" for c in spec.get("dedup_order", ["_ingested_at"]))
        parts = spec.get("partition_by") or []
        target = (lake / "curated" / name).as_posix()
        options = f"PARTITION_BY ({', '.join(parts)}), OVERWRITE_OR_IGNORE" if parts else ""
        if not parts:
            target += ".parquet"
        con.execute(f"""COPY (SELECT * EXCLUDE (_bad, _bad_cast) FROM flagged WHERE NOT _bad
                              QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1)
                        TO '{target}' (FORMAT parquet{', ' + options if options else ''})""")
    times["curate"] = time.perf_counter() - start

    start = time.perf_counter()
    export = yaml.safe_load((conf_dir / "exports" / "flights_enriched.yaml").read_text())
    for name in export["inputs"]:
        path = (lake / "curated" / name).as_posix()
        source = (f"read_parquet('{path}/*/*.parquet', hive_partitioning=true)"
                  if (lake / "curated" / name).is_dir() else f"read_parquet('{path}.parquet')")
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM {source}")
    con.execute(f"""COPY ({export['sql']}) TO '{(lake / "exportable" / export["name"]).as_posix()}'
                    (FORMAT parquet, PARTITION_BY ({', '.join(export['partition_by'])}),
                     OVERWRITE_OR_IGNORE)""")
    times["export"] = time.perf_counter() - start
    rows = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            if name in export["inputs"] else None for name in DATASETS}
    for name in DATASETS:
        if rows[name] is None:
            path = (lake / "curated" / name)
            src = (f"read_parquet('{path.as_posix()}/*/*.parquet')" if path.is_dir()
                   else f"read_parquet('{path.as_posix()}.parquet')")
            rows[name] = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
    con.close()
    return times, rows
