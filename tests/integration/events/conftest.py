"""AWS clients on the moto server for the trigger tests (projects: root conftest)."""

from __future__ import annotations

import pytest


@pytest.fixture
def aws(moto_endpoint: str):
    """boto3 clients (s3, sqs) talking to the moto server."""
    from lakehouse.events.aws import client

    class Clients:
        endpoint = moto_endpoint
        s3 = client("s3", endpoint_url=moto_endpoint)
        sqs = client("sqs", endpoint_url=moto_endpoint)

    return Clients
