"""boto3 clients for the trigger pipeline (``endpoint_url`` points tests at a moto server)."""

from __future__ import annotations

import os
from typing import Any

ENDPOINT_ENV = "LAKEHOUSE_AWS_ENDPOINT_URL"


def client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 client; ``endpoint_url`` falls back to ``$LAKEHOUSE_AWS_ENDPOINT_URL``."""
    import boto3
    from botocore.config import Config

    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return boto3.client(
        service,
        region_name=region or "us-east-1",
        endpoint_url=endpoint_url or os.environ.get(ENDPOINT_ENV) or None,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )
