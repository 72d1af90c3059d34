"""Spark settings and hints the cluster targets get (no AWS): the JIT flag added to the cluster's
JVM options, Glue 5's log streams, and the locked packages Glue receives as wheels."""

from __future__ import annotations

from pathlib import Path

from lakehouse.config import load_project
from lakehouse.runtimes.sparkconf import JIT_JAVA_OPTION, with_java_option
from lakehouse.runtimes.submit.gluewheels import locked_blocks, wheels_name

REPO = Path(__file__).resolve().parents[3]


def test_the_jit_flag_is_added_to_driver_and_executor_options_never_replacing_them() -> None:
    conf = with_java_option({"spark.executor.extraJavaOptions": "-Dmine=1"})
    assert conf["spark.executor.extraJavaOptions"] == f"-Dmine=1 {JIT_JAVA_OPTION}"
    assert conf["spark.driver.extraJavaOptions"] == JIT_JAVA_OPTION
    assert "spark.executor.defaultJavaOptions" not in conf  # the cluster's own stay untouched
    assert with_java_option(conf) == conf                   # once only


def test_glue_log_hint_names_the_driver_stream_of_glue_5(tmp_path, monkeypatch) -> None:
    from lakehouse.runtimes.submit.glue import glue_logs_hint

    monkeypatch.setenv("LAKEHOUSE_DEV_BUCKET", "b")
    project = load_project(REPO / "conf", "dev")
    hint = glue_logs_hint(project, "jr_abc")
    assert "/aws-glue/jobs/output" in hint and "/aws-glue/jobs/error" in hint
    assert "driver stream jr_abc-driver" in hint and "jr_abc-<n>" in hint
    glue = project.lake.runtimes.glue.model_copy(update={"default_arguments": {
        "--custom-logGroup-prefix": "/team/etl", "--custom-logStream-prefix": "flights"}})
    runtimes = project.lake.runtimes.model_copy(update={"glue": glue})
    import dataclasses

    custom = dataclasses.replace(project, lake=project.lake.model_copy(update={"runtimes": runtimes}))
    assert "/team/etl/output" in glue_logs_hint(custom, "jr_abc")
    assert "flights-driver" in glue_logs_hint(custom, "jr_abc")


def test_glue_gets_every_locked_package_but_what_glue_provides() -> None:
    lock = REPO / "requirements" / "locks" / "cluster-py311.txt"
    blocks = locked_blocks(lock)
    assert {"delta-spark", "pyspark", "py4j"} & blocks.keys() == set()
    assert {"deltalake", "great-expectations", "pyarrow", "numpy"} <= blocks.keys()
    assert all("--hash=sha256:" in block for block in blocks.values())
    assert not any(line.strip().startswith("#") for b in blocks.values() for line in b.splitlines())
    assert wheels_name("3.11", "x86_64") == "lakehouse-deps-py311-x86_64.gluewheels.zip"
