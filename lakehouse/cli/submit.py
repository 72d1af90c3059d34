"""``lakehouse submit``: run the pipeline on local spark-submit, Glue, EMR, EMR Serverless or a
Spark standalone cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lakehouse.cli.options import load, project_options
from lakehouse.errors import RuntimeSubmissionError


def _progress(line: str, changed: bool) -> None:
    if sys.stderr.isatty():
        click.echo(f"\r{line:<70}", nl=False, err=True)
    elif changed:
        click.echo(line, err=True)


@click.command("submit")
@project_options
@click.option("--target", required=True,
              type=click.Choice(["local", "glue", "emr", "emr-serverless", "spark-cluster"]),
              help="Where to run.")
@click.option("--master", default=None, envvar="LAKEHOUSE_CLUSTER_MASTER", metavar="URL",
              help="spark://host:port of the standalone master (--target spark-cluster; "
                   "env LAKEHOUSE_CLUSTER_MASTER).")
@click.option("--dataset", "datasets", multiple=True, metavar="NAME",
              help="Dataset or export to run (repeatable; default: all).")
@click.option("--stage", type=click.Choice(["ingest", "curate", "export", "all"]), default="all",
              show_default=True, help="Stage to run.")
@click.option("--package-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Use this artifact set (from `lakehouse package`) instead of building one.")
@click.option("--no-wait", is_flag=True, help="Start the run and return without following it.")
@click.option("--timeout", type=float, default=None, metavar="SECONDS",
              help="Stop following after this long (the run goes on).")
@click.option("--attach", default=None, metavar="RUN_ID",
              help="Follow a run started earlier (e.g. with --no-wait) instead of starting one.")
@click.option("--upload-only", is_flag=True,
              help="Upload the artifact set and the resolved conf/, print their S3 URIs, start "
                   "nothing (for the Glue jobs and state machine Terraform creates).")
def command(conf_dir: str, env: str | None, target: str, master: str | None,
            datasets: tuple[str, ...], stage: str, package_dir: str | None, no_wait: bool,
            timeout: float | None, attach: str | None, upload_only: bool) -> None:
    """Package, upload (content-addressed), start the run, follow it; fail if the run fails.

    conf/lake.yaml is shipped resolved for the selected profile: ${env:...} take their
    values on this machine; secrets stay references (runtimes.secrets).

    \b
    Examples:
      lakehouse submit --target local --dataset flights --stage ingest
      lakehouse submit --env dev --target glue --dataset flights --stage all
      lakehouse submit --env dev --target glue --upload-only
      lakehouse submit --env dev --target emr-serverless --no-wait
      lakehouse submit --env dev --target emr-serverless --attach 00fabc123
      lakehouse submit --env dev --target spark-cluster --master spark://10.0.0.5:7077
    """
    from lakehouse.runtimes.submit.orchestrate import submit

    if target == "spark-cluster" and not master:
        raise click.UsageError("--target spark-cluster needs --master spark://host:port")
    project = load(conf_dir, env)
    result = submit(project, target=target, datasets=list(datasets), stage=stage,  # type: ignore[arg-type]
                    package_dir=Path(package_dir) if package_dir else None, wait=not no_wait,
                    timeout=timeout, progress=_progress, attach=attach, master=master,
                    upload_only=upload_only, echo=lambda line: click.echo(line, err=True))
    if upload_only:
        click.echo(f"{target}: {len(result.uploaded)} uploaded, {len(result.skipped)} already "
                   "in S3")
        return
    if sys.stderr.isatty() and not no_wait:
        click.echo("", err=True)
    click.echo(f"{target} run {result.run_id}: {result.state}")
    if result.logs:
        click.echo(f"logs: {result.logs}")
    if result.succeeded is False:
        raise RuntimeSubmissionError(f"{target} run {result.run_id} ended {result.state}: "
                                     f"{result.reason}", hint=f"see the logs: {result.logs}")
