"""The one boto3 client factory: region, endpoint override and standard retries, everywhere.

* region: the caller's, else ``$AWS_REGION`` / ``$AWS_DEFAULT_REGION``, else the AWS config
  file's, else ``us-east-1``;
* endpoint: the caller's, else ``$LAKEHOUSE_AWS_ENDPOINT_URL`` (a moto server in tests), else
  botocore's own resolution (``$AWS_ENDPOINT_URL_<SERVICE>``, ``$AWS_ENDPOINT_URL``, AWS);
* retries: botocore's ``standard`` mode, 5 attempts (throttling and transient errors).
"""

from __future__ import annotations

import os
from typing import Any

ENDPOINT_ENV = "LAKEHOUSE_AWS_ENDPOINT_URL"
RETRIES = {"max_attempts": 5, "mode": "standard"}
DEFAULT_REGION = "us-east-1"


def resolve_region(region: str | None = None) -> str:
    """The region a client uses (see the module docstring)."""
    if region:
        return region
    env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if env:
        return env
    import boto3

    return boto3.session.Session().region_name or DEFAULT_REGION


def resolve_endpoint(endpoint: str | None = None) -> str | None:
    """The endpoint override a client uses, or None for botocore's own resolution."""
    return endpoint or os.environ.get(ENDPOINT_ENV) or None


def client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` (see the module docstring for the defaults)."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=resolve_region(region),
                        endpoint_url=resolve_endpoint(endpoint_url), config=Config(retries=RETRIES))
