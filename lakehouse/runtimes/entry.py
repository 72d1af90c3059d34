"""What ``jobs/run_pipeline.py`` does on every runtime: parse, load conf, build session, run.

The job file stays thin so Glue, EMR, EMR Serverless and local ``spark-submit`` all run the
same code; only the session factory differs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from lakehouse.errors import LakehouseError
from lakehouse.runtimes.args import JobArgs, parse_job_args

FAILED_STATUSES = ("failed", "blocked", "error")
JOB_SCRIPT = "run_pipeline.py"
# Written as the job script for projects that have no jobs/run_pipeline.py of their own.
JOB_STUB = '''"""lakehouse job entry point (generated): see lakehouse.runtimes.entry."""
import sys

from lakehouse.runtimes.entry import main

if __name__ == "__main__":
    code = main()
    if code:
        sys.exit(code)
'''


def main(argv: Sequence[str] | None = None) -> int:
    """Run the pipeline as the job arguments say; returns the process exit code."""
    args = parse_job_args(argv)
    try:
        return _run(args)
    except LakehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _run(args: JobArgs) -> int:
    from lakehouse.config import load_project
    from lakehouse.runtimes.confsource import materialize_conf
    from lakehouse.runtimes.sessions import detect_runtime, session_for

    project = load_project(materialize_conf(args.conf), args.env)
    runtime = detect_runtime(args.runtime)
    spark, glue_job = session_for(runtime, args, project.lake.spark)
    from lakehouse.runner import run_pipeline

    trigger = {"kind": "job", "runtime": runtime, "job_name": args.job_name}
    summary = run_pipeline(project, datasets=args.datasets or None, stage=args.stage,
                           run_id=args.run_id, trigger=trigger, spark=spark)
    print(summary.render())
    print(f"summary: {json.dumps(summary.to_dict(), default=str, sort_keys=True)}")
    status = str(getattr(summary, "status", "")).lower()
    if status in FAILED_STATUSES:
        print(f"error: run {summary.run_id} ended {status}", file=sys.stderr)
        return 1
    if glue_job is not None:
        glue_job.commit()
    return 0
