"""AWS Lambda entry point: ``lakehouse.events.lambda_handler.handler``.

* SQS-triggered (event source mapping with ``ReportBatchItemFailures``): every record is one
  message; messages whose run failed (or that wait on another worker's claim) are returned
  in ``batchItemFailures`` so only they are redelivered. Rejected messages, and failures
  past ``triggers.max_receives``, go to ``triggers.dlq_url`` when set; otherwise they are
  reported as failures and the queue's redrive policy moves them.
* Invoked directly by S3 or EventBridge: the event is one message; a failure raises, so
  Lambda's asynchronous retries and on-failure destination apply.

All arrivals of one invocation for one dataset become one run (Lambda's
``MaximumBatchingWindowInSeconds`` is the micro-batching window here). The project comes
from ``$LAKEHOUSE_CONF`` (default: ``conf/`` in the function code, ``$LAMBDA_TASK_ROOT``) and
``$LAKEHOUSE_ENV``; ``$LAKEHOUSE_PROFILE_OVERLAY`` (JSON, set by Terraform from the stack it
created: queue, tables, roles, dispatch) is merged over that profile. The code is the zip
``lakehouse package --lambda`` builds (``lakehouse.runtimes.submit.lambda_package``).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from lakehouse.errors import ConfigError, EventError
from lakehouse.events.model import Decision, InboundMessage
from lakehouse.events.processor import ArrivalProcessor

log = logging.getLogger(__name__)
_cached: dict[str, Any] = {}
OVERLAY_ENV = "LAKEHOUSE_PROFILE_OVERLAY"


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda handler; see the module docstring."""
    processor, settings = _runtime()
    return handle_event(event, processor, dlq_url=settings.get("dlq_url"),
                        max_receives=settings.get("max_receives"), sqs=settings.get("sqs"))


def handle_event(event: dict[str, Any], processor: ArrivalProcessor, *,
                 dlq_url: str | None = None, max_receives: int | None = None,
                 sqs: Any = None) -> dict[str, Any]:
    """Process one Lambda event with ``processor`` (testable without the Lambda runtime)."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not (isinstance(records, list) and records
            and all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)):
        decisions = _process(processor, [InboundMessage("direct", json.dumps(event))])
        failed = [d for d in decisions if d.action != "ack"]
        if failed:
            raise EventError(f"event not processed: {failed[0].reason}")
        return {"batchItemFailures": []}
    messages = {r["messageId"]: InboundMessage(
        r["messageId"], r.get("body", ""),
        int((r.get("attributes") or {}).get("ApproximateReceiveCount", "1")))
        for r in records}
    failures = []
    for decision in _process(processor, list(messages.values())):
        message = messages[decision.message_id]
        if decision.action == "ack":
            continue
        exhausted = (decision.counts_as_failure and max_receives is not None
                     and message.receive_count >= max_receives)
        if (decision.action == "dead_letter" or exhausted) and dlq_url and sqs is not None:
            sqs.send_message(QueueUrl=dlq_url, MessageBody=message.body, MessageAttributes={
                "lakehouse_error": {"DataType": "String", "StringValue": decision.reason or "-"},
                "source_message_id": {"DataType": "String", "StringValue": message.message_id}})
            continue
        failures.append({"itemIdentifier": decision.message_id})
    return {"batchItemFailures": failures}


def _process(processor: ArrivalProcessor, messages: list[InboundMessage]) -> list[Decision]:
    decisions = []
    for message in messages:
        decision = processor.accept(message)
        if decision:
            decisions.append(decision)
    decisions.extend(processor.flush(force=True))
    return decisions


def _runtime() -> tuple[ArrivalProcessor, dict[str, Any]]:
    if "processor" not in _cached:
        from lakehouse.config.loader import load_project
        from lakehouse.events.aws import client
        from lakehouse.events.service import build_processor

        project = load_project(_conf_dir(), overlay=_overlay())
        triggers = project.lake.triggers
        _cached["processor"] = build_processor(project)
        _cached["settings"] = {
            "dlq_url": triggers.dlq_url, "max_receives": triggers.max_receives,
            "sqs": client("sqs", region=triggers.region, endpoint_url=triggers.endpoint_url)
            if triggers.dlq_url else None,
        }
    return _cached["processor"], _cached["settings"]


def _conf_dir() -> Path:
    if os.environ.get("LAKEHOUSE_CONF"):
        return Path(os.environ["LAKEHOUSE_CONF"])
    return Path(os.environ.get("LAMBDA_TASK_ROOT") or ".") / "conf"


def _overlay() -> dict[str, Any] | None:
    text = os.environ.get(OVERLAY_ENV)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"${OVERLAY_ENV}", [f"not JSON: {exc}"],
                          hint="Terraform sets it to jsonencode(the stack's profile)") from None
    if not isinstance(value, dict):
        raise ConfigError(f"${OVERLAY_ENV}", [f"expected a JSON object, got {type(value).__name__}"])
    return value
