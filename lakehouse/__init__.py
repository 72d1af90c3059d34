"""lakehouse: lake-house ETL on Apache Spark for AWS.

Public API (importing it does not start Spark; a run does)::

    from lakehouse import load_project, run_pipeline
    summary = run_pipeline(load_project("conf"), datasets=["flights"], stage="all")
"""

from lakehouse.config import load_project
from lakehouse.errors import LakehouseError
from lakehouse.runner import run_pipeline

__version__ = "0.1.0"
__all__ = ["LakehouseError", "__version__", "load_project", "run_pipeline"]
