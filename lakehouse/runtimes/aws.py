"""boto3 clients for the submitters: the profile's region and endpoint, through ``storage/aws.py``."""

from __future__ import annotations

import os
from typing import Any

from lakehouse.config.runtimes import RuntimesSection
from lakehouse.storage import aws
from lakehouse.storage.aws import ENDPOINT_ENV


def endpoint_url(settings: RuntimesSection | None = None) -> str | None:
    """``$LAKEHOUSE_AWS_ENDPOINT_URL`` if set, else the profile's ``runtimes.endpoint_url``."""
    return os.environ.get(ENDPOINT_ENV) or (settings.endpoint_url if settings else None)


def client(service: str, settings: RuntimesSection | None = None) -> Any:
    """A boto3 client for ``service`` honouring the profile's region and endpoint."""
    return aws.client(service, region=settings.region if settings else None,
                      endpoint_url=endpoint_url(settings))
