"""``lakehouse export``: ML export maintenance (rebuild a version from its manifest)."""

from __future__ import annotations

import click

from lakehouse.cli.options import load, project_options


@click.group("export")
def command() -> None:
    """Exports: rebuild an ML export version byte for byte from its manifest.

    \b
    Example:
      lakehouse export rebuild flights_delay_ml \\
          --manifest .lake/exportable/flights_delay_ml/v00001/_manifest.json
    """


@command.command()
@project_options
@click.argument("name")
@click.option("--manifest", "manifest_path", required=True, metavar="PATH",
              help="The version's _manifest.json (a path or URI), e.g. "
                   ".lake/exportable/NAME/v00001/_manifest.json.")
@click.option("--out", default=None, metavar="URI",
              help="Where to write the rebuild (default: <exportable>/NAME/_rebuild/vNNNNN).")
def rebuild(conf_dir: str, env: str | None, name: str, manifest_path: str, out: str | None) -> None:
    """Time-travel the inputs to the manifest's versions and rebuild the export.

    Compares the SHA-256 of every file (and of _transforms.json) with the manifest; exits 1
    when any differs.

    \b
    Example:
      lakehouse export rebuild flights_delay_ml \\
          --manifest .lake/exportable/flights_delay_ml/v00001/_manifest.json
    """
    from lakehouse.ml.rebuild import rebuild as run_rebuild
    from lakehouse.records.summary import new_run_id
    from lakehouse.spark.session import local_session
    from lakehouse.storage.uri import to_uri

    project = load(conf_dir, env)
    manifest_uri, out_uri = to_uri(manifest_path), (to_uri(out) if out else None)
    result = run_rebuild(local_session(project.lake.spark), project, name, manifest_uri,
                         run_id=new_run_id(), out=out_uri)
    n = len(result.rebuilt["files"])
    if result.identical:
        click.echo(f"identical: {n} files and _transforms.json match the manifest "
                   f"(rebuilt in {result.location})")
        return
    click.echo(f"DIFFERENT: rebuilt in {result.location}", err=True)
    for line in result.differences:
        click.echo(f"  - {line}", err=True)
    raise SystemExit(1)
