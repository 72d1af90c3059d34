"""``triggers:`` settings are validated at load time with located messages."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lakehouse.errors import ConfigError


def test_defaults(make_project) -> None:
    triggers = make_project().lake.triggers
    assert (triggers.window_seconds, triggers.dispatch, triggers.idempotency.backend) == (
        60.0, "local", "local")


@pytest.mark.parametrize(("triggers", "fragment"), [
    ({"idempotency": {"backend": "dynamodb"}}, "needs 'table'"),
    ({"source_uri": "file:///tmp/x"}, "s3://bucket/prefix"),
    ({"dispatch": "emr"}, "triggers.dispatch"),
    ({"windw_seconds": 5}, "did you mean 'window_seconds'"),
    ({"wait_seconds": 25}, "triggers.wait_seconds"),
])
def test_invalid_settings_are_located(make_project, triggers: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        make_project(triggers=triggers)
    assert fragment in str(err.value) and "lake.yaml" in err.value.file


def test_listen_without_a_queue_says_how_to_give_one(make_project, tmp_path) -> None:
    from lakehouse.cli.main import cli

    make_project()
    result = CliRunner().invoke(cli, ["listen", "--conf", str(tmp_path / "conf")])
    assert result.exit_code != 0
    assert "triggers.queue_url" in str(result.exception) and "--queue" in str(result.exception)
