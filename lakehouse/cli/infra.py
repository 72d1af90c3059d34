"""``lakehouse infra``: Terraform inputs from conf/, and profile values from Terraform outputs (thin)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lakehouse.cli.options import load, project_options


@click.group("infra")
def command() -> None:
    """Keep infra/ (Terraform) and conf/lake.yaml in step."""


@command.command("vars")
@project_options
@click.option("--out", "out", default="-", show_default=True, metavar="DIR|FILE|-",
              help="Write terraform.tfvars.json into DIR (or to FILE; - prints it).")
@click.option("--package-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="`lakehouse package` output: also render the Glue script and job parameters.")
@click.option("--trigger", type=click.Choice(["lambda", "worker", "stepfunctions", "none"]),
              default="lambda", show_default=True, help="What consumes S3 arrivals.")
@click.option("--lambda-zip", type=click.Path(dir_okay=False), default=None,
              help="Zip of the trigger Lambda code (with --trigger lambda).")
@click.option("--region", default=None, help="AWS region (default runtimes.region).")
def vars_(conf_dir: str, env: str | None, out: str, package_dir: str | None, trigger: str,
          lambda_zip: str | None, region: str | None) -> None:
    """Write the Terraform variables of infra/ from conf/lake.yaml.

    \b
    Example:
      lakehouse package --skip-deps-archive --lambda --env dev
      lakehouse infra vars --env dev --package-dir dist --lambda-zip dist/trigger.zip \\
          --out infra/envs/dev
    """
    from lakehouse.runtimes.submit.infra_vars import terraform_vars
    from lakehouse.runtimes.submit.manifest import ArtifactSet

    project = load(conf_dir, env)
    artifacts = ArtifactSet.load(Path(package_dir)) if package_dir else None
    values = terraform_vars(project, artifacts=artifacts, trigger=trigger, region=region,
                            lambda_package_file=str(Path(lambda_zip).resolve()) if lambda_zip else None)
    text = json.dumps(values, indent=2, sort_keys=True) + "\n"
    if out == "-":
        click.echo(text, nl=False)
        return
    target = Path(out)
    if target.is_dir() or not target.suffix:
        target = target / "terraform.tfvars.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target} (profile {project.lake.profile}, {len(values)} variables)")


@command.command("profile")
@click.option("--outputs", "outputs_file", type=click.File("r"), default="-", show_default=True,
              help="`terraform output -json` (a file, or - for stdin).")
@click.option("--env", "env", required=True, help="Profile name to print under `profiles:`.")
def profile(outputs_file, env: str) -> None:
    """Print the conf/lake.yaml profile that points the pipeline at an applied stack.

    \b
    Example:
      terraform -chdir=infra/envs/dev output -json | lakehouse infra profile --env dev
    """
    import yaml

    from lakehouse.runtimes.submit.infra_vars import profile_from_outputs

    values = profile_from_outputs(json.load(outputs_file))
    click.echo(yaml.safe_dump({"profiles": {env: values}}, sort_keys=False), nl=False)
