"""Value objects shared by the trigger pipeline: arrivals, inbound messages, decisions. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Shape = Literal["s3", "sns", "eventbridge", "lambda"]
Action = Literal["ack", "retry", "dead_letter"]


def sequencer_key(sequencer: str | None, width: int = 64) -> str:
    """Sortable form of an S3 ``sequencer``: upper-cased hex left-padded with zeros.

    S3 documents that sequencers of one key compare as hex strings after padding the shorter
    one with leading zeros; padding everything to one width makes plain string order work
    (also inside DynamoDB condition expressions).
    """
    return (sequencer or "").upper().rjust(width, "0")


@dataclass(frozen=True)
class ObjectArrival:
    """One ``ObjectCreated`` notification for one object version (key already URL-decoded)."""

    bucket: str
    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None
    event_name: str = "ObjectCreated:Put"
    event_time: str | None = None
    shape: Shape = "s3"

    @property
    def identity(self) -> str:
        """What makes a delivery a duplicate: bucket, key, version id (or ETag), size."""
        version = self.version_id or f"etag:{self.etag}"
        return f"{self.bucket}/{self.key}#{version}#{self.size}"

    def to_dict(self) -> dict[str, object]:
        return {
            "bucket": self.bucket, "key": self.key, "size": self.size, "etag": self.etag,
            "version_id": self.version_id, "sequencer": self.sequencer,
            "event_name": self.event_name, "event_time": self.event_time, "shape": self.shape,
        }


@dataclass(frozen=True)
class ParsedMessage:
    """What one message carried: arrivals to process and records acknowledged but ignored."""

    arrivals: tuple[ObjectArrival, ...] = ()
    ignored: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboundMessage:
    """A message as received (SQS worker or SQS-triggered Lambda)."""

    message_id: str
    body: str
    receive_count: int = 1
    receipt_handle: str | None = None


@dataclass(frozen=True)
class Decision:
    """What to do with a message once every arrival in it is resolved.

    ``retry`` leaves the message for redelivery; ``counts_as_failure`` says whether that retry
    should move it closer to the dead-letter queue (a dispatch failure does, waiting for
    another worker's in-progress claim does not).
    """

    message_id: str
    action: Action
    reason: str = ""
    counts_as_failure: bool = True


@dataclass
class ProcessorStats:
    """Counters a worker reports (and tests assert on)."""

    messages: int = 0
    arrivals: int = 0
    runs: int = 0
    run_failures: int = 0
    duplicates: int = 0
    superseded: int = 0
    unrouted: int = 0
    rejected: int = 0
    ignored: int = 0
    in_progress_elsewhere: int = 0
    unrouted_keys: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)
