"""S3-arrival triggers: parse notifications, route keys to datasets, deduplicate, micro-batch,
dispatch runs, dead-letter poison messages. Spark-free (the local dispatcher imports the driver
lazily). See ``docs/events.md``.
"""

from lakehouse.events.batching import MicroBatcher
from lakehouse.events.dispatch import (
    Dispatcher,
    DispatchResult,
    LocalDispatcher,
    RunRequest,
    RuntimeDispatcher,
)
from lakehouse.events.idempotency import IdempotencyStore, SqliteIdempotencyStore, open_store
from lakehouse.events.model import Decision, InboundMessage, ObjectArrival, ProcessorStats
from lakehouse.events.parsing import EventRejected, parse_message
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Route, Router
from lakehouse.events.service import build_processor, build_worker
from lakehouse.events.sqs_worker import SqsWorker, WorkerSettings

__all__ = [
    "ArrivalProcessor",
    "Decision",
    "DispatchResult",
    "Dispatcher",
    "EventRejected",
    "IdempotencyStore",
    "InboundMessage",
    "LocalDispatcher",
    "MicroBatcher",
    "ObjectArrival",
    "ProcessorStats",
    "Route",
    "Router",
    "RunRequest",
    "RuntimeDispatcher",
    "SqliteIdempotencyStore",
    "SqsWorker",
    "WorkerSettings",
    "build_processor",
    "build_worker",
    "open_store",
    "parse_message",
]
