"""The cluster side: what a job runs on Glue, EMR, EMR Serverless or ``spark-submit``.

``entry`` (called by ``jobs/run_pipeline.py``) reads the secrets (``secrets``), fetches
``conf/`` (``confsource``), builds the session of its runtime (``sessions``), records the
Python it runs (``environment``) and runs the pipeline. Nothing here imports the submit side
(an ``independence`` contract): the job needs only the wheel and its requirements.
"""
