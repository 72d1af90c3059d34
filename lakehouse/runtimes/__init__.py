"""Runtimes: the cluster side (``cluster``) and the submit side (``submit``), independent.

``cluster`` is what a job runs (arguments, conf, secrets, sessions, entry point); ``submit``
is what the submitting machine runs (packaging, upload, submitters, follow). What both need
lives here: job arguments (``args``), the job script (``jobscript``), per-target Spark
settings (``sparkconf``), boto3 clients (``aws``), the profile merge (``profiles``). See
``docs/running-on-aws.md``.
"""
