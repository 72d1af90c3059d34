"""Benchmark: ``lakehouse run`` against the simplest hand-written job, each a fresh process.

    .venv/bin/python bench/simplest.py                      # x1, 3 rounds
    .venv/bin/python bench/simplest.py --scale 10 --repeat 2

What a user compares first: the wall-clock time of the command they would run. Each round
runs, on a fresh lake and in a fresh process (cold JVM, cold Python imports):
  framework   ``lakehouse run --stage all --json`` on conf/ as shipped (the flights_enriched
              export, as the job below), its lake under --work
  simplest    bench/handwritten_simple.py: a plain SparkSession, CSV -> raw Delta (overwrite),
              CAST + rules -> quarantine / curated Delta (overwrite), the export SQL
The two alternate which goes first from round to round. Prints the median wall seconds of
each, the simplest job's session start and in-process seconds, the ratio framework /
simplest, and the curated row counts of both (read with deltalake; they must agree).
Landing files come from bench/pipeline.py (scale N: flights and weather copied N times with
the years shifted).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from handwritten_spark import DATASETS  # noqa: E402
from pipeline import make_project, prepare_landing  # noqa: E402


def curated_rows(lake: Path) -> dict[str, int]:
    from deltalake import DeltaTable

    return {name: DeltaTable(str(lake / "curated" / name)).to_pyarrow_dataset().count_rows()
            for name in DATASETS}


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):  # 3: a gate blocked (the demo data passes)
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, done.stdout


def framework(work: Path, landing: Path, env: dict[str, str]) -> tuple[float, dict[str, int]]:
    project = make_project(work / "simplest-framework", landing)
    wall, _ = timed([str(Path(sys.executable).with_name("lakehouse")), "run", "--conf",
                     str(project.conf_dir), "--stage", "all", "--json"], env)
    return wall, curated_rows(Path(project.lake_root))


def simplest(work: Path, landing: Path, env: dict[str, str]) -> tuple[float, dict, dict]:
    lake = work / "simplest-handwritten"
    subprocess.run(["rm", "-rf", str(lake)], check=True)
    wall, out = timed([sys.executable, str(HERE / "handwritten_simple.py"), str(landing),
                       str(lake)], env)
    figures = json.loads(out.strip().splitlines()[-1])
    return wall, figures, curated_rows(lake)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="copies of flights/weather (1, 10)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median reported)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get(
        "LAKEHOUSE_BENCH_DIR", "/tmp/lakehouse-bench")), help="scratch folder")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    landing = prepare_landing(args.work, args.scale)
    env = {**os.environ, "LAKEHOUSE_PROFILE": "0"}
    fw_walls, simple_walls, sessions, inside = [], [], [], []
    fw_rows = simple_rows = None
    for k in range(args.repeat):
        order = ("framework", "simplest") if k % 2 == 0 else ("simplest", "framework")
        for case in order:
            if case == "framework":
                wall, fw_rows = framework(args.work, landing, env)
                fw_walls.append(wall)
            else:
                wall, figures, simple_rows = simplest(args.work, landing, env)
                simple_walls.append(wall)
                sessions.append(figures["session"])
                inside.append(figures["total"])
            print(f"  round {k + 1} {case:<10} {wall:7.1f}s", flush=True)

    fw, simple = statistics.median(fw_walls), statistics.median(simple_walls)
    print(f"\nnycflights13 x{args.scale}, {args.repeat} rounds, medians (each a fresh process)")
    print(f"{'case':<12}{'wall s':>9}{'session s':>11}{'after s':>9}{'/simplest':>11}")
    print("-" * 52)
    print(f"{'framework':<12}{fw:9.1f}{'':>11}{'':>9}{fw / simple:11.2f}")
    print(f"{'simplest':<12}{simple:9.1f}{statistics.median(sessions):11.1f}"
          f"{statistics.median(inside):9.1f}{1.0:11.2f}")
    print(f"rounds: framework {[round(w, 1) for w in fw_walls]}, "
          f"simplest {[round(w, 1) for w in simple_walls]}")
    print(f"curated rows: framework {fw_rows}, simplest {simple_rows}"
          + ("" if fw_rows == simple_rows else "  <-- DIFFER"))


if __name__ == "__main__":
    main()
