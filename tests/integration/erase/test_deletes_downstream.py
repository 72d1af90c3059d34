"""Deletes travel downstream (#27): rows deleted from curated by a merge with a delete flag
(the path CDC uses) are gone from the next version of every export, plain and ML, and the
run record counts the smaller exports."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.tables import open_table_with
from tests.integration.erase.project import delta_ids, erasure_project, export_ids

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]
GONE = ["c00010", "c00011"]


def _export_rows(summary) -> dict[str, int]:
    return {s.dataset: s.rows_written for s in summary.stages if s.stage == "export"}


def test_deleted_keys_leave_every_export(spark, tmp_path):
    project = erasure_project(tmp_path, "portable")
    before = _export_rows(run_pipeline(project, spark=spark))
    assert set(GONE) <= set(export_ids(project, "by_region"))
    assert set(GONE) <= set(export_ids(project, "churn_ml"))
    curated = open_table_with(spark, project.table_uri("curated", "customers"), project.lake.tables)
    batch = (curated.read().where(F.col("customer_id").isin(*GONE))
             .withColumn("_deleted", F.lit(True)))
    merged = curated.merge(batch, keys=["customer_id"], order_by=["_ingested_at"],
                           delete_flag="_deleted")
    assert merged.rows_deleted == 2
    assert not set(GONE) & set(delta_ids(curated.uri))

    summary = run_pipeline(project, stage="export", spark=spark)
    after = _export_rows(summary)
    assert not set(GONE) & set(export_ids(project, "by_region"))
    assert not set(GONE) & set(export_ids(project, "churn_ml"))
    assert after["by_region"] == before["by_region"] - 2
    assert after["churn_ml"] == before["churn_ml"] - 2
    versions = {s.dataset: s.table_versions.get("curated.customers") for s in summary.stages}
    assert versions["by_region"] == merged.version       # built from the version after the delete
