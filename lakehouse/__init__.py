"""lakehouse: lake-house ETL on Apache Spark for AWS.

Public API (importing it does not start Spark; a run does)::

    from lakehouse import load_project, run_pipeline
    summary = run_pipeline(load_project("conf"), datasets=["flights"], stage="all")
    print(summary.exit_code, [(s.dataset, s.stage, s.status) for s in summary.stages])

``run_pipeline`` returns a :class:`RunSummary` (one :class:`StageResult` per stage and
dataset); an error it raises carries the same summary as ``.summary``.
"""

from lakehouse.config import load_project
from lakehouse.errors import LakehouseError
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.records.summary import RunSummary, StageResult

__version__ = "0.1.0"
__all__ = ["LakehouseError", "RunSummary", "StageResult", "__version__", "load_project",
           "run_pipeline"]
