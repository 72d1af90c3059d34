"""Keys of referenced curated tables for ``references`` rules, read once per run.

A ``references`` rule checks a column against the keys of another dataset's curated table.
Without sharing, every gate that has such a rule reads that table again: each dataset's
``raw_to_curated`` gate, each export's ``curated_to_exportable`` gate, and each rule (two
rules on one dimension read it twice). Within a run, :class:`ReferenceCache` reads each
(table, column) once, at a version it pins on the first read, and every later gate of the
run, on any thread and in any Spark session, checks against those same keys. The pipeline driver
creates one per run (``StageContext.references``); outside a run, :func:`read_keys` reads
the current version for one gate.

The read runs as a Spark job described ``lakehouse: reference keys <table>.<column>@<version>``
(visible in ``--profile`` and the Spark UI). Small key sets are Python tuples, shared as is;
larger ones are a persisted DataFrame of distinct keys (the table cache is shared between
the run's sessions), unpersisted when the run ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lakehouse.quality.rules import ReferenceKeys, reference_keys

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from lakehouse.config import Project

DESCRIPTION = "lakehouse: reference keys {table}.{column}@{version}"


def read_keys(spark: SparkSession, project: Project, table: str, column: str, *, dataset: str,
              version: int | None = None) -> ReferenceKeys | None:
    """The keys of ``table.column`` in the curated zone at ``version`` (default: current),
    or None when the table does not exist yet."""
    from lakehouse.quality.store import table as open_table

    curated = open_table(spark, project, project.table_uri("curated", table))
    if not curated.exists():
        return None
    version = curated.version() if version is None else version
    with job_description(spark, DESCRIPTION.format(table=table, column=column, version=version)):
        return reference_keys(curated.read(version=version), column, table=table,
                              dataset=dataset, version=version)


class ReferenceCache:
    """The run's reference keys: each (table, column) read once, each table at one version.

    Thread-safe: a gate asking for keys another gate is reading waits for that read. A
    table that does not exist yet is not remembered (it may be curated later in the run).
    Use as a context manager around the run: on exit, persisted key sets are released.
    """

    def __init__(self, project: Project):
        self.project = project
        self._lock = threading.Lock()
        self._reading: dict[tuple[str, str], threading.Lock] = {}
        self._keys: dict[tuple[str, str], ReferenceKeys] = {}
        self.versions: dict[str, int] = {}  # table -> the version every gate of the run checks

    def keys(self, spark: SparkSession, table: str, column: str, *,
             dataset: str) -> ReferenceKeys | None:
        """The keys of ``table.column``: read on the first call of the run, then shared."""
        with self._lock:
            reading = self._reading.setdefault((table, column), threading.Lock())
        with reading:
            with self._lock:
                if (table, column) in self._keys:
                    return self._keys[table, column]
                pinned = self.versions.get(table)
            found = read_keys(spark, self.project, table, column, dataset=dataset,
                              version=pinned)
            if found is None:
                return None
            if found.frame is not None:  # large: computed once, kept for the run's other gates
                found = ReferenceKeys(frame=found.frame.persist(), version=found.version)
            with self._lock:
                self._keys[table, column] = found
                if found.version is not None:
                    self.versions.setdefault(table, found.version)
            return found

    def close(self) -> None:
        """Release the persisted key sets (the run is over)."""
        with self._lock:
            frames = [k.frame for k in self._keys.values() if k.frame is not None]
            self._keys.clear()
        for frame in frames:
            frame.unpersist()

    def __enter__(self) -> ReferenceCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def job_description(spark: SparkSession, text: str) -> Iterator[None]:
    """Label the Spark jobs of the block (this thread only); the previous label comes back."""
    sc = spark.sparkContext
    before = sc.getLocalProperty("spark.job.description")
    sc.setJobDescription(text)
    try:
        yield
    finally:
        sc.setLocalProperty("spark.job.description", before)  # type: ignore[arg-type]
