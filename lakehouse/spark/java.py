"""Check that a Java 17+ runtime is present before Spark starts (``python -m lakehouse.spark.java``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from lakehouse.errors import EnvironmentProblem

MIN_JAVA = 17


def java_version() -> int | None:
    """Major version of the ``java`` Spark will use (``$JAVA_HOME/bin/java`` or PATH)."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        return None
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def require_java() -> int:
    """Return the Java major version or raise a readable :class:`EnvironmentProblem`."""
    version = java_version()
    if version is None:
        raise EnvironmentProblem(
            "Java was not found; Spark needs Java 17 or newer.",
            hint="install a JDK 17 (e.g. `apt-get install openjdk-17-jre-headless`) "
                 "or set JAVA_HOME",
        )
    if version < MIN_JAVA:
        raise EnvironmentProblem(
            f"Java {version} found; Spark 3.5 here needs Java {MIN_JAVA} or newer.",
            hint="install a JDK 17 and point JAVA_HOME at it",
        )
    return version


if __name__ == "__main__":
    try:
        print(f"java {require_java()} ok")
    except EnvironmentProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
