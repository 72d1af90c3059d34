"""Units running at once in one SparkSession do not see each other's temp views or MERGE keys.

Two projects share the test's SparkSession, as two runs in one process do (a notebook, a
``listen`` worker). Both have a dataset ``trips`` and an export reading it, so their exports
register a temp view of the same name, and both MERGE into an existing curated table with
their own idempotency key. Threads start the two runs together (a barrier), and a ``meet``
failpoint (lakehouse/failpoints.py) holds each run at the racy moment until the other is there
too: each export right after registering its views, each MERGE after its key is in place. A
shared session would then make one export read the other's view, and one MERGE commit under
the other's key; every unit in its own session (``StageContext.isolated``), they cannot.
"""

from __future__ import annotations

from typing import Any

import pytest

from lakehouse.config import Project
from lakehouse.failpoints import FAULT_ENV, MODE_ENV, reset_hits
from lakehouse.pipeline.driver import run_pipeline
from lakehouse.storage.uri import local_path
from lakehouse.testing.delta import read_delta
from lakehouse.testing.runs import deliver, tiny_project, together

pytestmark = [pytest.mark.spark, pytest.mark.integration, pytest.mark.slow]



def run(project: Project, stage: str, spark, **kwargs: Any):
    summary = run_pipeline(project, stage=stage, spark=spark, **kwargs)  # type: ignore[arg-type]
    assert summary.status == "succeeded", summary.render()
    return summary


@pytest.fixture
def meet(monkeypatch):
    """Hold every call of a failpoint until two threads are there."""
    def at(point: str) -> None:
        monkeypatch.setenv(FAULT_ENV, point)
        monkeypatch.setenv(MODE_ENV, "meet:2")
        reset_hits()
    yield at
    reset_hits()


@pytest.mark.parametrize("backend", ["portable", "native"])
def test_two_merges_and_two_exports_at_once_keep_their_own_keys_and_views(
        backend, tmp_path, spark, meet) -> None:
    from deltalake import DeltaTable

    from lakehouse.spark.delta import delta_support

    if backend == "native" and not delta_support(spark).available:
        pytest.skip(f"native Delta: {delta_support(spark).reason}")
    a, b = tiny_project(tmp_path / "a", backend), tiny_project(tmp_path / "b", backend)
    # both curated tables exist, and the next MERGEs have different keys: a's next curate
    # reads raw up to version 1, b's up to version 2 (lakehouse-curate-trips-raw<version>)
    deliver(a, "trips", "1.csv", "id,fare", [(1, 10), (2, 20)])
    for stage in ("ingest", "curate"):
        run(a, stage, spark)
    deliver(b, "trips", "1.csv", "id,fare", [(1, 1000)])
    for stage in ("ingest", "curate"):
        run(b, stage, spark)
    deliver(b, "trips", "2.csv", "id,fare", [(2, 2000)])
    run(b, "ingest", spark)
    deliver(a, "trips", "2.csv", "id,fare", [(3, 30)])
    deliver(b, "trips", "3.csv", "id,fare", [(3, 3000), (4, 4000)])
    for project in (a, b):
        run(project, "ingest", spark)

    meet("curate.table.before_data_files@/curated/trips")      # both keys set, neither merged
    together(lambda: run(a, "curate", spark), lambda: run(b, "curate", spark))
    for project, own, other in ((a, "raw1", "raw2"), (b, "raw2", "raw1")):
        log = DeltaTable(project.table_uri("curated", "trips"))
        assert log.transaction_version(f"lakehouse-curate-trips-{own}") == 1
        assert log.transaction_version(f"lakehouse-curate-trips-{other}") is None
    fares = [sorted(read_delta(p.table_uri("curated", "trips")).column("fare").to_pylist())
             for p in (a, b)]
    assert fares == [[10, 20, 30], [1000, 2000, 3000, 4000]]

    meet("export.views.registered")                             # both views in place
    together(lambda: run(a, "export", spark), lambda: run(b, "export", spark))
    import json

    import pyarrow.parquet as pq

    for project, rows, total in ((a, 3, 60), (b, 4, 10000)):
        root = local_path(project.table_uri("exportable", "fares"))
        manifest = json.loads((root / "_manifest.json").read_text())
        written = pq.read_table(local_path(manifest["location"])).to_pylist()
        assert written == [{"trips": rows, "fares": total}], project.lake_root
