"""The local dispatcher copies arrived objects (exact versions, odd keys) from S3 to landing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lakehouse.events.batching import Batch, PendingArrival
from lakehouse.events.dispatch import LocalDispatcher, RunRequest
from lakehouse.events.model import ObjectArrival
from lakehouse.storage.uri import local_path

pytestmark = [pytest.mark.aws, pytest.mark.integration]


def test_copies_the_event_version_to_the_same_relative_key(aws, unique_name, make_project) -> None:
    aws.s3.create_bucket(Bucket=unique_name)
    aws.s3.put_bucket_versioning(Bucket=unique_name,
                                 VersioningConfiguration={"Status": "Enabled"})
    key = "flights/café + ✈ 01.csv"
    first = aws.s3.put_object(Bucket=unique_name, Key=key, Body=b"id\n1\n")
    aws.s3.put_object(Bucket=unique_name, Key=key, Body=b"id\n2\n")       # overwritten since
    batch = Batch("flights", 0.0)
    arrival = ObjectArrival(unique_name, key, 5, first["ETag"].strip('"'),
                            version_id=first["VersionId"])
    batch.items[arrival.identity] = PendingArrival(arrival, key, {"m"})
    project = make_project()
    runs = []
    dispatcher = LocalDispatcher(project, s3=aws.s3,
                                 run=lambda p, **kw: runs.append(kw) or SimpleNamespace(
                                     run_id="r", status="succeeded"))
    dispatcher.dispatch(RunRequest.from_batch(batch))
    landed = local_path(project.zone_uri("landing")) / key
    assert landed.read_bytes() == b"id\n1\n"           # the version the event announced
    assert len(runs) == 1
    assert not list(landed.parent.glob(".arriving-*"))  # no temp files left behind


def test_missing_object_is_a_clear_dispatch_error(aws, unique_name, make_project) -> None:
    from lakehouse.errors import EventError

    aws.s3.create_bucket(Bucket=unique_name)
    batch = Batch("flights", 0.0)
    arrival = ObjectArrival(unique_name, "flights/gone.csv", 5, "e")
    batch.items[arrival.identity] = PendingArrival(arrival, "flights/gone.csv", {"m"})
    dispatcher = LocalDispatcher(make_project(), s3=aws.s3, run=lambda p, **kw: None)
    with pytest.raises(EventError, match=r"could not copy s3://.*/flights/gone.csv") as err:
        dispatcher.dispatch(RunRequest.from_batch(batch))
    assert "s3:GetObject" in str(err.value)
