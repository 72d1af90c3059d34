"""URIs and file operations for ``file://`` and ``s3://`` lakes (no Spark)."""
