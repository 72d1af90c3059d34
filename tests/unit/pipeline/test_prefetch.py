"""The run's heavy imports start on a thread while the JVM starts; a failing one is ignored."""

from __future__ import annotations

import sys

from lakehouse.pipeline.prefetch import RUN_MODULES, prefetch_imports


def test_prefetch_imports_on_a_daemon_thread_and_ignores_failures() -> None:
    sys.modules.pop("colorsys", None)
    thread = prefetch_imports(("no_such_module_for_lakehouse", "colorsys"))
    thread.join(timeout=30)
    assert thread.daemon and not thread.is_alive()
    assert "colorsys" in sys.modules          # the failure before it did not stop the list


def test_the_run_modules_exist() -> None:
    import importlib.util

    missing = [m for m in RUN_MODULES if importlib.util.find_spec(m) is None]
    assert not missing
