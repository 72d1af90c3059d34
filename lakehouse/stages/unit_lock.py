"""One stage at a time per dataset (or export) across runs: concurrent runs on one project
serialize per table instead of interleaving their bookmark updates.

The lock is the table layer's (``tables:`` in lake.yaml): a file lock under
``<runs>/locks/<name>/`` on a local lake (the kernel drops it when its process dies), a
DynamoDB lease on S3 (it expires ``lease_seconds`` after its holder stops renewing it). A run
that finds the lock held waits up to ``tables.lock_timeout_seconds``, then fails that stage
with :class:`ConcurrentCommitError` naming the holder. No Spark.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lakehouse.errors import ConcurrentCommitError
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from lakehouse.config.project import Project


@contextmanager
def hold_unit(project: Project, name: str, waited: list[str]) -> Iterator[None]:
    """Hold ``name``'s run lock; appends the holder to ``waited`` when another run had it."""
    from lakehouse.tables.locks import default_lock

    settings = project.lake.tables
    uri = join_uri(project.runs_uri, "locks", name)
    held = default_lock(uri, kind=settings.lock, lock_table=settings.lock_table,
                        timeout=0.01).hold(uri)
    try:
        held.__enter__()
    except ConcurrentCommitError as busy:
        waited.append(busy.message.split("held by ", 1)[-1])
        held = default_lock(uri, kind=settings.lock, lock_table=settings.lock_table,
                            timeout=settings.lock_timeout_seconds).hold(uri)
        try:
            held.__enter__()
        except ConcurrentCommitError as exc:
            raise ConcurrentCommitError(
                f"{name} is being processed by another run for more than "
                f"{settings.lock_timeout_seconds:.0f}s (held by {waited[-1]})",
                hint="let that run finish, then run again; the lock of a process that died "
                     "is released on its own", lock=uri) from exc
    try:
        yield
    finally:
        held.__exit__(None, None, None)
