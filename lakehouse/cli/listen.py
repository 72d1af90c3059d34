"""``lakehouse listen``: the SQS worker that turns S3 arrivals into runs."""

from __future__ import annotations

import json
import logging
import signal
from typing import Any

import click

from lakehouse.cli.options import load, project_options

log = logging.getLogger(__name__)


@click.command("listen")
@project_options
@click.option("--queue", "queue_url", envvar="LAKEHOUSE_QUEUE_URL", default=None,
              help="SQS queue URL receiving the S3 notifications (default: triggers.queue_url).")
@click.option("--once", is_flag=True,
              help="Drain the queue: stop after an empty receive, dispatching what is pending.")
@click.option("--max-messages", type=click.IntRange(min=1), default=None,
              help="Stop after receiving this many messages.")
@click.option("--wait-seconds", type=click.IntRange(0, 20), default=None,
              help="Long-poll wait per receive (default: triggers.wait_seconds).")
@click.option("--window-seconds", type=click.FloatRange(min=0), default=None,
              help="Micro-batching window (default: triggers.window_seconds).")
@click.option("--endpoint-url", envvar="LAKEHOUSE_AWS_ENDPOINT_URL", default=None,
              help="AWS endpoint override (e.g. a moto server for tests).")
@click.option("--json", "as_json", is_flag=True, help="Print the final counters as JSON.")
def command(conf_dir: str, env: str | None, queue_url: str | None, once: bool,
            max_messages: int | None, wait_seconds: int | None, window_seconds: float | None,
            endpoint_url: str | None, as_json: bool) -> None:
    """Listen to an SQS queue of S3 notifications and run the datasets that received files.

    Each object version runs once however often it is delivered; arrivals for one dataset
    within the window become one run; poison messages go to the dead-letter queue. SIGTERM
    or Ctrl-C finishes the batch in hand, then exits.

    \b
    Examples:
      lakehouse listen --queue https://sqs.us-east-1.amazonaws.com/123456789012/landing
      lakehouse listen --once --wait-seconds 1      # drain what is queued, then exit
    """
    from lakehouse.events.service import build_worker

    project = load(conf_dir, env)
    worker = build_worker(project, queue_url=queue_url, endpoint_url=endpoint_url,
                          wait_seconds=wait_seconds, window_seconds=window_seconds)
    previous = _install_signal_handlers(worker.stop)
    try:
        log.info("listening on %s (window %ss)", worker.queue_url,
                 worker.processor.batcher.window_seconds)
        stats = worker.run(once=once, max_messages=max_messages)
    finally:
        _restore(previous)
    counters = stats.to_dict()
    if as_json:
        click.echo(json.dumps(counters, sort_keys=True))
    else:
        shown = {k: v for k, v in counters.items() if k != "unrouted_keys"}
        click.echo(" ".join(f"{k}={v}" for k, v in shown.items()))
        for key in counters["unrouted_keys"]:
            click.echo(f"unrouted: {key}", err=True)


def _install_signal_handlers(stop: Any) -> dict[int, Any]:
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            previous[sig] = signal.signal(sig, lambda signum, _frame: _on_signal(signum, stop))
        except ValueError:  # not the main thread (e.g. under a test runner thread)
            pass
    return previous


def _on_signal(signum: int, stop: Any) -> None:
    log.warning("received %s: finishing the batch in hand", signal.Signals(signum).name)
    stop()


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
