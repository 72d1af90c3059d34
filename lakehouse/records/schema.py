"""The run record's JSON Schema (draft 2020-12), generated from the record's dataclasses.

``python -m lakehouse.records.schema > docs/schemas/run-record.v1.json`` writes the published
copy; a test keeps that file equal to :func:`record_schema`. pydantic's ``TypeAdapter`` does
the generation (it reads stdlib dataclasses); only what the dataclasses do not declare is added
here: the computed ``balanced`` flags and the schema's identity. ``jsonschema`` (installed with
Great Expectations) validates records against it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from lakehouse.records.summary import SCHEMA_VERSION, RunSummary

SCHEMA_ID = ("https://github.com/lakehouse/lakehouse/blob/main/docs/schemas/"
             f"run-record.v{SCHEMA_VERSION}.json")
PUBLISHED = f"docs/schemas/run-record.v{SCHEMA_VERSION}.json"   # relative to the repository
_BALANCED = {"type": "boolean", "title": "Balanced",
             "description": "rows_read == rows_written + rows_quarantined + rows_deduplicated"
                            " (for the run: of every succeeded stage)"}


@cache
def record_schema() -> dict[str, Any]:
    """The JSON Schema of a run record of :data:`SCHEMA_VERSION`.

    Generated from :class:`RunSummary` (its stages' ``details`` are any of the typed details
    classes; unknown keys are refused), plus the computed ``balanced`` of the run and of each
    stage and the fixed ``schema_version``. A record written before ``schema_version``
    existed still validates (the field is not required).
    """
    generated = TypeAdapter(RunSummary).json_schema()
    defs = generated.pop("$defs")
    for props in (generated["properties"], defs["StageResult"]["properties"]):
        props["balanced"] = dict(_BALANCED)
    generated["properties"]["schema_version"] = {
        "const": SCHEMA_VERSION, "default": SCHEMA_VERSION, "title": "Schema Version"}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **generated, "title": f"lakehouse run record v{SCHEMA_VERSION}", "$defs": defs}


def validate_record(record: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``record`` does not match the schema."""
    _validator().validate(record)


@cache
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(record_schema())


def render() -> str:
    """The published file's text."""
    return json.dumps(record_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
