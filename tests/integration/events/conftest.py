"""Throwaway projects (conf/ under tmp_path) for the trigger tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from lakehouse.config import Project, load_project


def write_project(root: Path, *, datasets: dict[str, tuple[str, str]],
                  lake: dict | None = None) -> Path:
    """Write ``root/conf`` with minimal datasets ``{name: (path, pattern)}``; returns conf dir."""
    conf = root / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    settings = {"project": "trig", "lake": {"root": str(root / ".lake")}, **(lake or {})}
    (conf / "lake.yaml").write_text(yaml.safe_dump(settings))
    for name, (path, pattern) in datasets.items():
        doc = {"name": name, "source": {"format": "csv", "path": path, "pattern": pattern},
               "schema": [{"name": "id", "type": "int"}], "primary_key": ["id"]}
        (conf / "datasets" / f"{name}.yaml").write_text(yaml.safe_dump(doc))
    return conf


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Project]:
    def make(datasets: dict[str, tuple[str, str]] | None = None, **lake) -> Project:
        conf = write_project(tmp_path, datasets=datasets or {"flights": ("flights", "*.csv*"),
                                                              "weather": ("weather", "*.csv")},
                             lake=lake)
        return load_project(conf)

    return make


@pytest.fixture
def aws(moto_endpoint: str):
    """boto3 clients (s3, sqs) talking to the moto server."""
    from lakehouse.events.aws import client

    class Clients:
        endpoint = moto_endpoint
        s3 = client("s3", endpoint_url=moto_endpoint)
        sqs = client("sqs", endpoint_url=moto_endpoint)

    return Clients
