"""How fast the trigger turns messages into runs, without a transport.

Feeds N one-record S3 messages (then all of them again, as redeliveries) through the real
parser, router, SQLite idempotency store and micro-batcher; the dispatcher only records.

    .venv/bin/python bench/events_throughput.py --messages 5000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from lakehouse.events.batching import MicroBatcher
from lakehouse.events.idempotency import SqliteIdempotencyStore
from lakehouse.events.model import InboundMessage
from lakehouse.events.processor import ArrivalProcessor
from lakehouse.events.routing import Router
from lakehouse.events.testing import RecordingDispatcher


def body(i: int) -> str:
    return json.dumps({"Records": [{
        "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "landing"},
               "object": {"key": f"flights/part+{i:06d}.csv", "size": 100, "eTag": f"e{i}",
                          "sequencer": f"{i:016X}"}}}]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rec = RecordingDispatcher()
        proc = ArrivalProcessor(
            router=Router({"flights": "flights/*.csv*", "weather": "weather/*.csv*"}),
            store=SqliteIdempotencyStore(Path(tmp) / "s.sqlite"), dispatcher=rec,
            batcher=MicroBatcher(3600, max_objects=1000))
        bodies = [body(i) for i in range(args.messages)]
        start = time.perf_counter()
        for i, text in enumerate(bodies):
            proc.accept(InboundMessage(f"m{i}", text))
        proc.flush(force=True)
        first = time.perf_counter() - start
        start = time.perf_counter()
        for i, text in enumerate(bodies):
            proc.accept(InboundMessage(f"r{i}", text))
        again = time.perf_counter() - start
    print(f"{args.messages} new arrivals: {first:.2f}s ({args.messages / first:,.0f}/s), "
          f"{rec.runs} runs (max_batch_objects=1000)")
    print(f"{args.messages} redeliveries: {again:.2f}s ({args.messages / again:,.0f}/s), "
          f"{proc.stats.duplicates} duplicates, runs still {rec.runs}")


if __name__ == "__main__":
    main()
