"""Where the Lambda handler finds its conf/ and the stack's profile values (no AWS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.errors import ConfigError
from lakehouse.events import lambda_handler


def test_conf_is_next_to_the_function_code(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LAKEHOUSE_CONF", raising=False)
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    assert lambda_handler._conf_dir() == tmp_path / "conf"
    monkeypatch.setenv("LAKEHOUSE_CONF", "/opt/conf")
    assert lambda_handler._conf_dir() == Path("/opt/conf")


@pytest.mark.parametrize(("text", "problem"), [("{not json", "not JSON"),
                                               ('["glue"]', "expected a JSON object")])
def test_a_broken_overlay_names_the_variable(monkeypatch, text: str, problem: str) -> None:
    monkeypatch.setenv(lambda_handler.OVERLAY_ENV, text)
    with pytest.raises(ConfigError) as err:
        lambda_handler._overlay()
    assert "LAKEHOUSE_PROFILE_OVERLAY" in str(err.value) and problem in str(err.value)


def test_no_overlay_is_none(monkeypatch) -> None:
    monkeypatch.delenv(lambda_handler.OVERLAY_ENV, raising=False)
    assert lambda_handler._overlay() is None
    monkeypatch.setenv(lambda_handler.OVERLAY_ENV, '{"triggers": {"dispatch": "glue"}}')
    assert lambda_handler._overlay() == {"triggers": {"dispatch": "glue"}}
