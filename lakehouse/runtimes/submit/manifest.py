"""The artifact set ``lakehouse package`` writes, described by ``manifest.json``.

Each file is listed with its sha256, which also names it in S3 (content addressing). A copy
of a set may leave files out and list them as ``remote`` (the trigger Lambda's copy leaves
out the EMR Serverless venv): those are expected in S3 already, under the same key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lakehouse.errors import RuntimeSubmissionError

MANIFEST = "manifest.json"
WHEEL, CONF, REQUIREMENTS, DEPS = "wheel", "conf", "requirements", "deps"
REQUIREMENTS_SPARK4 = "requirements-spark4"  # Glue 6.0: Spark 4.1, Python 3.13
# Glue's zip of the locked wheels, per Spark line: 5.x (Python 3.11) and 6.x (Python 3.13)
GLUE_WHEELS = {3: "glue-wheels", 4: "glue-wheels-spark4"}
GLUE_PYTHON = {3: "3.11", 4: "3.13"}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Artifact:
    """One file of the set: its role, path relative to the set folder, checksum, size."""

    role: str
    path: str
    sha256: str
    size: int


@dataclass
class ArtifactSet:
    """The folder ``lakehouse package`` fills, and what is in it."""

    root: Path
    version: str
    python: str
    requirements: list[str] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)  # listed paths that are only in S3

    def add(self, role: str, path: Path) -> Artifact:
        item = Artifact(role=role, path=path.relative_to(self.root).as_posix(),
                        sha256=sha256_of(path), size=path.stat().st_size)
        self.artifacts = [a for a in self.artifacts if a.path != item.path] + [item]
        return item

    def one(self, role: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.role == role), None)

    def require(self, role: str, hint: str) -> Artifact:
        item = self.one(role)
        if item is None:
            raise RuntimeSubmissionError(f"the artifact set in {self.root} has no {role}",
                                         hint=hint)
        return item

    def job(self, script: str) -> Artifact:
        item = next((a for a in self.artifacts if a.role == "job" and a.path.endswith(script)),
                    None)
        if item is None:
            raise RuntimeSubmissionError(f"job script {script!r} is not in {self.root}",
                                         hint="add it under jobs/ and run `lakehouse package`")
        return item

    def write(self) -> Path:
        doc = {"format": 1, "version": self.version, "python": self.python,
               "requirements": self.requirements,
               "files": [asdict(a) for a in sorted(self.artifacts, key=lambda a: a.path)]}
        if self.remote:
            doc["remote"] = sorted(self.remote)
        target = self.root / MANIFEST
        target.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        return target

    @classmethod
    def load(cls, root: Path) -> ArtifactSet:
        """Read ``root/manifest.json`` and check every listed file (but the remote ones)."""
        target = root / MANIFEST
        if not target.is_file():
            raise RuntimeSubmissionError(f"no {MANIFEST} in {root}",
                                         hint="run `lakehouse package --out DIR` first")
        doc = json.loads(target.read_text(encoding="utf-8"))
        found = cls(root=root, version=doc["version"], python=doc["python"],
                    requirements=list(doc.get("requirements", [])),
                    artifacts=[Artifact(**a) for a in doc["files"]],
                    remote=list(doc.get("remote", [])))
        for item in found.artifacts:
            if item.path in found.remote:
                continue
            path = root / item.path
            if not path.is_file() or sha256_of(path) != item.sha256:
                raise RuntimeSubmissionError(
                    f"{path} is missing or differs from {MANIFEST} (sha256 {item.sha256[:12]}...)",
                    hint="rebuild the set with `lakehouse package`")
        return found
