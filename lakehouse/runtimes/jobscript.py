"""The job script every target runs: its file name, and the stub for projects without one.

The submit side ships it (``lakehouse package`` writes ``jobs/run_pipeline.py``, the local
target runs it); the cluster side is what it calls (``runtimes.cluster.entry``).
"""

JOB_SCRIPT = "run_pipeline.py"
# Written as the job script for projects that have no jobs/run_pipeline.py of their own.
JOB_STUB = '''"""lakehouse job entry point (generated): see lakehouse.runtimes.cluster.entry."""
from lakehouse.runtimes.cluster.entry import run_job

if __name__ == "__main__":
    run_job()
'''
