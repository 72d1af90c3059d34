"""One of each piece of plumbing: the boto3 client factory, the terminal table, public results."""

from __future__ import annotations

import pytest

from lakehouse.storage import aws


def _retries(client) -> dict:
    return client.meta.config.retries


def test_factory_region_endpoint_and_retries(monkeypatch) -> None:
    monkeypatch.delenv(aws.ENDPOINT_ENV, raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    c = aws.client("s3")
    assert c.meta.region_name == "eu-west-1"
    assert _retries(c) == {"total_max_attempts": 6, "mode": "standard"}  # 5 retries
    assert aws.client("s3", region="ap-south-1").meta.region_name == "ap-south-1"

    monkeypatch.setenv(aws.ENDPOINT_ENV, "http://127.0.0.1:4999")
    assert aws.client("dynamodb").meta.endpoint_url == "http://127.0.0.1:4999"
    assert aws.client("dynamodb", endpoint_url="http://127.0.0.1:5001").meta.endpoint_url \
        == "http://127.0.0.1:5001"                       # the caller's endpoint wins


def test_every_client_comes_from_the_factory(monkeypatch, tmp_path) -> None:
    """Glue catalog, commit lease, trigger pipeline, submitters and S3 storage all retry
    in standard mode and honour the endpoint override."""
    from lakehouse.catalog.glue import GlueCatalog
    from lakehouse.config.runtimes import RuntimesSection
    from lakehouse.events.aws import client as events_client
    from lakehouse.runtimes.aws import client as runtimes_client
    from lakehouse.storage.files import _s3
    from lakehouse.tables.locks import DynamoDbTableLock

    monkeypatch.setenv(aws.ENDPOINT_ENV, "http://127.0.0.1:4999")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    clients = [GlueCatalog().client, DynamoDbTableLock("locks").client,
               events_client("sqs"), runtimes_client("glue", RuntimesSection()), _s3()]
    for c in clients:
        assert _retries(c)["mode"] == "standard", c.meta.service_model.service_name
        assert c.meta.endpoint_url == "http://127.0.0.1:4999"
        assert c.meta.region_name == "eu-west-1"


def test_render_table_aligns_columns() -> None:
    from lakehouse.terminal import render_table

    text = render_table(("name", "rows", "note"), [("a", "1,000", None), ("bbb", "7", "x")],
                        right={1})
    assert text.split("\n") == ["name   rows  note",
                                "----  -----  ----",
                                "a     1,000",
                                "bbb       7  x"]


def test_results_and_errors_are_public_values(make_project) -> None:
    import lakehouse
    from lakehouse.errors import InvalidArgumentError, LakehouseError, StorageError
    from lakehouse.storage.uri import local_path, to_uri

    assert {"RunSummary", "StageResult"} <= set(lakehouse.__all__)
    assert lakehouse.StageResult("d", "ingest").balanced
    with pytest.raises(InvalidArgumentError) as err:
        lakehouse.run_pipeline(make_project(), stage="publish")
    assert isinstance(err.value, ValueError) and isinstance(err.value, LakehouseError)
    assert (err.value.argument, err.value.value, err.value.exit_code) == ("stage", "publish", 2)
    with pytest.raises(StorageError) as bad:
        to_uri("gs://bucket/key")
    assert bad.value.uri == "gs://bucket/key" and "unsupported URI scheme 'gs'" in str(bad.value)
    with pytest.raises(StorageError):
        local_path("s3://bucket/key")


def test_one_error_rule_for_the_cli_and_debug_keeps_the_traceback(make_project) -> None:
    """The catalog commands report errors through the same rule as ``main`` and honour
    ``--debug`` (they used to print a short message even with it)."""
    from click.testing import CliRunner

    from lakehouse.cli.main import cli
    from lakehouse.errors import LakehouseError

    conf = str(make_project().conf_dir)
    args = ["catalog", "show", "nowhere.nothing", "--conf", conf]
    plain = CliRunner().invoke(cli, args)
    assert plain.exit_code != 0 and plain.output.startswith("error: ")
    debug = CliRunner().invoke(cli, ["--debug", *args])
    assert isinstance(debug.exception, LakehouseError), debug.output
