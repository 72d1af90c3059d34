"""``submit`` to Glue, EMR and EMR Serverless against a moto server over HTTP.

Each test checks the job / step / job run that the service holds afterwards, field by field,
and the content-addressed artifacts in S3.
"""

from __future__ import annotations

import hashlib
import io
import os
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from runtime_helpers import ACCOUNT, REPO_ROOT, write_project

from lakehouse.config import load_project
from lakehouse.runtimes.submit.orchestrate import submit
from lakehouse.runtimes.submit.packaging import resolved_conf_zip, zip_conf

pytestmark = [pytest.mark.aws, pytest.mark.integration]
DELTA_GLUE_CONF = ("spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension --conf "
                   "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog"
                   " --conf spark.delta.logStore.s3.impl=io.delta.storage.S3SingleDriverLogStore"
                   " --conf spark.delta.logStore.s3a.impl=io.delta.storage.S3SingleDriverLogStore")
JIT = "-XX:-DontCompileHugeMethods"
GLUE_WHEELS = "lakehouse-deps-py311-x86_64.gluewheels.zip"
DELTA_DEFAULTS = [{"Classification": "delta-defaults", "Properties": {"delta.enabled": "true"}}]


@pytest.fixture
def aws(moto_endpoint, unique_name):
    def make(service):
        return boto3.client(service, region_name="us-east-1", endpoint_url=moto_endpoint)

    s3 = make("s3")
    s3.create_bucket(Bucket=unique_name)
    return make, unique_name


def _project(tmp_path: Path, **kwargs):
    root = write_project(tmp_path / "project", **kwargs)
    return load_project(root / "conf", "moto")


def _uri(artifact_set, bucket: str, role: str, name: str | None = None) -> str:
    item = next(a for a in artifact_set.artifacts
                if a.role == role and (name is None or a.path.endswith(name)))
    return f"s3://{bucket}/artifacts/{item.sha256}/{Path(item.path).name}"


def _conf_uri(project, bucket: str, tmp_path: Path) -> str:
    """The project's conf/ resolved for its profile on this machine is what submit ships."""
    data = resolved_conf_zip(project.conf_dir, project.lake.profile,
                             tmp_path / "expected-conf.zip").read_bytes()
    return f"s3://{bucket}/artifacts/{hashlib.sha256(data).hexdigest()}/conf.zip"


def _check_s3_objects(s3, bucket: str, names: set[str]) -> None:
    """Every object sits at artifacts/<sha256 of its bytes>/<file name>."""
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="artifacts/")["Contents"]]
    assert {k.rsplit("/", 1)[1] for k in keys} == names and len(keys) == len(names)
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert key.split("/")[1] == hashlib.sha256(body).hexdigest(), key


def _quiet(_line: str) -> None:
    pass


def test_glue_submit_creates_job_and_run_and_skips_reupload(aws, tmp_path, artifact_set):
    make, bucket = aws
    glue, s3 = make("glue"), make("s3")
    job = f"job-{bucket}"
    project = _project(tmp_path, bucket=bucket, job=job)
    result = submit(project, target="glue", datasets=["airports"], stage="ingest",
                    package_dir=artifact_set.root, echo=_quiet, sleep=lambda _s: None)

    assert result.succeeded is True and result.state == "SUCCEEDED"
    # Glue 5+ logs the driver to the stream <run id>-driver ("Logging for AWS Glue jobs")
    assert f"driver stream {result.run_id}-driver" in result.logs
    assert "/aws-glue/jobs/output" in result.logs
    definition = glue.get_job(JobName=job)["Job"]
    assert definition["GlueVersion"] == "5.1"
    assert definition["Role"] == f"arn:aws:iam::{ACCOUNT}:role/lakehouse-glue-job"
    assert definition["Command"] == {"Name": "glueetl", "PythonVersion": "3",
                                     "ScriptLocation": _uri(artifact_set, bucket, "job",
                                                            "run_pipeline.py")}
    assert (definition["WorkerType"], definition["NumberOfWorkers"]) == ("G.2X", 5)
    assert definition["Timeout"] == 30
    args = definition["DefaultArguments"]
    assert args["--datalake-formats"] == "delta"
    assert args["--conf"] == DELTA_GLUE_CONF
    assert args["--job-bookmark-option"] == "job-bookmark-disable"
    assert args["--enable-glue-datacatalog"] == "true"
    assert args["--extra-py-files"] == _uri(artifact_set, bucket, "wheel")
    assert args["--extra-py-files"].endswith("/lakehouse-0.1.0-py3-none-any.whl")
    # the locked wheels, installed without PyPI: Glue's "zip of wheels" + --no-index
    assert args["--additional-python-modules"] == _uri(artifact_set, bucket, "glue-wheels")
    assert args["--additional-python-modules"].endswith(f"/{GLUE_WHEELS}")
    assert args["--python-modules-installer-option"] == "--no-index"
    assert args["--conf-uri"] == _conf_uri(project, bucket, tmp_path)
    assert (args["--env"], args["--runtime"]) == ("moto", "glue")

    run = glue.get_job_run(JobName=job, RunId=result.run_id)["JobRun"]
    assert run["Arguments"]["--dataset"] == "airports"
    assert run["Arguments"]["--stage"] == "ingest"
    assert run["Arguments"]["--datalake-formats"] == "delta"  # defaults merged into the run
    wheel = "lakehouse-0.1.0-py3-none-any.whl"
    _check_s3_objects(s3, bucket, {wheel, "run_pipeline.py", "conf.zip", GLUE_WHEELS})
    assert len(result.uploaded) == 4 and result.skipped == []
    key = args["--additional-python-modules"].split(f"s3://{bucket}/", 1)[1]
    with zipfile.ZipFile(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())) as zf:
        assert zf.read("wheels/requirements.txt").decode() == "tinydep==0.1\n"
        assert zf.namelist() == ["wheels/requirements.txt", "wheels/tinydep-0.1-py3-none-any.whl"]

    again = submit(project, target="glue", datasets=["airports"], stage="curate",
                   package_dir=artifact_set.root, echo=_quiet, sleep=lambda _s: None)
    assert again.uploaded == [] and sorted(again.skipped) == sorted(result.uploaded)
    assert again.request["job_action"] == "unchanged" and again.run_id != result.run_id


def test_glue_6_is_selectable(aws, tmp_path, artifact_set):
    make, bucket = aws
    project = _project(tmp_path, bucket=bucket, job=f"job6-{bucket}", glue_version="6.0")
    result = submit(project, target="glue", stage="all", package_dir=artifact_set.root,
                    wait=False, echo=_quiet)
    assert result.succeeded is None and result.state == "SUBMITTED"
    job = make("glue").get_job(JobName=f"job6-{bucket}")["Job"]
    assert job["GlueVersion"] == "6.0"
    assert job["DefaultArguments"]["--datalake-formats"] == "delta"
    # Spark 4.1 / Python 3.13: the wheels of the Spark 4 lock (cluster-py313.txt)
    modules = job["DefaultArguments"]["--additional-python-modules"]
    assert modules == _uri(artifact_set, bucket, "glue-wheels-spark4")
    assert modules.endswith("/lakehouse-deps-py313-x86_64.gluewheels.zip")


def test_emr_submit_adds_spark_submit_step(aws, tmp_path, artifact_set):
    make, bucket = aws
    emr = make("emr")
    cluster = emr.run_job_flow(
        Name="lakehouse-test", ReleaseLabel="emr-7.5.0", LogUri=f"s3://{bucket}/emr-logs/",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                   "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        Configurations=DELTA_DEFAULTS)["JobFlowId"]
    project = _project(tmp_path, bucket=bucket, cluster=cluster)
    result = submit(project, target="emr", datasets=["airports"], stage="ingest",
                    package_dir=artifact_set.root, wait=False, echo=_quiet)

    step = emr.describe_step(ClusterId=cluster, StepId=result.run_id)["Step"]
    assert step["ActionOnFailure"] == "CONTINUE"
    assert step["Config"]["Jar"] == "command-runner.jar"
    deps = _uri(artifact_set, bucket, "deps")
    assert step["Config"]["Args"] == [
        "spark-submit", "--deploy-mode", "cluster",
        "--conf", "spark.jars=/usr/share/aws/delta/lib/delta-spark.jar,"
                  "/usr/share/aws/delta/lib/delta-storage.jar",
        "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "--conf", "spark.delta.logStore.s3.impl=io.delta.storage.S3SingleDriverLogStore",
        "--conf", "spark.delta.logStore.s3a.impl=io.delta.storage.S3SingleDriverLogStore",
        "--conf", "spark.hadoop.hive.metastore.client.factory.class="
                  "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory",
        "--conf", "spark.sql.session.timeZone=UTC",
        "--conf", "spark.sql.sources.partitionOverwriteMode=dynamic",
        "--conf", f"spark.archives={deps}#environment",
        "--conf", "spark.yarn.appMasterEnv.PYSPARK_DRIVER_PYTHON=./environment/bin/python",
        "--conf", "spark.yarn.appMasterEnv.PYSPARK_PYTHON=./environment/bin/python",
        "--conf", "spark.executorEnv.PYSPARK_PYTHON=./environment/bin/python",
        # added to EMR's own JVM options (its spark-defaults set the defaultJavaOptions)
        "--conf", f"spark.driver.extraJavaOptions={JIT}",
        "--conf", f"spark.executor.extraJavaOptions={JIT}",
        "--py-files", _uri(artifact_set, bucket, "wheel"),
        _uri(artifact_set, bucket, "job", "run_pipeline.py"),
        "--dataset", "airports", "--stage", "ingest", "--env", "moto",
        "--conf-uri", _conf_uri(project, bucket, tmp_path), "--runtime", "emr",
    ]
    assert result.logs == f"step logs: s3://{bucket}/emr-logs/{cluster}/steps/{result.run_id}/"
    _check_s3_objects(make("s3"), bucket, {"lakehouse-0.1.0-py3-none-any.whl",
                                           "run_pipeline.py", "conf.zip", "pyspark_venv.tar.gz"})
    # moto keeps steps RUNNING: following gives up at the timeout with a readable error
    from lakehouse.errors import RuntimeSubmissionError

    with pytest.raises(RuntimeSubmissionError, match="still RUNNING"):
        submit(project, target="emr", attach=result.run_id, timeout=0, echo=_quiet)


def test_emr_cluster_without_delta_is_refused_before_submitting(aws, tmp_path, artifact_set):
    from lakehouse.errors import RuntimeSubmissionError

    make, bucket = aws
    emr = make("emr")
    cluster = emr.run_job_flow(
        Name="no-delta", ReleaseLabel="emr-7.5.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                   "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        Configurations=[{"Classification": "spark-defaults", "Properties": {"a": "b"}}])["JobFlowId"]
    project = _project(tmp_path, bucket=bucket, cluster=cluster)
    with pytest.raises(RuntimeSubmissionError, match="no delta-defaults classification") as info:
        submit(project, target="emr", stage="ingest", package_dir=artifact_set.root,
               wait=False, echo=_quiet)
    assert '"delta.enabled": "true"' in str(info.value) and cluster in str(info.value)
    assert emr.list_steps(ClusterId=cluster)["Steps"] == []  # nothing was submitted


def _serverless_app(make) -> str:
    return make("emr-serverless").create_application(
        name="lakehouse", releaseLabel="emr-7.5.0", type="SPARK")["applicationId"]


def test_emr_serverless_submit_starts_job_run(aws, tmp_path, artifact_set):
    make, bucket = aws
    app = _serverless_app(make)
    project = _project(tmp_path, bucket=bucket, application=app)
    result = submit(project, target="emr-serverless", datasets=["airports"], stage="curate",
                    package_dir=artifact_set.root, echo=_quiet, sleep=lambda _s: None)
    assert result.succeeded is True and result.state == "SUCCESS"

    run = make("emr-serverless").get_job_run(applicationId=app, jobRunId=result.run_id)["jobRun"]
    assert run["executionRole"] == f"arn:aws:iam::{ACCOUNT}:role/lakehouse-emr-serverless"
    driver = run["jobDriver"]["sparkSubmit"]
    assert driver["entryPoint"] == _uri(artifact_set, bucket, "job", "run_pipeline.py")
    assert driver["entryPointArguments"] == [
        "--dataset", "airports", "--stage", "curate", "--env", "moto",
        "--conf-uri", _conf_uri(project, bucket, tmp_path), "--runtime", "emr-serverless"]
    params = shlex.split(driver["sparkSubmitParameters"])
    assert params[::2] == ["--conf"] * (len(params) // 2)
    conf = dict(p.split("=", 1) for p in params[1::2])
    assert conf["spark.archives"] == _uri(artifact_set, bucket, "deps") + "#environment"
    for key in ("spark.emr-serverless.driverEnv.PYSPARK_PYTHON",
                "spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON",
                "spark.executorEnv.PYSPARK_PYTHON"):
        assert conf[key] == "./environment/bin/python"
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.sql.catalog.spark_catalog"] == \
        "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    assert conf["spark.hadoop.hive.metastore.client.factory.class"].endswith(
        "AWSGlueDataCatalogHiveClientFactory")
    assert conf["spark.jars"].startswith("/usr/share/aws/delta/lib/delta-spark.jar")
    assert conf["spark.driver.extraJavaOptions"] == conf["spark.executor.extraJavaOptions"] == JIT
    logs = run["configurationOverrides"]["monitoringConfiguration"]["s3MonitoringConfiguration"]
    assert logs["logUri"] == f"s3://{bucket}/artifacts/logs/"
    assert run["executionTimeoutMinutes"] == 60
    _check_s3_objects(make("s3"), bucket, {"run_pipeline.py", "conf.zip", "pyspark_venv.tar.gz"})


def _cli(*args: str, cwd: Path, endpoint: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LAKEHOUSE_AWS_ENDPOINT_URL": endpoint,
           "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "lakehouse.cli.main", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_cli_cancelled_serverless_run_exits_non_zero_with_reason(aws, tmp_path, artifact_set,
                                                                 moto_endpoint):
    make, bucket = aws
    app = _serverless_app(make)
    root = write_project(tmp_path / "project", bucket=bucket, application=app)
    started = _cli("submit", "--env", "moto", "--target", "emr-serverless", "--dataset",
                   "airports", "--package-dir", str(artifact_set.root), "--no-wait",
                   cwd=root, endpoint=moto_endpoint)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.split("emr-serverless run ", 1)[1].split(":", 1)[0]
    assert "artifacts: 3 uploaded, 0 already in S3" in started.stderr

    make("emr-serverless").cancel_job_run(applicationId=app, jobRunId=run_id)
    followed = _cli("submit", "--env", "moto", "--target", "emr-serverless",
                    "--attach", run_id, cwd=root, endpoint=moto_endpoint)
    assert followed.returncode == 1
    assert f"emr-serverless run {run_id} ended CANCELLED" in followed.stderr
    assert "SPARK_DRIVER" in followed.stderr  # where the logs are


def test_cli_missing_role_is_a_readable_error(aws, tmp_path, artifact_set, moto_endpoint):
    _make, bucket = aws
    root = write_project(tmp_path / "project", bucket=bucket)
    lake = root / "conf" / "lake.yaml"
    lake.write_text(lake.read_text().replace("role_arn: arn:aws:iam::123456789012:role/"
                                             "lakehouse-glue-job", "role_arn: null"))
    done = _cli("submit", "--env", "moto", "--target", "glue", "--package-dir",
                str(artifact_set.root), cwd=root, endpoint=moto_endpoint)
    assert done.returncode == 1
    assert "no runtimes.glue.role_arn" in done.stderr and "hint:" in done.stderr


def test_job_reads_conf_zip_from_s3(aws, tmp_path, monkeypatch, moto_endpoint):
    """What a cluster job does with --conf-uri s3://.../conf.zip (the uploaded artifact)."""
    from lakehouse.runtimes.cluster.confsource import materialize_conf

    make, bucket = aws
    project = _project(tmp_path, bucket=bucket)
    archive = zip_conf(project.conf_dir, tmp_path / "conf.zip")
    make("s3").upload_file(str(archive), bucket, "artifacts/abc/conf.zip")
    monkeypatch.setenv("LAKEHOUSE_AWS_ENDPOINT_URL", moto_endpoint)
    conf = materialize_conf(f"s3://{bucket}/artifacts/abc/conf.zip", workdir=tmp_path)
    assert (conf / "lake.yaml").read_text() == (project.conf_dir / "lake.yaml").read_text()
    assert load_project(conf, "moto").datasets.keys() == {"airports"}

    from lakehouse.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot download the conf archive"):
        materialize_conf(f"s3://{bucket}/artifacts/missing/conf.zip", workdir=tmp_path)


def test_service_errors_are_wrapped_with_what_was_being_done(aws, tmp_path, artifact_set):
    from lakehouse.errors import RuntimeSubmissionError

    _make, bucket = aws
    project = _project(tmp_path, bucket=bucket, application="00nosuchapp00000")
    with pytest.raises(RuntimeSubmissionError,
                       match="starting the emr-serverless run failed") as info:
        submit(project, target="emr-serverless", package_dir=artifact_set.root, echo=_quiet)
    assert "ResourceNotFoundException" in str(info.value) and "IAM" in str(info.value)


def test_submitted_conf_is_resolved_here_and_secrets_are_read_on_the_cluster(
        aws, tmp_path, artifact_set, moto_endpoint, monkeypatch):
    """The uploaded conf.zip carries this machine's values, not ${env:...}; a declared secret
    stays a reference that the job reads from SSM / Secrets Manager before loading conf/."""
    from lakehouse.runtimes.cluster.confsource import materialize_conf
    from lakehouse.runtimes.cluster.secrets import export_secrets

    make, bucket = aws
    root = write_project(tmp_path / "project", bucket=bucket,
                         application=_serverless_app(make))
    lake = root / "conf" / "lake.yaml"
    lake.write_text(lake.read_text().replace(
        "      poll_seconds: 0.01\n",
        "      poll_seconds: 0.01\n      secrets:\n"
        "        LAKEHOUSE_TEST_TOKEN: ssm:/lakehouse/test/token\n"
        "        LAKEHOUSE_TEST_PASSWORD: secretsmanager:lakehouse/test#password\n")
        + "lineage:\n  transport: http\n  url: http://127.0.0.1:9/${env:LAKEHOUSE_TEST_PASSWORD}\n"
        "  api_key_env: LAKEHOUSE_TEST_TOKEN\n")
    monkeypatch.setenv("LAKEHOUSE_TEST_PASSWORD", "never-shipped")
    project = load_project(root / "conf", "moto")
    result = submit(project, target="emr-serverless", stage="ingest",
                    package_dir=artifact_set.root, wait=False, echo=_quiet)
    conf_uri = next(a for a in result.request["jobDriver"]["sparkSubmit"]["entryPointArguments"]
                    if a.startswith("s3://"))
    monkeypatch.setenv("LAKEHOUSE_AWS_ENDPOINT_URL", moto_endpoint)
    shipped = materialize_conf(conf_uri, workdir=tmp_path)
    text = (shipped / "lake.yaml").read_text()
    assert f"endpoint_url: {moto_endpoint}" in text            # resolved on this machine
    assert "${env:LAKEHOUSE_TEST_AWS_ENDPOINT}" not in text
    assert "never-shipped" not in text and "${env:LAKEHOUSE_TEST_PASSWORD}" in text

    # on the cluster: neither variable is set; the job reads both from the stores
    make("ssm").put_parameter(Name="/lakehouse/test/token", Value="tok-123",
                              Type="SecureString")
    make("secretsmanager").create_secret(Name="lakehouse/test",
                                         SecretString='{"password": "pw-456"}')
    cluster_env: dict[str, str] = {}
    assert export_secrets(shipped, "moto", cluster_env) == ["LAKEHOUSE_TEST_PASSWORD",
                                                             "LAKEHOUSE_TEST_TOKEN"]
    assert cluster_env == {"LAKEHOUSE_TEST_TOKEN": "tok-123", "LAKEHOUSE_TEST_PASSWORD": "pw-456"}
    for name, value in cluster_env.items():
        monkeypatch.setenv(name, value)
    loaded = load_project(shipped, "moto")
    assert loaded.lake.lineage.url == "http://127.0.0.1:9/pw-456"

    from lakehouse.errors import ConfigError

    make("ssm").delete_parameter(Name="/lakehouse/test/token")
    with pytest.raises(ConfigError, match=r"runtimes\.secrets\.LAKEHOUSE_TEST_TOKEN: cannot read"):
        export_secrets(shipped, "moto", {})


def test_upload_only_puts_the_set_where_terraform_points(aws, tmp_path, artifact_set):
    """`submit --upload-only` uploads what `infra vars --package-dir` names, starts nothing."""
    from lakehouse.runtimes.submit.infra_vars import terraform_vars

    make, bucket = aws
    project = _project(tmp_path, bucket=bucket, job=f"up-{bucket}")
    result = submit(project, target="glue", package_dir=artifact_set.root, upload_only=True,
                    echo=_quiet)
    assert result.state == "UPLOADED" and len(result.uploaded) == 4
    assert make("glue").get_jobs()["Jobs"] == [] or all(
        j["Name"] != f"up-{bucket}" for j in make("glue").get_jobs()["Jobs"])
    lake = project.lake.model_copy(update={"lake": project.lake.lake.model_copy(
        update={"root": f"s3://{bucket}/lake"})})
    import dataclasses

    tf = terraform_vars(dataclasses.replace(project, lake=lake), artifacts=artifact_set,
                        region="us-east-1")
    keys = {o["Key"] for o in make("s3").list_objects_v2(Bucket=bucket)["Contents"]}
    named = [tf["glue_script_location"], tf["glue_default_arguments"]["--conf-uri"],
             tf["glue_default_arguments"]["--extra-py-files"],
             tf["glue_default_arguments"]["--additional-python-modules"]]
    assert all(uri.split(f"s3://{bucket}/", 1)[1] in keys for uri in named), (named, keys)
