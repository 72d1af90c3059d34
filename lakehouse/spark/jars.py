"""Resolve the JVM packages a local Spark needs for Delta and S3, once, with Maven.

Spark's own resolver (``spark.jars.packages``/Ivy) would also work, but it resolves again in
every JVM start and copies every JAR (the AWS SDK bundle alone is 280 MB) into a per-clone
Ivy cache. ``mvn dependency:build-classpath`` downloads each artifact once into Maven's local
repository (``~/.m2``, shared by every clone on the machine) and prints the paths; the
classpath is cached in a small file keyed by the versions it was resolved for, so a session
start only checks that the files exist.

The coordinates follow what is installed: the Delta version of the ``delta-spark`` Python
package, and the Hadoop and Scala versions of the JARs inside ``pyspark`` (``hadoop-aws``
must match Hadoop exactly). Where Maven or the registry is missing the library keeps working
on the portable Delta path and says so once.

Run ``python -m lakehouse.spark.jars`` (or ``lakehouse jars fetch``) to resolve ahead of time.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from lakehouse.errors import EnvironmentProblem

log = logging.getLogger(__name__)

_OFF = ("0", "off", "false", "no", "none")


@dataclass(frozen=True)
class JarSet:
    """The Maven coordinates one installed PySpark needs, and where their classpath is cached."""

    spark: str
    scala: str
    hadoop: str
    delta: str

    @property
    def coordinates(self) -> list[str]:
        return [f"io.delta:delta-spark_{self.scala}:{self.delta}",
                f"org.apache.hadoop:hadoop-aws:{self.hadoop}"]

    @property
    def key(self) -> str:
        return f"spark-{self.spark}_delta-{self.delta}_hadoop-{self.hadoop}"


@dataclass(frozen=True)
class Resolution:
    """The JARs to load (empty when unavailable) and, when empty, why."""

    jars: tuple[str, ...]
    reason: str

    @property
    def available(self) -> bool:
        return bool(self.jars)


def installed_jar_set() -> JarSet:
    """Coordinates matching the installed ``pyspark`` and ``delta-spark`` packages."""
    import pyspark

    jars_dir = Path(pyspark.__file__).parent / "jars"
    hadoop = _jar_version(jars_dir, "hadoop-client-api")
    scala_full = _jar_version(jars_dir, "scala-library")
    try:
        delta = metadata.version("delta-spark")
    except metadata.PackageNotFoundError as exc:
        raise EnvironmentProblem("the delta-spark Python package is not installed",
                                 hint="pip install delta-spark matching your PySpark") from exc
    return JarSet(spark=pyspark.__version__, scala=".".join(scala_full.split(".")[:2]),
                  hadoop=hadoop, delta=delta)


def _jar_version(jars_dir: Path, artifact: str) -> str:
    for jar in jars_dir.glob(f"{artifact}-*.jar"):
        match = re.fullmatch(rf"{re.escape(artifact)}-(\d+(?:\.\d+)+)\.jar", jar.name)
        if match:
            return match.group(1)
    raise EnvironmentProblem(f"cannot tell the {artifact} version of this PySpark",
                             hint=f"expected {jars_dir}/{artifact}-<version>.jar")


def cache_dir() -> Path:
    """Where classpath files live: ``$LAKEHOUSE_JARS_DIR``, else ``.jars`` of a source checkout,
    else ``~/.cache/lakehouse/jars``."""
    if os.environ.get("LAKEHOUSE_JARS_DIR"):
        return Path(os.environ["LAKEHOUSE_JARS_DIR"]).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and os.access(checkout, os.W_OK):
        return checkout / ".jars"
    return Path.home() / ".cache" / "lakehouse" / "jars"


def cached(jar_set: JarSet, directory: Path | None = None) -> tuple[str, ...] | None:
    """The cached classpath, if every JAR in it still exists."""
    file = (directory or cache_dir()) / f"{jar_set.key}.classpath"
    if not file.is_file():
        return None
    jars = tuple(p for p in file.read_text(encoding="utf-8").strip().split(os.pathsep) if p)
    return jars if jars and all(Path(p).is_file() for p in jars) else None


def fetch(jar_set: JarSet, directory: Path | None = None, *, quiet: bool = True) -> tuple[str, ...]:
    """Resolve ``jar_set`` with Maven (downloads into ``~/.m2`` once) and cache the classpath.

    Raises:
        EnvironmentProblem: Maven is missing or the registry refused an artifact.
    """
    mvn = shutil.which("mvn")
    if not mvn:
        raise EnvironmentProblem("Apache Maven (mvn) is not installed",
                                 hint="install Maven, or set LAKEHOUSE_JARS=off to use the "
                                      "portable Delta path without S3 support in Spark")
    directory = directory or cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{jar_set.key}.classpath"
    with tempfile.TemporaryDirectory(prefix="lakehouse-jars-") as tmp:
        pom = Path(tmp) / "pom.xml"
        pom.write_text(_pom(jar_set), encoding="utf-8")
        out = Path(tmp) / "classpath.txt"
        cmd = [mvn, "-B", "-f", str(pom), "dependency:build-classpath",
               f"-Dmdep.outputFile={out}", "-Dmdep.includeScope=runtime"]
        if quiet:
            cmd.insert(2, "-q")
        done = subprocess.run(cmd, capture_output=quiet, text=True, check=False)
        if done.returncode != 0 or not out.is_file():
            detail = _maven_error(done.stdout if quiet else "")
            raise EnvironmentProblem(f"Maven could not resolve {', '.join(jar_set.coordinates)}"
                                     f"{': ' + detail if detail else ''}",
                                     hint="check that the Maven registry is reachable "
                                          "(or run offline on the portable path)")
        resolved = [p for p in out.read_text(encoding="utf-8").strip().split(os.pathsep) if p]
    jars = tuple(p for p in resolved if _artifact_id(Path(p).name) not in _pyspark_artifacts())
    target.write_text(os.pathsep.join(jars) + "\n", encoding="utf-8")
    return jars


def _artifact_id(jar_name: str) -> str:
    """``jackson-core-2.13.5.jar`` -> ``jackson-core``."""
    return re.sub(r"-\d[\w.\-]*\.jar$", "", jar_name)


def _pyspark_artifacts() -> set[str]:
    """Artifacts PySpark already ships: never load a second version of those (jackson, parquet,
    hadoop-client, log4j, ...), as ``--packages`` would conflict on them too."""
    import pyspark

    return {_artifact_id(j.name) for j in (Path(pyspark.__file__).parent / "jars").glob("*.jar")}


def _maven_error(output: str) -> str:
    errors = [line.removeprefix("[ERROR] ").strip() for line in output.splitlines()
              if line.startswith("[ERROR]") and line.strip() != "[ERROR]"]
    return errors[0][:300] if errors else ""


def _pom(jar_set: JarSet) -> str:
    exclusions = ("<exclusions><exclusion><groupId>org.apache.spark</groupId>"
                  "<artifactId>*</artifactId></exclusion></exclusions>")
    deps = []
    for coordinate in jar_set.coordinates:
        group, artifact, version = coordinate.split(":")
        deps.append(f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
                    f"<version>{version}</version>{exclusions}</dependency>")
    return ("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>4.0.0</modelVersion>"
            "<groupId>lakehouse.local</groupId><artifactId>spark-jars</artifactId><version>1</version>"
            "<packaging>pom</packaging><dependencies>" + "".join(deps) + "</dependencies></project>")


@cache
def resolve() -> Resolution:
    """The Delta + S3 JARs for the installed PySpark: cached, else fetched (once per process).

    ``LAKEHOUSE_JARS=off`` disables them (portable path, no ``s3a://`` in Spark).
    """
    if os.environ.get("LAKEHOUSE_JARS", "").lower() in _OFF:
        return _unavailable("disabled by LAKEHOUSE_JARS=off")
    try:
        jar_set = installed_jar_set()
        jars = cached(jar_set)
        if jars is None:
            log.info("resolving %s with Maven (first use)", ", ".join(jar_set.coordinates))
            jars = fetch(jar_set)
    except EnvironmentProblem as exc:
        return _unavailable(exc.message + (f" ({exc.hint})" if exc.hint else ""))
    return Resolution(jars, "resolved")


def _unavailable(reason: str) -> Resolution:
    print(f"lakehouse: Delta/S3 JARs unavailable: {reason}. Tables use the portable Delta "
          "path and Spark cannot read s3a:// paths.", file=sys.stderr)
    return Resolution((), reason)


def main(argv: list[str] | None = None) -> int:
    """``python -m lakehouse.spark.jars``: resolve now and print where the classpath is cached."""
    jar_set = installed_jar_set()
    try:
        jars = cached(jar_set) or fetch(jar_set)
    except EnvironmentProblem as exc:
        print(f"lakehouse: {exc}\nContinuing without them: tables use the portable Delta path.",
              file=sys.stderr)
        return 0
    print(f"JARs for Spark {jar_set.spark}: {', '.join(jar_set.coordinates)} "
          f"({len(jars)} files, classpath cached in {cache_dir()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
