"""The submit side: what the machine that submits runs (``lakehouse package`` / ``submit``).

Packaging (``packaging``, ``depsarchive``, ``gluewheels``, ``lambda_package``, ``manifest``,
``confresolve``), upload (``artifacts``), one submitter per target (``glue``, ``emr``,
``emr_serverless``, ``local``, ``spark_cluster``), the poll loop (``follow``), the
orchestration (``orchestrate``) and Terraform inputs (``infra_vars``). Nothing here imports
the cluster side (an ``independence`` contract); what both need sits in ``runtimes`` itself.
"""
