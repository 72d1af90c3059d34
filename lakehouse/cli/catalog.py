"""``lakehouse catalog``: browse and crawl the Glue-shaped catalog (ls, show, history, crawl)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from lakehouse.cli.errors import debug_requested, report
from lakehouse.cli.options import load, project_options
from lakehouse.errors import LakehouseError
from lakehouse.terminal import render_table

_json = click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")


def _common(func: Callable) -> Callable:
    """--conf/--env/--json, and errors as one short message with a non-zero exit."""

    @project_options
    @_json
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LakehouseError as exc:
            sys.exit(report(exc, debug=debug_requested(click.get_current_context(silent=True))))

    return wrapper


def _open(conf_dir: str | None, env: str | None):
    from lakehouse.catalog import catalog_for

    project = load(conf_dir, env)
    return project, catalog_for(project)


def _table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    return render_table(headers, rows)


def _emit(as_json: bool, data: object, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


@click.group("catalog")
def command() -> None:
    """Browse the catalog (Glue-shaped: databases, tables, partitions, versions).

    \b
    Example:
      lakehouse catalog ls
      lakehouse catalog show flights_curated.flights
    """


@command.command("ls")
@click.argument("database", required=False)
@_common
def ls_cmd(database: str | None, conf_dir: str | None, env: str | None, as_json: bool) -> None:
    """List tables, in DATABASE or in every database.

    \b
    Example:
      lakehouse catalog ls
      lakehouse catalog ls flights_exportable --json
    """
    from lakehouse.catalog.views import table_summary

    _, catalog = _open(conf_dir, env)
    with catalog:
        names = [database] if database else [d.name for d in catalog.iter_databases()]
        if database:
            catalog.get_database(database)
        summaries = sorted((table_summary(catalog, t) for db in names
                            for t in catalog.iter_tables(db)), key=lambda s: s["table"])
    rows = [(s["table"], s["format"], s["columns"], s["partitions"], s["version"], s["location"])
            for s in summaries]
    text = (_table(rows, ["TABLE", "FORMAT", "COLUMNS", "PARTITIONS", "VERSION", "LOCATION"])
            if rows else f"no tables in {database or 'the catalog'}")
    _emit(as_json, summaries, text)


@command.command("show")
@click.argument("name", metavar="DB.TABLE")
@click.option("--version", "version_id", default=None, help="show an older version id")
@click.option("--limit", default=20, show_default=True, help="partitions to list")
@_common
def show_cmd(name: str, version_id: str | None, limit: int, conf_dir: str | None,
             env: str | None, as_json: bool) -> None:
    """Schema, partitions, location and versions of DB.TABLE.

    \b
    Example:
      lakehouse catalog show flights_exportable.flights_enriched --limit 5
    """
    from lakehouse.catalog.names import split_qualified
    from lakehouse.catalog.views import describe, render_describe

    database, table = split_qualified(name)
    _, catalog = _open(conf_dir, env)
    with catalog:
        info = describe(catalog, database, table, version_id=version_id, limit=limit)
    _emit(as_json, info, render_describe(info, _table))


@command.command("history")
@click.argument("name", metavar="DB.TABLE")
@_common
def history_cmd(name: str, conf_dir: str | None, env: str | None, as_json: bool) -> None:
    """Versions of DB.TABLE, oldest first, with what changed in each.

    \b
    Example:
      lakehouse catalog history flights_curated.flights
    """
    from lakehouse.catalog.names import split_qualified
    from lakehouse.catalog.views import history

    database, table = split_qualified(name)
    _, catalog = _open(conf_dir, env)
    with catalog:
        entries = history(catalog, database, table)
    rows = [(e["version"], e["updated"], e["columns"], e["location"], e["change"])
            for e in entries]
    _emit(as_json, entries,
          _table(rows, ["VERSION", "UPDATED", "COLUMNS", "LOCATION", "CHANGE"]))


@command.command("crawl")
@click.argument("path")
@click.option("--database", default=None, help="target database (default: the zone's)")
@click.option("--policy", type=click.Choice(["additive", "strict", "permissive"]), default=None,
              help="schema-change policy (default: each dataset's schema_policy, else additive)")
@_common
def crawl_cmd(path: str, database: str | None, policy: str | None, conf_dir: str | None,
              env: str | None, as_json: bool) -> None:
    """Infer tables under PATH (one per folder) and register them.

    A breaking schema change stops the crawl with the diff and registers nothing.

    \b
    Example:
      lakehouse catalog crawl .lake/exportable
      lakehouse catalog crawl ./some/folder --database scratch --policy permissive
    """
    from lakehouse.catalog.crawler import crawl
    from lakehouse.catalog.views import crawl_target

    project, catalog = _open(conf_dir, env)
    database, policies, default = crawl_target(project, path, database, policy)
    with catalog:
        report = crawl(catalog, path, database=database, policy=default, policies=policies,
                       progress=None if as_json else lambda m: click.echo(m, err=True))
    rows = [(f"{database}.{r.table}", r.table_format, r.action, r.version_id, r.columns,
             r.partitions) for r in report.results]
    text = _table(rows, ["TABLE", "FORMAT", "ACTION", "VERSION", "COLUMNS", "PARTITIONS"])
    changes = [f"{database}.{r.table}:\n{r.diff}" for r in report.results if r.diff]
    _emit(as_json, report.to_dict(), "\n\n".join([text, *changes]))
