"""Wire a processor / worker from ``conf/`` (``triggers:`` section) - used by the CLI and Lambda."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lakehouse.errors import ConfigError
from lakehouse.events.aws import client
from lakehouse.events.batching import MicroBatcher
from lakehouse.events.dispatch import Dispatcher, build_dispatcher
from lakehouse.events.idempotency import IdempotencyStore, open_store
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Router
from lakehouse.events.sqs_worker import SqsWorker, WorkerSettings

if TYPE_CHECKING:
    from lakehouse.config.project import Project


def build_processor(project: Project, *, dispatcher: Dispatcher | None = None,
                    store: IdempotencyStore | None = None, endpoint_url: str | None = None,
                    spark: Any = None, window_seconds: float | None = None,
                    lease_seconds: float | None = None) -> ArrivalProcessor:
    """An :class:`ArrivalProcessor` configured by ``project.lake.triggers``.

    ``lease_seconds``: claims are leases a heartbeat renews (the ``listen`` worker).
    """
    triggers = project.lake.triggers
    endpoint = endpoint_url or triggers.endpoint_url
    if dispatcher is None:
        s3 = client("s3", region=triggers.region, endpoint_url=endpoint)
        dispatcher = build_dispatcher(project, s3=s3, spark=spark)
    window = triggers.window_seconds if window_seconds is None else window_seconds
    return ArrivalProcessor(
        router=Router.for_project(project),
        store=store or open_store(project, endpoint_url=endpoint, lease_seconds=lease_seconds),
        dispatcher=dispatcher,
        batcher=MicroBatcher(window, max_objects=triggers.max_batch_objects),
        unrouted=triggers.unrouted,
    )


def build_worker(project: Project, *, queue_url: str | None = None,
                 endpoint_url: str | None = None, wait_seconds: int | None = None,
                 processor: ArrivalProcessor | None = None, **processor_kwargs: Any) -> SqsWorker:
    """An :class:`SqsWorker` for ``queue_url`` (default ``triggers.queue_url``)."""
    triggers = project.lake.triggers
    url = queue_url or triggers.queue_url
    if not url:
        raise ConfigError(str(project.conf_dir / "lake.yaml"),
                          ["triggers.queue_url: no queue to listen to"],
                          hint="pass --queue URL or set triggers.queue_url")
    endpoint = endpoint_url or triggers.endpoint_url
    settings = WorkerSettings(
        wait_seconds=triggers.wait_seconds if wait_seconds is None else wait_seconds,
        visibility_timeout=triggers.visibility_timeout_seconds,
        retry_backoff_seconds=triggers.retry_backoff_seconds,
        max_receives=triggers.max_receives,
        dlq_url=triggers.dlq_url,
    )
    processor = processor or build_processor(
        project, endpoint_url=endpoint,
        lease_seconds=triggers.idempotency.lease_seconds, **processor_kwargs)
    sqs = client("sqs", region=triggers.region, endpoint_url=endpoint)
    return SqsWorker(sqs, url, processor, settings)
