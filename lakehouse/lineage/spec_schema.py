"""Validate OpenLineage events against the spec's own JSON Schemas (Spark-free).

The schemas (``spec/OpenLineage.json`` and ``spec/facets/*.json``, vendored: no package ships
them) are loaded into a ``referencing`` registry under their ``$id``; an event is checked
against ``RunEvent`` (Draft 2020-12, formats checked where ``jsonschema`` can), then every
facet against the facet schema its ``_schemaURL`` names. A facet is matched by its file name,
so an event written by an older client (an older facet version) is checked against the
vendored, current version of that facet.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).with_name("spec")
_SECTIONS = (("run", "facets"), ("job", "facets"))
_DATASET_FACETS = (("inputs", "facets"), ("inputs", "inputFacets"),
                   ("outputs", "facets"), ("outputs", "outputFacets"))


class SpecViolation(ValueError):
    """An event that does not validate against the OpenLineage JSON Schema."""


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    files = [SPEC_DIR / "OpenLineage.json", *sorted((SPEC_DIR / "facets").glob("*.json"))]
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in files}


@cache
def _registry():
    from referencing import Registry, Resource

    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in _schemas().values())


def _validator(file_name: str, definition: str):
    from jsonschema import Draft202012Validator

    schema = _schemas()[file_name]
    ref = {"$ref": f"{schema['$id']}#/$defs/{definition}"}
    return Draft202012Validator(ref, registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _check(validator, instance: Any, where: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "/".join(str(p) for p in first.absolute_path)
        raise SpecViolation(f"{where}{'/' + path if path else ''}: {first.message}")


def _facet_schema(name: str, facet: dict[str, Any], where: str) -> tuple[str, str]:
    url = facet.get("_schemaURL")
    if not isinstance(url, str) or "#/$defs/" not in url:
        raise SpecViolation(f"{where}: facet {name!r} has no _schemaURL pointing into a spec file")
    document, _, definition = url.partition("#/$defs/")
    file_name = document.rsplit("/", 1)[-1]
    if file_name not in _schemas() or definition not in _schemas()[file_name].get("$defs", {}):
        raise SpecViolation(f"{where}: facet {name!r} names an unknown schema {url!r}")
    return file_name, definition


def validate_event(event: dict[str, Any]) -> None:
    """Raise :class:`SpecViolation` (naming the JSON path) unless ``event`` is a valid RunEvent
    whose every facet is valid against its facet schema."""
    _check(_validator("OpenLineage.json", "RunEvent"), event, "event")
    facets: list[tuple[str, str, dict[str, Any]]] = []
    for section, key in _SECTIONS:
        for name, facet in ((event.get(section) or {}).get(key) or {}).items():
            facets.append((f"{section}/{key}/{name}", name, facet))
    for section, key in _DATASET_FACETS:
        for index, dataset in enumerate(event.get(section) or []):
            for name, facet in (dataset.get(key) or {}).items():
                facets.append((f"{section}/{index}/{key}/{name}", name, facet))
    for where, name, facet in facets:
        file_name, definition = _facet_schema(name, facet, where)
        _check(_validator(file_name, definition), facet, where)
