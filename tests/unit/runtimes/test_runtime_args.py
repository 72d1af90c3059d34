"""Job arguments: argparse locally, getResolvedOptions on Glue, same result."""

from __future__ import annotations

import sys
import textwrap

import pytest

from lakehouse.runtimes.args import JobArgs, parse_job_args

SCRIPT = "run_pipeline.py"


def test_argparse_reads_glue_style_arguments_and_ignores_glue_extras():
    args = parse_job_args([SCRIPT, "--JOB_NAME", "nightly", "--dataset", "flights",
                           "--dataset", "planes,weather", "--stage", "ingest", "--env", "dev",
                           "--conf-uri", "s3://b/conf.zip", "--TempDir", "s3://tmp",
                           "--job-bookmark-option", "job-bookmark-disable"])
    assert args == JobArgs(datasets=["flights", "planes", "weather"], stage="ingest", env="dev",
                           conf="s3://b/conf.zip", job_name="nightly")


def test_conf_holding_spark_settings_is_not_a_conf_location():
    args = parse_job_args([SCRIPT, "--conf", "spark.sql.extensions=x --conf spark.a=b"])
    assert args.conf is None
    assert parse_job_args([SCRIPT, "--conf", "/srv/conf"]).conf == "/srv/conf"


def test_defaults_and_bad_stage():
    assert parse_job_args([SCRIPT]) == JobArgs()
    with pytest.raises(SystemExit, match="--stage must be one of"):
        parse_job_args([SCRIPT, "--stage", "curated"])
    with pytest.raises(SystemExit, match="--runtime must be one of"):
        parse_job_args([SCRIPT, "--runtime", "databricks"])


def test_to_argv_round_trips():
    args = JobArgs(datasets=["flights", "planes"], stage="curate", env="prod",
                   conf="s3://b/c.zip", run_id="r1", runtime="emr-serverless")
    argv = args.to_argv()
    assert argv[:2] == ["--dataset", "flights,planes"]
    assert parse_job_args([SCRIPT, *argv]) == args


# The real awsglue.utils.getResolvedOptions (aws-glue-libs): argparse with Glue's reserved
# options optional and every requested option *required*; parse_known_args(args[1:]).
_GLUE_UTILS = textwrap.dedent('''
    import argparse

    def getResolvedOptions(args, options):
        parser = argparse.ArgumentParser()
        parser.add_argument("--job-bookmark-option", required=False)
        for option in ("--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION"):
            parser.add_argument(option, required=False)
        for option in options:
            parser.add_argument("--" + option, required=True)
        parsed, extra = parser.parse_known_args(args[1:])
        return vars(parsed)
''')


@pytest.fixture
def awsglue(tmp_path, monkeypatch):
    pkg = tmp_path / "glue_libs" / "awsglue"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "utils.py").write_text(_GLUE_UTILS)
    monkeypatch.syspath_prepend(str(pkg.parent))
    for name in ("awsglue", "awsglue.utils"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield
    for name in ("awsglue", "awsglue.utils"):
        sys.modules.pop(name, None)


def test_glue_path_asks_only_for_present_options(awsglue):
    argv = [SCRIPT, "--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1", "--dataset", "flights,planes",
            "--stage", "curate", "--conf", "spark.sql.extensions=x",
            "--conf-uri", "s3://b/conf.zip", "--job-bookmark-option", "job-bookmark-disable",
            "--enable-glue-datacatalog", "true"]
    args = parse_job_args(argv)
    assert args == JobArgs(datasets=["flights", "planes"], stage="curate", env=None,
                           conf="s3://b/conf.zip", job_name="j")


def test_glue_path_without_optional_arguments(awsglue):
    assert parse_job_args([SCRIPT, "--JOB_NAME", "j"]) == JobArgs(job_name="j")
