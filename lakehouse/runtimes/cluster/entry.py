"""What ``jobs/run_pipeline.py`` does on every runtime: parse, load conf, build session, run.

The job file stays thin so Glue, EMR, EMR Serverless and local ``spark-submit`` all run the
same code; only the session factory differs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from lakehouse.errors import LakehouseError, QualityGateError
from lakehouse.runtimes.args import JobArgs, parse_job_args


class QualityGateBlocked(RuntimeError):
    """Ends a job whose run a quality gate blocked. Raised uncaught on purpose: Glue puts the
    exception's class and message in the job run's ``ErrorMessage``, and EMR Serverless in
    its "Last few exceptions", so the Step Functions state machine (infra/modules/orchestration,
    ``quality_gate_error_pattern`` ``*QualityGate*``) sends the run to ``QualityGateBlocked``
    instead of ``Failed``. A bare ``sys.exit(3)`` would reach it only as an exit code."""


def run_job(argv: Sequence[str] | None = None) -> None:
    """The job script's body: run, then end the process the way each runtime reports best.

    Success returns normally (some Glue versions report ``sys.exit(0)`` as a failure); a
    blocked gate raises :class:`QualityGateBlocked`; any other failure exits non-zero.
    """
    code = main(argv)
    if code == QualityGateError.exit_code:
        raise QualityGateBlocked(f"QualityGateBlocked: a quality gate blocked promotion (exit code "
                                 f"{code}); the run summary above names the gate and the rows")
    if code:
        sys.exit(code)


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
    from lakehouse.runtimes.cluster.confsource import materialize_conf
    from lakehouse.runtimes.cluster.secrets import export_secrets
    from lakehouse.runtimes.cluster.sessions import detect_runtime, session_for

    conf_dir = materialize_conf(args.conf)
    if conf_dir is not None:  # runtimes.secrets -> environment, before ${env:...} resolve
        export_secrets(conf_dir, args.env)
    project = load_project(conf_dir, args.env)
    runtime = detect_runtime(args.runtime)
    spark, glue_job = session_for(runtime, args, project.lake.spark)
    from lakehouse.pipeline.driver import run_pipeline
    from lakehouse.runtimes.cluster.environment import describe_python

    trigger = {"kind": "job", "runtime": runtime, "job_name": args.job_name}
    python = describe_python(spark) if runtime != "glue" else None
    if python is not None:
        trigger["python"] = python
        print(f"python: driver {python['driver']['prefix']}; executors "
              f"{sorted({e['prefix'] for e in python['executors']})}")
    summary = run_pipeline(project, datasets=args.datasets or None, stage=args.stage,
                           run_id=args.run_id, trigger=trigger, spark=spark, raise_errors=False)
    print(summary.render())
    print(f"summary: {json.dumps(summary.to_dict(), default=str, sort_keys=True)}")
    if summary.exit_code:  # 3: only blocked gates; 1: some stage failed
        print(f"error: run {summary.run_id} ended {summary.status}: {summary.error}", file=sys.stderr)
        return summary.exit_code
    if glue_job is not None:
        glue_job.commit()
    return 0
