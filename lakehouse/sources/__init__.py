"""Reading landing files: CSV, JSON, Parquet, gzip."""
