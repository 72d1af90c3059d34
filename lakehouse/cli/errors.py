"""How the CLI reports an error: one short message on stderr and an exit code.

The one error-to-exit rule of the CLI: ``main()`` and the catalog commands both use it.
With ``--debug`` (or ``LAKEHOUSE_DEBUG``) framework and unexpected errors keep their traceback.
"""

from __future__ import annotations

import os

import click

from lakehouse.errors import LakehouseError


def debug_requested(ctx: click.Context | None = None) -> bool:
    """True with ``--debug`` on the root command or ``LAKEHOUSE_DEBUG`` set."""
    root = ctx.find_root() if ctx is not None else None
    if root is not None and isinstance(root.obj, dict) and root.obj.get("debug"):
        return True
    return bool(os.environ.get("LAKEHOUSE_DEBUG"))


def report(exc: BaseException, *, debug: bool) -> int:
    """Print ``exc`` as the CLI does and return the exit code; with ``debug`` re-raise it."""
    if isinstance(exc, click.exceptions.Abort):
        click.echo("aborted", err=True)
        return 130
    if isinstance(exc, click.ClickException):
        exc.show()
        return exc.exit_code
    if debug:
        raise exc
    if isinstance(exc, LakehouseError):
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    click.echo(f"error: unexpected {type(exc).__name__}: {exc}\n"
               "  hint: re-run with --debug for the traceback", err=True)
    return 1
