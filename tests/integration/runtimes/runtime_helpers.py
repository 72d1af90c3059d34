"""Helpers for the runtime tests: throwaway projects and a hand-made tiny wheel."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

from lakehouse.testing.project import write_project as write_project_files

REPO_ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = "123456789012"  # moto's default account
AIRPORTS_CSV = """faa,name,lat,lon,alt,tz,dst,tzone
ABQ,Albuquerque International Sunport,35.040222,-106.609194,5355,-7,A,America/Denver
BOS,General Edward Lawrence Logan Intl,42.364347,-71.005181,19,-5,A,America/New_York
JFK,John F Kennedy Intl,40.639751,-73.778925,13,-5,A,America/New_York
"""
LAKE_YAML = """project: tiny
lake:
  root: {root}
spark:
  master: local[1]
  shuffle_partitions: 1
  driver_memory: 1g
profiles:
  moto:
    runtimes:
      region: us-east-1
      endpoint_url: ${{env:LAKEHOUSE_TEST_AWS_ENDPOINT}}
      artifacts_uri: s3://{bucket}/artifacts
      poll_seconds: 0.01
      glue:
        role_arn: arn:aws:iam::{account}:role/lakehouse-glue-job
        job_name: {job}
        glue_version: "{glue_version}"
        worker_type: G.2X
        number_of_workers: 5
        timeout: 30
      emr:
        cluster_id: {cluster}
      emr_serverless:
        application_id: {application}
        execution_role_arn: arn:aws:iam::{account}:role/lakehouse-emr-serverless
"""


def write_project(root: Path, *, bucket: str = "unused", job: str = "lakehouse-tiny",
                  glue_version: str = "5.1", cluster: str = "j-NONE",
                  application: str = "none") -> Path:
    """A project folder with conf/ (airports only) and three airports in its landing zone."""
    lake = LAKE_YAML.format(root=(root / ".lake").as_posix(), bucket=bucket, account=ACCOUNT, job=job,
                            glue_version=glue_version, cluster=cluster, application=application)
    airports = (REPO_ROOT / "conf" / "datasets" / "airports.yaml").read_text()
    write_project_files(root, lake=lake, datasets={"airports": airports},
                        landing={"airports/airports.csv": AIRPORTS_CSV})
    return root


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def make_tiny_wheel(folder: Path, name: str = "tinydep", version: str = "0.1") -> Path:
    """A minimal valid pure-Python wheel, so the venv archive installs without any index."""
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{name}-{version}.dist-info/METADATA":
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{name}-{version}.dist-info/WHEEL":
            b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = f"{name}-{version}.dist-info/RECORD"
    lines = [_record_line(n, d) for n, d in files.items()] + [f"{record},,"]
    files[record] = ("\n".join(lines) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
    return path


def make_tiny_lock(wheel: Path, target: Path) -> Path:
    """A lock in ``make lock``'s format pinning ``wheel`` by its sha256."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    name, version = wheel.name.split("-")[:2]
    target.write_text(f"# tiny lock\n{name}=={version} \\\n    --hash=sha256:{digest}\n"
                      "    # via tests\n")
    return target
