"""Import the heavy Python libraries a run will need while the JVM starts.

A cold ``lakehouse run`` spends seconds importing Great Expectations (the gate's Data Docs:
~3 s on a quiet 2-core machine), plotly (the run report) and openlineage before it uses
them; starting the Spark JVM takes as long, with the driver thread waiting on the gateway.
:func:`prefetch_imports` runs those imports on a daemon thread during that wait, so the first
gate does not pay for them. Written by hand: it is a thread and a list of module names; an
import that fails here is ignored (the caller's own import reports it where it matters).
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

RUN_MODULES = (
    "great_expectations.expectations",                      # gx_suite: the suite
    "great_expectations.core.expectation_validation_result",
    "great_expectations.render.renderer",                   # docs: the Data Docs page
    "great_expectations.render.view",
    "plotly.graph_objects",                                 # reports: the run page's charts
    "plotly.subplots",
    "openlineage.client.event_v2",                          # lineage events
    "openlineage.client.serde",
)


def prefetch_imports(modules: tuple[str, ...] = RUN_MODULES) -> threading.Thread:
    """Start importing ``modules`` on a daemon thread; returns the (started) thread."""

    def _load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception as exc:  # the user of the module reports it
                log.debug("prefetch of %s failed: %s", name, exc)

    thread = threading.Thread(target=_load, name="lakehouse-prefetch", daemon=True)
    thread.start()
    return thread
