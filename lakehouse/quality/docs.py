"""GX Data Docs for gate runs: the HTML page a person opens to see what failed.

Each gate run writes, under ``<lake root>/_quality/``::

    suites/<dataset>.<gate>.json                     the compiled ExpectationSuite
    docs/<dataset>/<gate>/<run_id>.json              the GX ExpectationSuiteValidationResult
    docs/<dataset>/<gate>/<run_id>.html              GX's validation page (Data Docs renderer)
    docs/<dataset>/<gate>/latest.html                the same page for the newest run
    docs/index.html                                  links to every page

The pages are rendered with GX's own ``ValidationResultsPageRenderer`` and
``DefaultJinjaPageView`` (what ``context.build_data_docs()`` uses), from results built out of
the gate's counts, so rendering costs no Spark job.
"""

from __future__ import annotations

import functools
import html
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from lakehouse.storage import files
from lakehouse.storage.uri import join_uri

if TYPE_CHECKING:
    from lakehouse.config import Project
    from lakehouse.quality.outcome import GateOutcome


def quality_root(project: Project) -> str:
    return join_uri(project.lake_root, "_quality")


def docs_root(project: Project) -> str:
    return join_uri(quality_root(project), "docs")


def _safe(name: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name or "adhoc")


def render_validation_html(suite_result) -> str:
    """GX Data Docs HTML of one ``ExpectationSuiteValidationResult``."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer

    document = ValidationResultsPageRenderer().render(suite_result)
    return _page_view().render(document)


@functools.cache
def _page_view():
    """One GX page view for the process: each view owns a Jinja environment, which compiles
    its ~17 templates on first use (~0.2 s a page when every page made its own view). Jinja
    environments are safe to share between threads."""
    from great_expectations.render.view import DefaultJinjaPageView

    return DefaultJinjaPageView()


def build_docs(project: Project, outcome: GateOutcome, *,
               baseline=None) -> str:
    """Write the suite, the validation result and its Data Docs page; return the page URI."""
    from lakehouse.quality.gx_suite import suite_name, validation_result

    suite, result = validation_result(outcome, baseline=baseline)
    root = quality_root(project)
    folder = join_uri(docs_root(project), outcome.dataset, outcome.gate)
    run = _safe(outcome.run_id)
    files.write_text(join_uri(root, "suites", f"{suite_name(outcome.dataset, outcome.gate)}.json"),
                     json.dumps(suite.to_json_dict(), indent=2, default=str))
    files.write_text(join_uri(folder, f"{run}.json"),
                     json.dumps(result.to_json_dict(), indent=2, default=str))
    page = render_validation_html(result)
    page_uri = join_uri(folder, f"{run}.html")
    files.write_text(page_uri, page)
    files.write_text(join_uri(folder, "latest.html"), page)
    if not _index_deferred(project):
        write_index(project)
    return page_uri


_deferred: dict[str, dict[str, int | bool]] = {}  # docs root -> {depth, pending} (per lake)
_defer_lock = threading.Lock()


def _index_deferred(project: Project) -> bool:
    with _defer_lock:
        held = _deferred.get(docs_root(project))
        if held is not None:
            held["pending"] = True
        return held is not None


@contextmanager
def index_once(project: Project) -> Iterator[None]:
    """Inside the block, gate runs write their pages but not ``docs/index.html``; it is
    written once on exit when a page was added (listing every page is a folder scan that
    grows with the lake: once per run, not once per gate run)."""
    root = docs_root(project)
    with _defer_lock:
        held = _deferred.setdefault(root, {"depth": 0, "pending": False})
        held["depth"] = int(held["depth"]) + 1
    try:
        yield
    finally:
        with _defer_lock:
            held["depth"] = int(held["depth"]) - 1
            write = not held["depth"] and bool(held["pending"])
            if not held["depth"]:
                del _deferred[root]
        if write:
            write_index(project)


def write_index(project: Project) -> str:
    """(Re)write ``docs/index.html`` linking every gate-run page under the docs folder."""
    root = docs_root(project)
    pages = sorted(
        files.relative_to(f.uri, root) for f in files.list_files(root)
        if f.uri.endswith(".html") and not f.uri.endswith("/index.html"))
    items = "\n".join(f'<li><a href="{html.escape(p)}">{html.escape(p)}</a></li>' for p in pages)
    body = (f"<!doctype html><html><head><meta charset='utf-8'><title>lakehouse quality gates"
            f"</title></head><body><h1>Quality gate runs</h1><ul>\n{items}\n</ul></body></html>")
    uri = join_uri(root, "index.html")
    files.write_text(uri, body)
    return uri
