"""Options shared by every command, declared once (with ``LAKEHOUSE_*`` environment fallbacks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

conf_option = click.option(
    "--conf", "conf_dir", envvar="LAKEHOUSE_CONF", default="conf", show_default=True,
    type=click.Path(file_okay=False), help="Configuration folder (lake.yaml, datasets/, exports/).",
)
env_option = click.option(
    "--env", "env", envvar="LAKEHOUSE_ENV", default=None,
    help="Profile from lake.yaml `profiles:` (default: its default_profile, usually local).",
)


def project_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--conf`` and ``--env``."""
    return conf_option(env_option(func))


def load(conf_dir: str, env: str | None):
    """Load the project (errors surface as short messages via the CLI's error handler)."""
    from lakehouse.config import load_project

    return load_project(conf_dir, env)
