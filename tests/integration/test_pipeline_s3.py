"""The whole pipeline with the lake on S3 (a moto server over HTTP), as the ``dev`` profile runs it:
Spark reads landing and writes Delta through S3A, the catalog is Glue, commits hold a DynamoDB
lease. Checked with plain boto3 and an independent delta-rs reader, on both Delta paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest
import yaml
from deltalake import DeltaTable

from lakehouse.pipeline.driver import run_pipeline
from lakehouse.sample import write_nycflights13
from lakehouse.tables.fs import storage_options
from lakehouse.tables.locks import DynamoDbTableLock
from lakehouse.testing.project import make_project

pytestmark = [pytest.mark.spark, pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[1].parent
ROWS = 300


def _stage(summary, dataset: str, stage: str):
    return next(s for s in summary.stages if s.dataset == dataset and s.stage == stage)


@pytest.mark.parametrize("backend", ["native", "portable"])
def test_pipeline_with_the_lake_on_s3(s3a_spark, moto_process_endpoint, unique_name, tmp_path,
                                      monkeypatch, backend):
    endpoint = moto_process_endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", unique_name)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket=unique_name)
    DynamoDbTableLock(f"{unique_name}-locks", endpoint_url=endpoint).ensure_table()

    conf = tmp_path / "conf-src"
    shutil.copytree(REPO / "conf", conf)
    if backend == "portable":  # the ML export's S3 writes are covered once, on the native run
        (conf / "exports" / "flights_delay_ml.yaml").unlink()
    lake = yaml.safe_load((conf / "lake.yaml").read_text())
    dev = lake["profiles"]["dev"]
    dev["catalog"]["endpoint_url"] = endpoint
    dev["tables"] = {"backend": backend, "lock": "dynamodb", "lock_table": f"{unique_name}-locks"}
    (conf / "lake.yaml").write_text(yaml.safe_dump(lake))
    project = make_project(tmp_path / "project", conf, env="dev")
    assert project.zone_uri("landing") == f"s3://{unique_name}/lake/landing"

    write_nycflights13(project.zone_uri("landing"), months=[1, 2], max_rows_per_file=ROWS)
    summary = run_pipeline(project, stage="all", spark=s3a_spark)
    assert summary.status == "succeeded", summary.render()
    assert summary.balanced
    curate = _stage(summary, "flights", "curate")
    assert curate.writer == backend and _stage(summary, "flights", "ingest").writer == backend

    curated_uri = project.table_uri("curated", "flights")
    assert curated_uri.startswith(f"s3://{unique_name}/lake/curated/")
    table = DeltaTable(curated_uri, storage_options=storage_options(curated_uri))
    assert table.version() == curate.table_versions["curated"]
    rows = table.to_pyarrow_dataset().to_table()
    assert rows.num_rows == curate.rows_written
    assert table.metadata().partition_columns == ["flight_date"]

    glue = boto3.client("glue", endpoint_url=endpoint)
    curated = glue.get_table(DatabaseName="flights_curated", Name="flights")["Table"]
    assert curated["StorageDescriptor"]["Location"].rstrip("/") == curated_uri
    assert curated["Parameters"].get("table_type", "").upper() == "DELTA"
    assert glue.get_table(DatabaseName="flights_raw", Name="flights")["Table"]
    export = _stage(summary, "flights_enriched", "export")
    assert export.status == "succeeded" and export.rows_read == rows.num_rows > 0
    listed = s3.list_objects_v2(Bucket=unique_name, Prefix="lake/exportable/flights_enriched/")
    assert any(o["Key"].endswith(".parquet") for o in listed.get("Contents", []))
    assert any(o["Key"].endswith("_manifest.json") for o in listed.get("Contents", []))
    if backend == "native":
        ml = _stage(summary, "flights_delay_ml", "export")
        assert ml.status == "succeeded" and ml.rows_written > 0
        keys = [o["Key"] for o in s3.list_objects_v2(
            Bucket=unique_name, Prefix="lake/exportable/flights_delay_ml/")["Contents"]]
        assert any("/train/" in k and k.endswith(".parquet") for k in keys)
