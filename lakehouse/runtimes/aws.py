"""boto3 clients for the submitters, pointed at the profile's region and endpoint."""

from __future__ import annotations

import os
from typing import Any

from lakehouse.config.runtimes import RuntimesSection

ENDPOINT_ENV = "LAKEHOUSE_AWS_ENDPOINT_URL"


def endpoint_url(settings: RuntimesSection | None = None) -> str | None:
    """``$LAKEHOUSE_AWS_ENDPOINT_URL`` if set, else the profile's ``runtimes.endpoint_url``."""
    return os.environ.get(ENDPOINT_ENV) or (settings.endpoint_url if settings else None)


def client(service: str, settings: RuntimesSection | None = None) -> Any:
    """A boto3 client for ``service`` honouring the profile's region and endpoint."""
    import boto3

    region = (settings.region if settings else None) or os.environ.get("AWS_REGION") \
        or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url(settings))
