"""Check emitted OpenLineage events against the client's own spec models (Spark-free).

The installed ``openlineage-python`` does not ship the JSON Schema files of the spec (only
classes generated from them, with the spec's required fields and validators: UUID run ids,
ISO date-times with a time, event types). So an event is rebuilt from its JSON through those
attrs classes, facet by facet (an unknown facet is an error), and serialized again: the result
must equal the original, so no field was dropped, renamed or mistyped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class InvalidEvent(ValueError):
    """An event that does not match the OpenLineage models."""


def _facet(cls: type, data: dict[str, Any], **nested: Any):
    kwargs = {k: v for k, v in data.items() if not k.startswith("_")}
    kwargs.update(nested)
    obj = cls(**kwargs)
    if "_producer" in data:
        obj._producer = data["_producer"]
    if data.get("_schemaURL") != obj._schemaURL:
        raise InvalidEvent(f"{cls.__name__}: _schemaURL {data.get('_schemaURL')!r} is not {obj._schemaURL!r}")
    return obj


def _run_facets(facets: dict[str, Any]) -> dict[str, Any]:
    from openlineage.client.facet_v2 import error_message_run, parent_run, tags_run

    out = {}
    for name, data in facets.items():
        if name == "parent":
            out[name] = _facet(parent_run.ParentRunFacet, data,
                               run=parent_run.Run(**data["run"]), job=parent_run.Job(**data["job"]),
                               **({"root": parent_run.Root(run=parent_run.RootRun(**data["root"]["run"]),
                                                           job=parent_run.RootJob(**data["root"]["job"]))}
                                  if "root" in data else {}))
        elif name == "errorMessage":
            out[name] = _facet(error_message_run.ErrorMessageRunFacet, data)
        elif name == "tags":
            out[name] = _facet(tags_run.TagsRunFacet, data,
                               tags=[tags_run.TagsRunFacetFields(**t) for t in data["tags"]])
        else:
            raise InvalidEvent(f"unexpected run facet {name!r}")
    return out


def _input_field(cl, data: dict[str, Any]):
    transformations = [cl.Transformation(**t) for t in data.get("transformations") or []]
    return cl.InputField(**{**data, **({"transformations": transformations} if transformations else {})})


def _dataset_facets(facets: dict[str, Any]) -> dict[str, Any]:
    from openlineage.client.facet_v2 import column_lineage_dataset as cl
    from openlineage.client.facet_v2 import schema_dataset

    out = {}
    for name, data in facets.items():
        if name == "schema":
            out[name] = _facet(schema_dataset.SchemaDatasetFacet, data, fields=[
                schema_dataset.SchemaDatasetFacetFields(**f) for f in data["fields"]])
        elif name == "columnLineage":
            out[name] = _facet(cl.ColumnLineageDatasetFacet, data, fields={
                k: cl.Fields(inputFields=[_input_field(cl, i) for i in v["inputFields"]],
                             **{x: y for x, y in v.items() if x != "inputFields"})
                for k, v in data["fields"].items()},
                **({"dataset": [cl.InputField(**i) for i in data["dataset"]]} if "dataset" in data else {}))
        else:
            raise InvalidEvent(f"unexpected dataset facet {name!r}")
    return out


def parse_event(data: dict[str, Any]):
    """Rebuild a RunEvent from its JSON; raises :class:`InvalidEvent` (or the model's error)."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.facet_v2 import input_statistics_input_dataset as ins
    from openlineage.client.facet_v2 import job_type_job
    from openlineage.client.facet_v2 import output_statistics_output_dataset as outs
    from openlineage.client.serde import Serde

    try:
        job_facets = {k: _facet(job_type_job.JobTypeJobFacet, v) if k == "jobType" else None
                      for k, v in (data["job"].get("facets") or {}).items()}
        if None in job_facets.values():
            raise InvalidEvent(f"unexpected job facets {sorted(data['job']['facets'])}")
        inputs = [InputDataset(namespace=d["namespace"], name=d["name"],
                               facets=_dataset_facets(d.get("facets") or {}),
                               inputFacets={k: _facet(ins.InputStatisticsInputDatasetFacet, v)
                                            for k, v in (d.get("inputFacets") or {}).items()})
                  for d in data.get("inputs", [])]
        outputs = [OutputDataset(namespace=d["namespace"], name=d["name"],
                                 facets=_dataset_facets(d.get("facets") or {}),
                                 outputFacets={k: _facet(outs.OutputStatisticsOutputDatasetFacet, v)
                                               for k, v in (d.get("outputFacets") or {}).items()})
                   for d in data.get("outputs", [])]
        event = RunEvent(eventType=RunState(data["eventType"]), eventTime=data["eventTime"],
                         producer=data["producer"],
                         run=Run(runId=data["run"]["runId"],
                                 facets=_run_facets(data["run"].get("facets") or {})),
                         job=Job(namespace=data["job"]["namespace"], name=data["job"]["name"],
                                 facets=job_facets),
                         inputs=inputs, outputs=outputs)
    except (KeyError, TypeError) as exc:
        raise InvalidEvent(f"missing or unexpected field: {exc}") from exc
    again = json.loads(Serde.to_json(event))
    if again != data:
        raise InvalidEvent(f"event does not survive a round trip through the models:\n{data}\n{again}")
    return event


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a file transport log (one JSON document per line)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
