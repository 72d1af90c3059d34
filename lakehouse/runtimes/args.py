"""Job arguments in Glue style, read the same way on every runtime.

On Glue the script receives ``--JOB_NAME name --dataset flights --stage ingest ...`` plus
Glue's own arguments; ``awsglue.utils.getResolvedOptions`` reads them there. Elsewhere
(``spark-submit``, EMR steps, EMR Serverless) argparse reads the same names. Glue arguments
are a map, so a dataset list is comma-separated (``--dataset flights,planes``); argparse
also accepts the option repeated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

Stage = Literal["ingest", "curate", "export", "all"]
Runtime = Literal["local", "glue", "emr", "emr-serverless", "spark-cluster"]
STAGES: tuple[str, ...] = ("ingest", "curate", "export", "all")
RUNTIMES: tuple[str, ...] = ("local", "glue", "emr", "emr-serverless", "spark-cluster")
# Names getResolvedOptions is asked for when present (it fails on a listed name that is absent).
_OPTIONS = ("JOB_NAME", "dataset", "stage", "env", "conf-uri", "conf", "run-id", "runtime")


@dataclass(frozen=True)
class JobArgs:
    """What a job entry point was asked to do."""

    datasets: list[str] = field(default_factory=list)
    stage: Stage = "all"
    env: str | None = None
    conf: str | None = None
    job_name: str | None = None
    run_id: str | None = None
    runtime: Runtime | None = None

    def to_argv(self) -> list[str]:
        """The Glue-style argument list that parses back to these values."""
        out: list[str] = []
        if self.datasets:
            out += ["--dataset", ",".join(self.datasets)]
        out += ["--stage", self.stage]
        for name, value in (("--env", self.env), ("--conf-uri", self.conf),
                            ("--run-id", self.run_id), ("--runtime", self.runtime)):
            if value:
                out += [name, value]
        return out


def parse_job_args(argv: Sequence[str] | None = None) -> JobArgs:
    """Read job arguments from ``argv`` (default ``sys.argv``; ``argv[0]`` is the script).

    Unknown arguments (Glue adds ``--TempDir``, ``--job-bookmark-option``...) are ignored.
    ``--conf`` is taken as the conf location unless it holds Spark settings (Glue passes
    its ``--conf spark.x=y`` job parameter through to the script).
    """
    argv = list(sys.argv if argv is None else argv)
    raw = _glue_options(argv) if _awsglue_available() else _argparse_options(argv[1:])
    datasets = [d.strip() for item in raw.get("dataset") or [] for d in item.split(",")]
    conf = raw.get("conf_uri") or _conf_location(raw.get("conf"))
    stage = raw.get("stage") or "all"
    runtime = raw.get("runtime")
    if stage not in STAGES:
        raise SystemExit(f"--stage must be one of {', '.join(STAGES)}, got {stage!r}")
    if runtime is not None and runtime not in RUNTIMES:
        raise SystemExit(f"--runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
    return JobArgs(datasets=[d for d in datasets if d], stage=stage, env=raw.get("env"),
                   conf=conf, job_name=raw.get("JOB_NAME"), run_id=raw.get("run_id"),
                   runtime=runtime)


def _awsglue_available() -> bool:
    try:
        import awsglue.utils  # noqa: F401
    except ImportError:
        return False
    return True


def _glue_options(argv: list[str]) -> dict:
    from awsglue.utils import getResolvedOptions

    present = [name for name in _OPTIONS if f"--{name}" in argv]
    resolved = getResolvedOptions(argv, present)
    out = {key.replace("-", "_") if key != "JOB_NAME" else key: value
           for key, value in resolved.items()}
    if "dataset" in out and isinstance(out["dataset"], str):
        out["dataset"] = [out["dataset"]]
    return out


def _argparse_options(args: list[str]) -> dict:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--JOB_NAME", dest="JOB_NAME")
    parser.add_argument("--dataset", action="append")
    parser.add_argument("--stage")
    parser.add_argument("--env")
    parser.add_argument("--conf-uri", dest="conf_uri")
    parser.add_argument("--conf")
    parser.add_argument("--run-id", dest="run_id")
    parser.add_argument("--runtime")
    known, _unknown = parser.parse_known_args(args)
    return vars(known)


def _conf_location(value: str | None) -> str | None:
    if value and value.startswith("spark.") and "=" in value:
        return None
    return value
