"""boto3 clients for the trigger pipeline: the framework's one factory, ``storage/aws.py``."""

from lakehouse.storage.aws import ENDPOINT_ENV, client

__all__ = ["ENDPOINT_ENV", "client"]
