"""``lakehouse runs``: list runs, show one, write the HTML run reports."""

from __future__ import annotations

import json

import click

from lakehouse.cli.options import load, project_options

_json = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.group("runs")
def command() -> None:
    """Run records: what each run did, per dataset and stage."""


@command.command("ls")
@project_options
@click.option("--limit", type=int, default=20, show_default=True, help="Newest runs shown.")
@_json
def ls(conf_dir: str, env: str | None, limit: int, as_json: bool) -> None:
    """List recent runs, newest first.

    \b
    Example:
      lakehouse runs ls --limit 5
    """
    from lakehouse.records.history import list_runs, render_list

    project = load(conf_dir, env)
    records = list_runs(project.runs_uri, limit=limit)
    click.echo(json.dumps([r.to_dict() for r in records], indent=2, default=str) if as_json
               else render_list(records))


@command.command()
@project_options
@click.argument("run_id")
@_json
def show(conf_dir: str, env: str | None, run_id: str, as_json: bool) -> None:
    """Show one run: rows in/out/quarantined/deduplicated per stage, gate results, table
    versions, timings and errors. RUN_ID may be a unique prefix or `latest`.

    \b
    Example:
      lakehouse runs show latest
    """
    from lakehouse.records.history import load_run, render_run

    project = load(conf_dir, env)
    record = load_run(project.runs_uri, run_id)
    click.echo(record.to_json() if as_json else render_run(record))


@command.command()
@project_options
@click.option("--run-id", "run_ids", multiple=True, metavar="RUN_ID",
              help="Only these runs (repeatable; default: every run kept in the history).")
def report(conf_dir: str, env: str | None, run_ids: tuple[str, ...]) -> None:
    """Write the static HTML run reports (one page per run and an index); prints the index.

    Pages open from disk with no server and no internet (plotly.js is written beside them).
    A report is also written automatically at the end of every run.

    \b
    Example:
      lakehouse runs report && xdg-open .lake/_runs/reports/index.html
    """
    from lakehouse.records.history import list_runs, load_run
    from lakehouse.reports.html import write_index, write_report

    project = load(conf_dir, env)
    history = list_runs(project.runs_uri, limit=project.lake.reports.history)
    records = [load_run(project.runs_uri, r) for r in run_ids] if run_ids else history
    for record in records:
        click.echo(write_report(project, record, history=history), err=True)
    click.echo(write_index(project, history))
