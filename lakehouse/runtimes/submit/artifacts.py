"""Upload an artifact set to S3, content-addressed: ``{artifacts_uri}/{sha256}/{file name}``.

An object already at its key has the same bytes, so it is not uploaded again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from lakehouse.errors import RuntimeSubmissionError
from lakehouse.runtimes.submit.manifest import (
    CONF,
    DEPS,
    GLUE_PYTHON,
    GLUE_WHEELS,
    REQUIREMENTS,
    REQUIREMENTS_SPARK4,
    WHEEL,
    Artifact,
    ArtifactSet,
    sha256_of,
)


@dataclass
class UploadedSet:
    """Where each artifact of a set lives in S3, and what this upload did."""

    uris: dict[str, str] = field(default_factory=dict)  # artifact path -> s3 URI
    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    artifacts: ArtifactSet | None = None

    def uri(self, item: Artifact) -> str:
        return self.uris[item.path]

    def role(self, role: str, hint: str = "run `lakehouse package`") -> str:
        assert self.artifacts is not None
        return self.uri(self.artifacts.require(role, hint))

    @property
    def wheel(self) -> str:
        return self.role(WHEEL)

    @property
    def conf(self) -> str:
        return self.role(CONF)

    @property
    def requirements(self) -> str:
        return self.role(REQUIREMENTS)

    @property
    def requirements_spark4(self) -> str:
        return self.role(REQUIREMENTS_SPARK4, "rebuild the set with this `lakehouse package`")

    def glue_wheels(self, spark_major: int) -> str:
        return self.role(GLUE_WHEELS[spark_major],
                         f"run `lakehouse package` (it needs requirements/locks/cluster-py"
                         f"{GLUE_PYTHON[spark_major].replace('.', '')}.txt) without "
                         "--skip-glue-wheels")

    def deps(self) -> str:
        return self.role(DEPS, "run `lakehouse package` without --skip-deps-archive")

    def job(self, script: str) -> str:
        assert self.artifacts is not None
        return self.uri(self.artifacts.job(script))


def artifact_key(prefix: str, item: Artifact) -> str:
    name = PurePosixPath(item.path).name
    return "/".join(p for p in (prefix.strip("/"), item.sha256, name) if p)


def upload_set(artifacts: ArtifactSet, artifacts_uri: str | None, s3: Any,
               roles: set[str] | None = None,
               overrides: dict[str, Path] | None = None) -> UploadedSet:
    """Upload the artifacts (all, or those with a role in ``roles``) unless already present.

    ``overrides`` maps a role to a file sent in place of the packaged one (``submit`` sends
    the project's current ``conf/`` this way). A file the set lists as ``remote`` is not here:
    it must already be in S3.
    """
    if not artifacts_uri or not artifacts_uri.startswith("s3://"):
        raise RuntimeSubmissionError(
            f"runtimes.artifacts_uri must be an s3:// URI, got {artifacts_uri!r}",
            hint="set runtimes.artifacts_uri in the profile, e.g. s3://my-bucket/artifacts")
    parsed = urlparse(artifacts_uri)
    bucket, prefix = parsed.netloc, parsed.path
    result = UploadedSet(artifacts=artifacts)
    for packaged in artifacts.artifacts:
        if roles is not None and packaged.role not in roles:
            continue
        local = (overrides or {}).get(packaged.role) or artifacts.root / packaged.path
        item = packaged if local == artifacts.root / packaged.path else Artifact(
            role=packaged.role, path=packaged.path, sha256=sha256_of(local),
            size=local.stat().st_size)
        key = artifact_key(prefix, item)
        result.uris[item.path] = f"s3://{bucket}/{key}"
        if _exists(s3, bucket, key):
            result.skipped.append(item.path)
            continue
        if not local.is_file():
            raise RuntimeSubmissionError(
                f"{item.path} (sha256 {item.sha256[:12]}...) is not in {artifacts.root} and not "
                f"in s3://{bucket}/{key}", hint="upload the set once from the machine that "
                "built it: `lakehouse submit --package-dir DIR --target ...` (the trigger "
                "Lambda's copy leaves the EMR Serverless venv out)")
        try:
            s3.upload_file(str(local), bucket, key,
                           ExtraArgs={"Metadata": {"sha256": item.sha256}})
        except Exception as exc:  # boto3 transfer errors wrap ClientError
            raise RuntimeSubmissionError(f"uploading {item.path} to s3://{bucket}/{key} failed: "
                                         f"{exc}", hint="check the bucket exists and that you "
                                         "may s3:PutObject there") from exc
        result.uploaded.append(item.path)
    return result


def _exists(s3: Any, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in ("404", "NoSuchKey", "NotFound"):
            return False
        raise RuntimeSubmissionError(f"cannot check s3://{bucket}/{key}: {exc}",
                                     hint="the submitter needs s3:GetObject (HeadObject) on "
                                          "the artifacts prefix") from exc
    return True
