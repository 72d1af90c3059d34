"""``lakehouse jars``: the Delta Lake and hadoop-aws JARs a local Spark loads (thin; see
``lakehouse.spark.jars``)."""

from __future__ import annotations

import click


@click.group("jars")
def command() -> None:
    """Resolve and show the JVM packages for local Spark (Delta Lake, S3A).

    \b
    Examples:
      lakehouse jars fetch      # resolve with Maven now (make demo/test do it on first use)
      lakehouse jars show       # coordinates and the cached classpath
    """


@command.command("fetch")
def fetch_jars() -> None:
    """Resolve the JARs matching the installed PySpark and delta-spark, and cache the classpath."""
    from lakehouse.spark.jars import cache_dir, cached, fetch, installed_jar_set

    jar_set = installed_jar_set()
    click.echo(f"resolving {', '.join(jar_set.coordinates)} with Maven...", err=True)
    jars = cached(jar_set) or fetch(jar_set)
    click.echo(f"{len(jars)} JARs for Spark {jar_set.spark}; classpath cached in {cache_dir()}")


@command.command("show")
def show_jars() -> None:
    """Print the coordinates for this PySpark and the cached JAR files (if resolved)."""
    from lakehouse.spark.jars import cache_dir, cached, installed_jar_set

    jar_set = installed_jar_set()
    click.echo(f"spark {jar_set.spark} (scala {jar_set.scala}, hadoop {jar_set.hadoop}), "
               f"delta {jar_set.delta}")
    for coordinate in jar_set.coordinates:
        click.echo(f"  {coordinate}")
    jars = cached(jar_set)
    if not jars:
        click.echo(f"not resolved yet (cache: {cache_dir()}); run `lakehouse jars fetch`")
        return
    for jar in jars:
        click.echo(f"  {jar}")
