"""The pipeline: the plan of a run (``plan``), the generic DAG scheduler (``schedule``) and
the driver that runs a plan on it (``driver``)."""
