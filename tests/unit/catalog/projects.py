"""Build a minimal project (conf/lake.yaml [+ one dataset]) under a folder."""

from __future__ import annotations

from pathlib import Path

DATASET = """\
name: trips
source: {format: csv, path: trips, options: {header: true}}
schema:
  - {name: id, type: int}
  - {name: city, type: string}
primary_key: [id]
schema_policy: %s
"""


EXPORT = """\
name: trips_by_city
inputs: [trips]
sql: SELECT id, city FROM trips
partition_by: [city]
"""


def write_conf(root: Path, *, backend: str = "local", endpoint: str | None = None,
               policy: str = "additive", domain: str | None = None,
               export: bool = False) -> Path:
    conf = root / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    catalog = f"catalog:\n  backend: {backend}\n"
    if domain:
        catalog += f"  domain: {domain}\n"
    if endpoint:
        catalog += f"  endpoint_url: {endpoint}\n  region: us-east-1\n"
    (conf / "lake.yaml").write_text(
        f"project: demo\nlake:\n  root: ./lake\n{catalog}", encoding="utf-8")
    (conf / "datasets" / "trips.yaml").write_text(DATASET % policy, encoding="utf-8")
    if export:
        (conf / "exports").mkdir(exist_ok=True)
        (conf / "exports" / "trips_by_city.yaml").write_text(EXPORT, encoding="utf-8")
    return conf


def make_project(root: Path, **kwargs):
    from lakehouse.config import load_project

    return load_project(write_conf(root, **kwargs))
