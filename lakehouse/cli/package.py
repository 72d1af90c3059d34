"""``lakehouse package``: build the deployable artifact set (thin; see runtimes.submit.packaging)."""

from __future__ import annotations

from pathlib import Path

import click

from lakehouse.cli.options import env_option


@click.command("package")
@click.option("--out", "out_dir", default="dist", show_default=True,
              type=click.Path(file_okay=False),
              help="Folder for the artifact set (an earlier set there is replaced).")
@click.option("--project-dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Project root holding pyproject.toml, lakehouse/, jobs/ and conf/.")
@click.option("--skip-deps-archive", is_flag=True,
              help="Do not build the packed venv (needed only by EMR Serverless / EMR).")
@click.option("--deps-requirement", "deps_requirements", multiple=True, metavar="REQ",
              help="Install REQ into the venv instead of the library's requirements (repeatable).")
@click.option("--pip-arg", "pip_args", multiple=True, metavar="ARG",
              help="Extra `pip install` argument for the venv, e.g. --pip-arg=--no-index.")
@click.option("--python", "python", default=None, metavar="PATH",
              help="Interpreter copied into the environment archive: the cluster's Python "
                   "version (3.11 for EMR 7 / Spark 3.5, 3.13 for Spark 4), built for its OS.")
@click.option("--skip-glue-wheels", is_flag=True,
              help="Do not build Glue's zip of the locked wheels (needed only by Glue).")
@click.option("--glue-arch", type=click.Choice(["x86_64", "aarch64"]), default="x86_64",
              show_default=True, help="Architecture of the Glue wheels (aarch64: *.GRAVITON).")
@click.option("--lambda", "lambda_zip", is_flag=True,
              help="Also build OUT/trigger.zip, the trigger Lambda's code (for --env's profile).")
@env_option
def command(out_dir: str, project_dir: str, skip_deps_archive: bool,
            deps_requirements: tuple[str, ...], pip_args: tuple[str, ...],
            python: str | None, skip_glue_wheels: bool, glue_arch: str, lambda_zip: bool,
            env: str | None) -> None:
    """Build the wheel, job scripts, conf zip, Glue wheels and environment archive, with a manifest.

    Both install the locked versions of requirements/locks/cluster-pyXY.txt (`make lock`).

    \b
    Examples:
      lakehouse package                       # everything into dist/
      lakehouse package --skip-deps-archive   # Glue only (no environment archive)
      lakehouse package --python python3.13   # the Spark 4 environment (cluster-py313 lock)
      lakehouse package --lambda --env dev    # + dist/trigger.zip for infra/ (Terraform)

    Both are cached by lock content + Python under ~/.cache/lakehouse (or
    $LAKEHOUSE_CACHE_DIR): an unchanged project reuses them in seconds.
    """
    from lakehouse.runtimes.submit.packaging import build_package

    click.echo("building the artifact set...", err=True)
    built = build_package(Path(project_dir), Path(out_dir), deps_archive=not skip_deps_archive,
                          deps_requirements=list(deps_requirements) or None,
                          pip_args=pip_args, python=python, glue_wheels=not skip_glue_wheels,
                          glue_arch=glue_arch, progress=lambda line: click.echo(f"  {line}", err=True))
    for item in sorted(built.artifacts, key=lambda a: a.path):
        click.echo(f"  {item.role:<12} {item.path:<48} {item.size:>12,} B  {item.sha256[:12]}")
    click.echo(f"lakehouse {built.version}: {len(built.artifacts)} files, "
               f"manifest {built.root / 'manifest.json'}")
    if lambda_zip:
        _lambda(built, Path(project_dir), env, pip_args)


def _lambda(built, project_dir: Path, env: str | None, pip_args: tuple[str, ...]) -> None:
    from lakehouse.runtimes.submit.lambda_package import LAMBDA_LOCK, LAMBDA_ZIP, build_lambda_zip

    made = build_lambda_zip(built, project_dir / "conf", env, built.root / LAMBDA_ZIP,
                            lock=project_dir / LAMBDA_LOCK, pip_args=pip_args,
                            progress=lambda line: click.echo(f"  {line}", err=True))
    click.echo(f"trigger Lambda (profile {made.profile}): {made.path} {made.size:,} B "
               f"sha256 {made.sha256[:12]}, {len(made.requirements)} locked requirements"
               + (f"; expects in S3: {', '.join(made.remote)}" if made.remote else ""))
