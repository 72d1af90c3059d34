"""Runs side by side: a tiny project with an export, file delivery, threads started at once.

:func:`tiny_project` has the dataset ``trips`` (``id``, ``fare``) and the export ``fares``
(one row: trip count and fare total), plus any dataset contracts given; :func:`deliver`
lands a CSV; :func:`together` runs calls on threads released by one barrier (concurrent
runs in one process, as a notebook or a ``listen`` worker makes them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lakehouse.config import Project, load_project
from lakehouse.storage.uri import local_path
from lakehouse.testing.project import write_file, write_project

TRIPS = {"name": "trips", "source": {"format": "csv", "path": "trips", "options": {"header": True}},
         "schema": [{"name": "id", "type": "int"}, {"name": "fare", "type": "int"}],
         "primary_key": ["id"]}
FARES = {"name": "fares", "inputs": ["trips"],
         "sql": "SELECT count(*) AS trips, sum(fare) AS fares FROM trips"}


def tiny_project(root: Path, backend: str = "portable", *, trips: Mapping | None = None,
                 datasets: Mapping[str, Mapping] | None = None,
                 exports: Mapping[str, Mapping] | None = None) -> Project:
    """``trips`` (or the contract ``trips``), ``datasets``, and the exports (default
    ``fares``) on table ``backend``; no run report, no lineage events."""
    return load_project(write_project(
        root, lake={"tables": {"backend": backend}, "reports": {"enabled": False},
                    "lineage": {"transport": "none"}},
        datasets={"trips": trips or TRIPS, **(datasets or {})},
        exports=exports if exports is not None else {"fares": FARES}))


def deliver(project: Project, folder: str, name: str, header: str,
            rows: Sequence[Sequence[Any]]) -> Path:
    """Land ``rows`` as ``<landing>/<folder>/<name>``, a CSV with ``header``."""
    lines = [header, *(",".join("" if v is None else str(v) for v in row) for row in rows)]
    return write_file(local_path(project.zone_uri("landing")) / folder / name,
                      "\n".join(lines) + "\n")


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` on threads released at the same moment; their results, in order.

    Re-raises the first error once every thread has finished.
    """
    start = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def go(i: int, call: Callable[[], Any]) -> None:
        start.wait()
        try:
            out[i] = call()
        except BaseException as exc:  # handed to the caller below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return out
