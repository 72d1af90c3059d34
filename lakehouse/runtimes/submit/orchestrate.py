"""``lakehouse submit``: package (or reuse a package), upload, start, follow.

Usable from Python as well as from the CLI::

    result = submit(project, target="glue", datasets=["flights"], stage="ingest")
    assert result.succeeded
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from lakehouse.config.project import Project
from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.args import JobArgs, Stage
from lakehouse.runtimes.aws import client
from lakehouse.runtimes.submit.artifacts import upload_set
from lakehouse.runtimes.submit.follow import RunState, SubmitResult, follow
from lakehouse.runtimes.submit.manifest import CONF, ArtifactSet
from lakehouse.runtimes.submit.packaging import resolved_conf_zip

Target = Literal["local", "glue", "emr", "emr-serverless", "spark-cluster"]
TARGETS: tuple[str, ...] = ("local", "glue", "emr", "emr-serverless", "spark-cluster")
Progress = Callable[[str, bool], None]
T = TypeVar("T")


def make_submitter(project: Project, target: Target) -> Any:
    """The submitter object for a cluster target, with its boto3 client."""
    settings = project.lake.runtimes
    if target == "glue":
        from lakehouse.runtimes.submit.glue import GlueSubmitter

        return GlueSubmitter(project, client("glue", settings))
    if target == "emr":
        from lakehouse.runtimes.submit.emr import EmrSubmitter

        return EmrSubmitter(project, client("emr", settings))
    from lakehouse.runtimes.submit.emr_serverless import EmrServerlessSubmitter

    return EmrServerlessSubmitter(project, client("emr-serverless", settings))


def prepare_artifacts(project: Project, target: Target, package_dir: Path | None,
                      **build_options: Any) -> ArtifactSet:
    """Reuse the set in ``package_dir``, or build one into ``<project>/dist``."""
    if package_dir is not None:
        return ArtifactSet.load(package_dir)
    from lakehouse.runtimes.submit.packaging import build_package

    wants_venv = target in ("emr-serverless", "spark-cluster") or (
        target == "emr" and project.lake.runtimes.emr.use_deps_archive)
    deps = build_options.pop("deps_archive", wants_venv)
    glue = build_options.pop("glue_wheels", target == "glue")
    return build_package(project.project_dir, project.project_dir / "dist",
                         deps_archive=deps, glue_wheels=glue, **build_options)


def submit(project: Project, *, target: Target, datasets: list[str] | None = None,
           stage: Stage = "all", package_dir: Path | None = None, wait: bool = True,
           timeout: float | None = None, progress: Progress | None = None,
           echo: Callable[[str], None] = print, sleep: Callable[[float], None] | None = None,
           attach: str | None = None, master: str | None = None, upload_only: bool = False,
           **build_options: Any) -> SubmitResult:
    """Start one pipeline run on ``target`` and (unless ``wait=False``) follow it to the end.

    ``attach`` follows an already started run (e.g. after ``wait=False``) instead;
    ``master`` is the ``spark://host:port`` of a ``spark-cluster`` target; ``upload_only``
    uploads the artifact set (with the resolved ``conf/``) and starts nothing, for jobs that
    Terraform defines (``lakehouse infra vars --package-dir`` names the same keys).
    """
    if attach is not None and target not in ("local", "spark-cluster"):
        submitter = make_submitter(project, target)
        result = SubmitResult(target=target, run_id=attach, state="SUBMITTED", succeeded=None,
                              logs=submitter.logs(attach))
        return _follow(project, submitter, result, timeout, progress, sleep)
    project.select_datasets(datasets)  # unknown names fail here, not on the cluster
    args = JobArgs(datasets=list(datasets or []), stage=stage, env=project.lake.profile,
                   runtime=target)
    if target == "local":
        from lakehouse.runtimes.submit.local import run_local

        local_args = JobArgs(datasets=args.datasets, stage=stage, env=args.env,
                             conf=str(project.conf_dir), runtime="local")
        return run_local(project, local_args, echo=echo)
    if target == "spark-cluster":
        from lakehouse.runtimes.submit.spark_cluster import run_spark_cluster

        artifacts = prepare_artifacts(project, target, package_dir, **build_options)
        return run_spark_cluster(project, args, artifacts, master=master or "", echo=echo)
    submitter = make_submitter(project, target)
    artifacts = prepare_artifacts(project, target, package_dir, **build_options)
    with tempfile.TemporaryDirectory(prefix="lakehouse-submit-") as tmp:
        # the conf/ being submitted, resolved for this profile on this machine
        conf_zip = resolved_conf_zip(project.conf_dir, project.lake.profile,
                                     Path(tmp) / "conf.zip")
        uploaded = upload_set(artifacts, project.lake.runtimes.artifacts_uri,
                              client("s3", project.lake.runtimes), roles=set(submitter.roles),
                              overrides={CONF: conf_zip})
    echo(f"artifacts: {len(uploaded.uploaded)} uploaded, {len(uploaded.skipped)} already in S3")
    if upload_only:
        for path, uri in sorted(uploaded.uris.items()):
            echo(f"  {path:<40} {uri}")
        return SubmitResult(target=target, run_id="", state="UPLOADED", succeeded=True,
                            uploaded=uploaded.uploaded, skipped=uploaded.skipped,
                            request={"uris": uploaded.uris})
    if target != "glue":
        args = JobArgs(datasets=args.datasets, stage=stage, env=args.env,
                       conf=uploaded.conf, runtime=target)
    run_id, request = _aws(f"starting the {target} run", lambda: submitter.start(args, uploaded))
    echo(f"{target}: started run {run_id}")
    result = SubmitResult(target=target, run_id=run_id, state="SUBMITTED", succeeded=None,
                          logs=submitter.logs(run_id), uploaded=uploaded.uploaded,
                          skipped=uploaded.skipped, request=request)
    if not wait:
        return result
    return _follow(project, submitter, result, timeout, progress, sleep)


def _aws(what: str, call: Callable[[], T]) -> T:
    """Wrap AWS errors (access denied, validation, throttling) with what was being done."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except (ClientError, BotoCoreError) as exc:
        raise RuntimeSubmissionError(f"{what} failed: {exc}",
                                     hint="check the profile's runtimes settings and the "
                                          "submitter's IAM permissions (docs/running-on-aws.md)"
                                     ) from exc


def _follow(project: Project, submitter: Any, result: SubmitResult, timeout: float | None,
            progress: Progress | None, sleep: Callable[[float], None] | None) -> SubmitResult:
    what = f"reading the state of {result.target} run {result.run_id}"
    final: RunState = follow(lambda: _aws(what, lambda: submitter.status(result.run_id)),
                             label=f"{result.target} {result.run_id}",
                             interval=project.lake.runtimes.poll_seconds, timeout=timeout,
                             progress=progress, **({"sleep": sleep} if sleep else {}))
    result.state, result.succeeded, result.reason = final.state, final.succeeded, final.reason
    return result
