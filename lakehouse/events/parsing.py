"""Parse every S3-notification shape users meet into :class:`ObjectArrival` values.

Accepted (as an SQS message body, or a Lambda ``event``):

* S3 -> SQS direct, and S3 -> Lambda: ``{"Records": [{"eventSource": "aws:s3", ...}]}``
* S3 -> SNS -> SQS: ``{"Type": "Notification", "Message": "<the S3 JSON as a string>"}``
* SNS -> Lambda: ``{"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "..."}}]}``
* S3 -> EventBridge -> SQS: ``{"source": "aws.s3", "detail-type": "Object Created", "detail": ...}``
* ``s3:TestEvent`` (sent when a notification is configured): acknowledged and ignored.

Object keys are form-URL-encoded in notifications (``+`` is a space); they are decoded here.
Non-creation events (``ObjectRemoved:*``...) are ignored with a reason. Anything else raises
:class:`EventRejected`, which the worker sends to the dead-letter path.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from lakehouse.errors import EventError
from lakehouse.events.model import ObjectArrival, ParsedMessage, Shape

_MAX_DEPTH = 4


class EventRejected(EventError):
    """A message is not an S3 notification this framework understands (poison message)."""


def parse_message(payload: str | bytes | dict[str, Any]) -> ParsedMessage:
    """Parse an SQS message body (string) or an already-decoded event (dict).

    Raises:
        EventRejected: the payload is not JSON or not a known S3 notification shape.
    """
    arrivals: list[ObjectArrival] = []
    ignored: list[str] = []
    _parse(payload, arrivals, ignored, depth=0, shape="s3")
    if not arrivals and not ignored:
        raise EventRejected("notification carries no records", hint=_HINT)
    return ParsedMessage(arrivals=tuple(arrivals), ignored=tuple(ignored))


_HINT = ("expected an S3 event notification (Records[]), an SNS envelope around one, "
         "an EventBridge 'Object Created' event or an s3:TestEvent")


def _parse(payload: Any, arrivals: list[ObjectArrival], ignored: list[str], *,
           depth: int, shape: Shape) -> None:
    if depth > _MAX_DEPTH:
        raise EventRejected(f"envelopes nested deeper than {_MAX_DEPTH} levels")
    doc = _as_dict(payload)
    if doc.get("Event") == "s3:TestEvent":
        ignored.append(f"s3:TestEvent for bucket {doc.get('Bucket')!r}")
    elif doc.get("Type") == "Notification" and "Message" in doc:
        _parse(doc["Message"], arrivals, ignored, depth=depth + 1, shape="sns")
    elif doc.get("Type") in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        ignored.append(f"SNS {doc['Type']} for topic {doc.get('TopicArn')!r}")
    elif "Records" in doc:
        records = doc["Records"]
        if not isinstance(records, list) or not records:
            raise EventRejected("'Records' must be a non-empty list", hint=_HINT)
        for i, record in enumerate(records):
            _parse_record(record, i, arrivals, ignored, depth=depth, shape=shape)
    elif doc.get("source") == "aws.s3" and "detail" in doc:
        _parse_eventbridge(doc, arrivals, ignored)
    else:
        keys = sorted(doc)[:8]
        raise EventRejected(f"unrecognized message shape (top-level keys {keys})", hint=_HINT)


def _as_dict(payload: Any) -> dict[str, Any]:
    if isinstance(payload, bytes | str):
        try:
            payload = json.loads(payload)
        except ValueError as exc:
            text = payload[:80] if isinstance(payload, str) else payload[:80].decode(errors="replace")
            raise EventRejected(f"message body is not JSON ({exc.msg}): {text!r}",
                                hint=_HINT) from None
    if not isinstance(payload, dict):
        raise EventRejected(f"expected a JSON object, got {type(payload).__name__}", hint=_HINT)
    return payload


def _parse_record(record: Any, index: int, arrivals: list[ObjectArrival], ignored: list[str], *,
                  depth: int, shape: Shape) -> None:
    if not isinstance(record, dict):
        raise EventRejected(f"Records[{index}] is not an object")
    source = record.get("eventSource") or record.get("EventSource")
    if source == "aws:sns":
        sns = record.get("Sns") or {}
        _parse(sns.get("Message"), arrivals, ignored, depth=depth + 1, shape="sns")
        return
    if source == "aws:sqs":
        _parse(record.get("body"), arrivals, ignored, depth=depth + 1, shape=shape)
        return
    if source != "aws:s3":
        raise EventRejected(f"Records[{index}].eventSource is {source!r}, expected 'aws:s3'",
                            hint=_HINT)
    event_name = str(record.get("eventName", ""))
    s3 = record.get("s3") or {}
    bucket = (s3.get("bucket") or {}).get("name")
    obj = s3.get("object") or {}
    where = f"{bucket}/{obj.get('key')}"
    if not event_name.startswith("ObjectCreated"):
        ignored.append(f"{event_name or 'event without eventName'} for {where}")
        return
    arrivals.append(_arrival(
        bucket=bucket, key=obj.get("key"), size=obj.get("size"), etag=obj.get("eTag"),
        version_id=obj.get("versionId"), sequencer=obj.get("sequencer"),
        event_name=event_name, event_time=record.get("eventTime"), shape=shape,
        where=f"Records[{index}]",
    ))


def _parse_eventbridge(doc: dict[str, Any], arrivals: list[ObjectArrival],
                       ignored: list[str]) -> None:
    detail = doc.get("detail") or {}
    obj = detail.get("object") or {}
    bucket = (detail.get("bucket") or {}).get("name")
    kind = doc.get("detail-type")
    if kind != "Object Created":
        ignored.append(f"EventBridge {kind!r} for {bucket}/{obj.get('key')}")
        return
    arrivals.append(_arrival(
        bucket=bucket, key=obj.get("key"), size=obj.get("size"),
        etag=obj.get("etag") or obj.get("eTag"), version_id=obj.get("version-id"),
        sequencer=obj.get("sequencer"), event_name=f"ObjectCreated:{detail.get('reason', '')}",
        event_time=doc.get("time") if isinstance(doc.get("time"), str) else None,
        shape="eventbridge", where="detail",
    ))


def _arrival(*, bucket: Any, key: Any, size: Any, etag: Any, version_id: Any, sequencer: Any,
             event_name: str, event_time: Any, shape: Shape, where: str) -> ObjectArrival:
    if not isinstance(bucket, str) or not bucket:
        raise EventRejected(f"{where}: bucket name is missing")
    if not isinstance(key, str) or not key:
        raise EventRejected(f"{where}: object key is missing (bucket {bucket!r})")
    if not etag and not version_id:
        raise EventRejected(f"{where}: {bucket}/{key} has neither an ETag nor a version id, "
                            "so its deliveries cannot be deduplicated")
    try:
        size_value = None if size is None else int(size)
    except (TypeError, ValueError):
        raise EventRejected(f"{where}: size {size!r} is not an integer") from None
    return ObjectArrival(
        bucket=bucket, key=unquote_plus(key), size=size_value,
        etag=str(etag).strip('"') if etag else None,
        version_id=str(version_id) if version_id and version_id != "null" else None,
        sequencer=str(sequencer) if sequencer else None,
        event_name=event_name, event_time=event_time if isinstance(event_time, str) else None,
        shape=shape,
    )
