"""``lakehouse dataset``: onboard a new dataset (``init``) and dry-run its contract (``check``)."""

from __future__ import annotations

from pathlib import Path

import click

from lakehouse.cli.options import load, project_options


@click.group("dataset")
def command() -> None:
    """Onboard datasets: draft a contract from sample files, dry-run it against landing."""


@command.command()
@project_options
@click.argument("name")
@click.option("--from", "from_path", required=True, type=click.Path(exists=True, path_type=Path),
              help="A data file or a folder of them (CSV, JSON lines, JSON array, Parquet; .gz ok).")
@click.option("--sample-rows", type=int, default=10_000, show_default=True,
              help="Rows profiled (types, nulls, keys and rules come from this sample).")
@click.option("--force", is_flag=True, help="Overwrite an existing conf/datasets/NAME.yaml.")
@click.option("--print", "print_only", is_flag=True, help="Print the contract instead of writing it.")
def init(conf_dir: str, env: str | None, name: str, from_path: Path, sample_rows: int, force: bool,
         print_only: bool) -> None:
    """Profile sample files with Spark and write conf/datasets/NAME.yaml.

    Files outside the landing zone are copied to <landing>/NAME/ so `lakehouse run` finds them.
    The contract has inferred types and nullability, safe column names with the delivered
    name as `source:`, a primary key checked unique on the sample, a business date to
    partition by when there is one, and suggested rules, each with a comment to edit.

    \b
    Example:
      lakehouse dataset init penguins --from ~/Downloads/penguins.csv
      lakehouse dataset check penguins && lakehouse run --dataset penguins
    """
    from lakehouse.config import load_project
    from lakehouse.config.loader import _validate, parse_yaml
    from lakehouse.config.models import DatasetConfig
    from lakehouse.errors import ConfigError
    from lakehouse.onboard.files import find_source_files, place_in_landing
    from lakehouse.onboard.profiler import profile_landing
    from lakehouse.onboard.suggest import suggest_contract
    from lakehouse.onboard.yaml_out import render_yaml
    from lakehouse.spark.session import local_session

    project = load(conf_dir, env)
    target = project.conf_dir / "datasets" / f"{name}.yaml"
    if target.exists() and not (force or print_only):
        raise ConfigError(str(target), ["already exists"], hint="pass --force to overwrite it")
    if name in project.datasets and not target.exists() and not print_only:
        raise ConfigError(str(project.conf_dir / "datasets"), [f"a dataset named {name!r} already exists"])
    source = find_source_files(from_path)
    folder, batch = place_in_landing(project.zone_uri("landing"), name, source)
    click.echo(f"profiling {len(batch)} {source.format} file(s) under landing/{folder} ...", err=True)
    profile = profile_landing(local_session(project.lake.spark), source.format, source.options, batch,
                              sample_rows=sample_rows)
    draft = suggest_contract(name, profile, source_path=folder, pattern=source.pattern,
                             origin=from_path.name)
    text = render_yaml(draft)
    # never write a contract that won't load (read as the loader reads it)
    _validate(DatasetConfig, parse_yaml(text, source=str(target)), target)
    if print_only:
        click.echo(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.read_text(encoding="utf-8") if target.exists() else None
    target.write_text(text, encoding="utf-8")
    try:
        load_project(project.conf_dir, env)
    except ConfigError:
        if previous is None:
            target.unlink()
        else:
            target.write_text(previous, encoding="utf-8")
        raise
    key = ", ".join(draft.doc["primary_key"])
    click.echo(f"wrote {target}: {len(draft.doc['schema'])} columns, key [{key}], "
               f"{len(draft.doc['rules']['raw_to_curated'])} suggested rules "
               f"({profile.rows:,} rows sampled)")
    click.echo(f"next: lakehouse dataset check {name}   then   lakehouse run --dataset {name}")


@command.command()
@project_options
@click.argument("name")
@click.option("--samples", type=int, default=5, show_default=True,
              help="Sample rows shown per kind of failure.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(conf_dir: str, env: str | None, name: str, samples: int, as_json: bool) -> None:
    """Dry-run the contract of NAME against its landing files; writes nothing.

    Shows how many rows would be written, quarantined (per rule, with sample rows and the
    reason) and deduplicated, and whether the gate would block. Exit code 3 if it would.

    \b
    Example:
      lakehouse dataset check penguins --samples 3
    """
    from lakehouse.onboard.check import check_dataset
    from lakehouse.spark.session import local_session

    project = load(conf_dir, env)
    dataset = project.select_datasets([name])[0]
    report = check_dataset(local_session(project.lake.spark), project, dataset, samples=samples)
    click.echo(report.to_json() if as_json else report.render())
    if not report.ok:
        raise SystemExit(3)
