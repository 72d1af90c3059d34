"""``lakehouse erase``: remove a data subject's rows from raw, curated and quarantine."""

from __future__ import annotations

from pathlib import Path

import click

from lakehouse.cli.options import load, project_options


@click.command("erase")
@project_options
@click.option("--dataset", required=True, metavar="NAME", help="The dataset to erase from.")
@click.option("--where", "where", default=None, metavar="SQL",
              help='Spark SQL predicate over the dataset\'s declared columns, e.g. '
                   '"customer_id = 42".')
@click.option("--keys", "keys_file", default=None, metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="A file of primary-key values: one a line, or a CSV whose header names "
                   "the key columns (composite keys).")
@click.option("--dry-run", is_flag=True,
              help="Count the matching rows per table and list the exports and landing "
                   "files concerned; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.pass_context
def command(ctx: click.Context, conf_dir: str, env: str | None, dataset: str,
            where: str | None, keys_file: Path | None, dry_run: bool, as_json: bool) -> None:
    """Erase rows from every zone of a dataset, republish its exports, vacuum, audit.

    Removes the matching rows from raw, curated and the quarantine tables (one Delta
    commit each), re-runs the exports that read the dataset and deletes their older
    versions, vacuums the changed tables with `erasure.vacuum_retention_hours` (default 0:
    time travel to before the erasure is lost) and writes an audit record under
    <runs>/erasure/ holding the predicate's SHA-256, never the predicate. Landing files
    are the producers': the report lists those that held matching rows. Exit code 1 when
    anything could not be erased (the report says what).

    \b
    Examples:
      lakehouse erase --dataset customers --where "customer_id = 42" --dry-run
      lakehouse erase --dataset customers --where "customer_id = 42"
      lakehouse erase --dataset orders --keys subjects.csv
    """
    from lakehouse.erase import erase, request_for
    from lakehouse.errors import RunFailed

    project = load(conf_dir, env)
    if keys_file is not None and not keys_file.is_file():
        raise click.BadParameter(f"no such file: {keys_file}", param_hint="--keys")
    keys_text = keys_file.read_text(encoding="utf-8") if keys_file else None
    request = request_for(project, dataset, where=where, keys_text=keys_text,
                          keys_name=str(keys_file) if keys_file else "keys file")
    quiet = as_json or bool((ctx.obj or {}).get("quiet"))
    report = erase(project, request, dry_run=dry_run,
                   on_step=None if quiet else (lambda text: click.echo(f"  {text}", err=True)))
    click.echo(report.to_json() if as_json else report.render())
    if not dry_run and not report.complete:
        raise RunFailed(f"erasure of {dataset} is incomplete: see the exports above",
                        exit_code=1)
