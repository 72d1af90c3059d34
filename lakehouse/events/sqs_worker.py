"""SQS long-poll worker: receive -> :class:`ArrivalProcessor` -> delete / back off / dead-letter.

* Messages in hand (waiting in a micro-batch or in a running dispatch) have their visibility
  extended by a heartbeat thread, so a long run never lets them reappear; the same heartbeat
  refreshes this worker's idempotency claims, so only a dead worker's claims expire.
* A failed dispatch leaves the message in the queue with an exponential back-off
  (``change_message_visibility``); once ``ApproximateReceiveCount`` reaches ``max_receives`` it
  is sent to the dead-letter queue with the error and deleted. Rejected (unparseable)
  messages go there at once. Without a DLQ URL the queue's own ``RedrivePolicy`` is used
  (its target and ``maxReceiveCount``).
* :meth:`SqsWorker.stop` (wired to SIGTERM by the CLI) finishes the batch in hand: no new
  receives, pending batches are dispatched, decisions applied, then ``run`` returns.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass
from typing import Any

from lakehouse.events.model import Decision, InboundMessage, ProcessorStats
from lakehouse.events.processor import ArrivalProcessor

log = logging.getLogger(__name__)
_MAX_VISIBILITY = 43200


@dataclass(frozen=True)
class WorkerSettings:
    wait_seconds: int = 20
    visibility_timeout: int = 300
    retry_backoff_seconds: int = 30
    max_receives: int | None = None
    dlq_url: str | None = None


class SqsWorker:
    """Long-polls one queue and feeds the processor (see the module docstring)."""

    def __init__(self, sqs: Any, queue_url: str, processor: ArrivalProcessor,
                 settings: WorkerSettings | None = None):
        self.sqs = sqs
        self.queue_url = queue_url
        self.processor = processor
        self.settings = settings or WorkerSettings()
        self.dlq_url, self.max_receives = self._dead_letter_target()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._in_hand: dict[str, InboundMessage] = {}

    @property
    def stats(self) -> ProcessorStats:
        return self.processor.stats

    def stop(self) -> None:
        """Ask the loop to finish the batch in hand and return (safe from a signal handler)."""
        self._stop.set()

    def run(self, *, once: bool = False, max_messages: int | None = None) -> ProcessorStats:
        """Poll until stopped; ``once`` drains the queue (until an empty receive) and returns."""
        received = errors = 0
        self._done.clear()
        heartbeat = threading.Thread(target=self._heartbeat, name="sqs-heartbeat", daemon=True)
        heartbeat.start()
        try:
            while not self._stop.is_set():
                if max_messages is not None and received >= max_messages:
                    break
                try:
                    batch = self._receive(limit=None if max_messages is None
                                          else max_messages - received)
                    errors = 0
                except Exception as exc:  # throttling, network: back off, keep the worker up
                    errors += 1
                    if once or errors > 10:
                        raise
                    log.warning("receive from %s failed (%s); retrying in %ss",
                                self.queue_url, exc, 2 ** errors)
                    self._stop.wait(2 ** errors)
                    continue
                received += len(batch)
                for message in batch:
                    self._accept(message)
                for decision in self.processor.flush():
                    self._apply(decision)
                if once and not batch:
                    break
        finally:
            for decision in self.processor.flush(force=True):
                self._apply(decision)
            self._done.set()
            heartbeat.join(timeout=5)
        return self.stats

    def _accept(self, message: InboundMessage) -> None:
        try:
            decision = self.processor.accept(message)
        except Exception as exc:  # e.g. the idempotency store is unreachable
            log.exception("processing message %s failed", message.message_id)
            decision = Decision(message.message_id, "retry", f"processing error: {exc}")
        if decision:
            self._apply(decision)

    def _receive(self, *, limit: int | None) -> list[InboundMessage]:
        wait = self.settings.wait_seconds
        until_due = self.processor.batcher.seconds_until_due()
        if until_due is not None:
            wait = min(wait, math.ceil(until_due))
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=max(1, min(10, limit or 10)),
            WaitTimeSeconds=wait, VisibilityTimeout=self.settings.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = []
        for raw in response.get("Messages", []):
            count = int(raw.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            message = InboundMessage(raw["MessageId"], raw.get("Body", ""), count,
                                     raw["ReceiptHandle"])
            messages.append(message)
            with self._lock:
                self._in_hand[message.message_id] = message
        return messages

    def _apply(self, decision: Decision) -> None:
        with self._lock:
            message = self._in_hand.pop(decision.message_id, None)
        if message is None:
            return
        if decision.action == "ack":
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle)
            return
        exhausted = (decision.counts_as_failure and self.max_receives is not None
                     and message.receive_count >= self.max_receives)
        if decision.action == "dead_letter" or exhausted:
            if self._dead_letter(message, decision.reason):
                return
        delay = min(_MAX_VISIBILITY,
                    self.settings.retry_backoff_seconds * 2 ** (message.receive_count - 1))
        log.warning("message %s left for redelivery in %ss (receive %d): %s",
                    message.message_id, delay, message.receive_count, decision.reason)
        self.sqs.change_message_visibility(QueueUrl=self.queue_url,
                                           ReceiptHandle=message.receipt_handle,
                                           VisibilityTimeout=delay)

    def _dead_letter(self, message: InboundMessage, reason: str) -> bool:
        if not self.dlq_url:
            log.error("message %s should be dead-lettered but no DLQ is configured: %s",
                      message.message_id, reason)
            return False
        self.sqs.send_message(
            QueueUrl=self.dlq_url, MessageBody=message.body,
            MessageAttributes={
                "lakehouse_error": {"DataType": "String", "StringValue": reason[:4000] or "-"},
                "source_queue": {"DataType": "String", "StringValue": self.queue_url},
                "source_message_id": {"DataType": "String", "StringValue": message.message_id},
                "receive_count": {"DataType": "Number",
                                  "StringValue": str(message.receive_count)},
            },
        )
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt_handle)
        log.error("message %s sent to the DLQ: %s", message.message_id, reason)
        return True

    def _dead_letter_target(self) -> tuple[str | None, int | None]:
        dlq, max_receives = self.settings.dlq_url, self.settings.max_receives
        if dlq and max_receives:
            return dlq, max_receives
        attrs = self.sqs.get_queue_attributes(QueueUrl=self.queue_url,
                                              AttributeNames=["RedrivePolicy"])
        policy = attrs.get("Attributes", {}).get("RedrivePolicy")
        if policy:
            redrive = json.loads(policy)
            arn = redrive["deadLetterTargetArn"].split(":")
            if not dlq:
                dlq = self.sqs.get_queue_url(QueueName=arn[5],
                                             QueueOwnerAWSAccountId=arn[4])["QueueUrl"]
            max_receives = max_receives or int(redrive["maxReceiveCount"])
        return dlq, max_receives or 5

    def _heartbeat(self) -> None:
        claim_ttl = float(getattr(self.processor.store, "in_progress_seconds", math.inf))
        interval = max(1.0, min(self.settings.visibility_timeout, claim_ttl) / 3)
        while not self._done.wait(interval):
            # Holding the lock while extending means a message decided meanwhile (deleted, or
            # given a back-off) is never re-extended after its decision was applied.
            with self._lock:
                handles = [m.receipt_handle for m in self._in_hand.values()]
                for start in range(0, len(handles), 10):
                    entries = [{"Id": str(i), "ReceiptHandle": h,
                                "VisibilityTimeout": self.settings.visibility_timeout}
                               for i, h in enumerate(handles[start:start + 10])]
                    try:
                        self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url,
                                                                 Entries=entries)
                    except Exception as exc:  # a lost heartbeat must not kill the worker
                        log.warning("visibility heartbeat failed: %s", exc)
            try:
                self.processor.refresh_claims()
            except Exception as exc:
                log.warning("refreshing idempotency claims failed: %s", exc)
