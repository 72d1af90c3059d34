"""Job entry point for every runtime: Glue, EMR step, EMR Serverless, local spark-submit.

    spark-submit jobs/run_pipeline.py --dataset flights --stage ingest [--env local] [--conf conf]

Glue-style arguments: --JOB_NAME, --dataset (repeatable or comma-separated), --stage,
--env, --conf-uri (a conf/ folder, a conf zip, or s3:// URI of one), --run-id, --runtime.
Thin on purpose: parsing, session and run live in ``lakehouse.runtimes.cluster.entry``.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from lakehouse.runtimes.cluster.entry import run_job
except ImportError:  # a source checkout that is not installed: use the repository's library
    _repo = Path(__file__).resolve().parent.parent
    if not (_repo / "lakehouse" / "__init__.py").is_file():
        raise
    sys.path.insert(0, str(_repo))
    from lakehouse.runtimes.cluster.entry import run_job

if __name__ == "__main__":
    run_job()  # exits non-zero on failure; a blocked gate ends in QualityGateBlocked
