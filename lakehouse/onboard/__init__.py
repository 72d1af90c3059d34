"""Onboarding a new dataset: profile a sample of its files and draft a commented contract.

``profile`` (data model), ``suggest`` (profile -> contract), ``yaml_out`` (commented YAML) and
``files`` (format detection, landing placement) are Spark-free; ``profiler`` (Spark) computes
the profile and ``check`` (Spark) dry-runs a contract against the landing files.
"""
