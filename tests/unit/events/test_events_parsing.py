"""Every notification shape parses to the same arrivals; anything else is rejected, not crashed on."""

from __future__ import annotations

import json

import pytest

from lakehouse.events.parsing import EventRejected, parse_message


def s3_record(key: str, *, bucket: str = "landing", event: str = "ObjectCreated:Put",
              etag: str = "abc123", size: int = 42, version: str | None = None,
              sequencer: str | None = "0062E99A88DC407460") -> dict:
    obj = {"key": key, "size": size, "eTag": etag}
    if version:
        obj["versionId"] = version
    if sequencer:
        obj["sequencer"] = sequencer
    return {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-11-22T00:00:00.000Z", "eventName": event,
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "c",
                   "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": obj}}


def s3_event(*keys: str, **kw) -> dict:
    return {"Records": [s3_record(k, **kw) for k in keys]}


def sns_envelope(inner: dict) -> dict:
    return {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:1:t",
            "Subject": "Amazon S3 Notification", "Message": json.dumps(inner),
            "Timestamp": "2026-11-22T00:00:00.000Z"}


def eventbridge_event(key: str, detail_type: str = "Object Created") -> dict:
    return {"version": "0", "id": "e-1", "detail-type": detail_type, "source": "aws.s3",
            "account": "123456789012", "time": "2026-11-22T00:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:s3:::landing"],
            "detail": {"version": "0", "bucket": {"name": "landing"},
                       "object": {"key": key, "size": 42, "etag": "abc123",
                                  "version-id": "v1", "sequencer": "617f08299329d189"},
                       "reason": "PutObject"}}


@pytest.mark.parametrize(("encoded", "decoded"), [
    ("flights/flights_2013_01.csv", "flights/flights_2013_01.csv"),
    ("flights/my+file+2013.csv", "flights/my file 2013.csv"),
    ("flights/a%2Bb.csv", "flights/a+b.csv"),
    ("flights/caf%C3%A9+%E2%9C%88.csv", "flights/café ✈.csv"),
    ("flights/x%3D1%2F2.csv", "flights/x=1/2.csv"),
])
def test_s3_to_sqs_keys_are_form_url_decoded(encoded: str, decoded: str) -> None:
    parsed = parse_message(json.dumps(s3_event(encoded)))
    assert [a.key for a in parsed.arrivals] == [decoded]
    arrival = parsed.arrivals[0]
    assert (arrival.bucket, arrival.size, arrival.etag, arrival.shape) == ("landing", 42, "abc123", "s3")
    assert arrival.sequencer == "0062E99A88DC407460"


def test_several_records_in_one_message_all_parse() -> None:
    parsed = parse_message(json.dumps(s3_event("a/1.csv", "a/2.csv", "a/3.csv")))
    assert [a.key for a in parsed.arrivals] == ["a/1.csv", "a/2.csv", "a/3.csv"]


def test_sns_wrapped_s3_event_parses_to_the_same_arrival() -> None:
    direct = parse_message(json.dumps(s3_event("flights/a+b.csv"))).arrivals[0]
    wrapped = parse_message(json.dumps(sns_envelope(s3_event("flights/a+b.csv")))).arrivals[0]
    assert wrapped.shape == "sns"
    assert wrapped.identity == direct.identity
    assert wrapped.key == "flights/a b.csv"


def test_eventbridge_object_created() -> None:
    arrival = parse_message(json.dumps(eventbridge_event("flights/x+y.csv"))).arrivals[0]
    assert (arrival.bucket, arrival.key, arrival.version_id) == ("landing", "flights/x y.csv", "v1")
    assert arrival.shape == "eventbridge"
    assert arrival.sequencer == "617f08299329d189"


def test_eventbridge_other_detail_types_are_ignored_not_rejected() -> None:
    parsed = parse_message(eventbridge_event("flights/x.csv", detail_type="Object Deleted"))
    assert parsed.arrivals == ()
    assert "Object Deleted" in parsed.ignored[0]


def test_lambda_invocation_with_s3_records_dict() -> None:
    parsed = parse_message(s3_event("flights/a.csv", version="3HL4kqtJlcpXroDTDmJ"))
    assert parsed.arrivals[0].version_id == "3HL4kqtJlcpXroDTDmJ"
    assert parsed.arrivals[0].identity == "landing/flights/a.csv#3HL4kqtJlcpXroDTDmJ#42"


def test_sqs_triggered_lambda_record_body_is_unwrapped() -> None:
    event = {"Records": [{"messageId": "1", "eventSource": "aws:sqs",
                          "body": json.dumps(s3_event("flights/a.csv"))}]}
    assert [a.key for a in parse_message(event).arrivals] == ["flights/a.csv"]


def test_sns_to_lambda_record() -> None:
    event = {"Records": [{"EventSource": "aws:sns",
                          "Sns": {"Message": json.dumps(s3_event("flights/a.csv"))}}]}
    assert parse_message(event).arrivals[0].shape == "sns"


def test_s3_test_event_is_acknowledged_and_ignored() -> None:
    body = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-22T00:00:00Z",
            "Bucket": "landing", "RequestId": "r", "HostId": "h"}
    parsed = parse_message(json.dumps(body))
    assert parsed.arrivals == ()
    assert parsed.ignored == ("s3:TestEvent for bucket 'landing'",)
    # the same test event forwarded through SNS
    assert parse_message(sns_envelope(body)).ignored == parsed.ignored


def test_removed_events_are_ignored_with_reason() -> None:
    parsed = parse_message(s3_event("flights/a.csv", event="ObjectRemoved:Delete"))
    assert parsed.arrivals == ()
    assert parsed.ignored == ("ObjectRemoved:Delete for landing/flights/a.csv",)


def test_etag_quotes_and_null_version_are_normalised() -> None:
    arrival = parse_message(s3_event("f/a.csv", etag='"abc"', version="null")).arrivals[0]
    assert (arrival.etag, arrival.version_id) == ("abc", None)
    assert arrival.identity == "landing/f/a.csv#etag:abc#42"


@pytest.mark.parametrize(("payload", "fragment"), [
    ("not json at all", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"hello": "world"}), "unrecognized message shape"),
    (json.dumps({"Records": []}), "non-empty list"),
    (json.dumps({"Records": ["x"]}), "Records[0] is not an object"),
    (json.dumps({"Records": [{"eventSource": "aws:dynamodb"}]}), "expected 'aws:s3'"),
    (json.dumps({"Type": "Notification", "Message": "{broken"}), "not JSON"),
    (json.dumps(s3_event("")), "object key is missing"),
    (json.dumps(s3_event("a.csv", etag="", sequencer=None)), "neither an ETag nor a version id"),
    (json.dumps(s3_event("a.csv", size="big")), "size 'big' is not an integer"),  # type: ignore[arg-type]
])
def test_anything_else_is_rejected_with_a_reason(payload: str, fragment: str) -> None:
    with pytest.raises(EventRejected) as err:
        parse_message(payload)
    assert fragment in str(err.value)


def test_nesting_is_bounded() -> None:
    doc: dict = s3_event("a.csv")
    for _ in range(6):
        doc = sns_envelope(doc)
    with pytest.raises(EventRejected, match="nested deeper"):
        parse_message(doc)
