"""Read-only summaries of catalog entries for the CLI (plain dicts: printable or JSON)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lakehouse.catalog.base import Catalog
from lakehouse.catalog.formats import PARTITION_BY_PARAM
from lakehouse.catalog.model import Table
from lakehouse.catalog.schema import Policy, diff_schemas
from lakehouse.errors import InvalidInputError
from lakehouse.storage.uri import to_uri

if TYPE_CHECKING:
    from lakehouse.config.project import Project

ZONES = ("landing", "raw", "curated", "quarantine", "exportable")


def _partition_count(catalog: Catalog, table: Table) -> int | None:
    if not table.partition_keys:
        return None
    return len(catalog.partition_locations(table.database, table.name))


def table_summary(catalog: Catalog, table: Table) -> dict[str, Any]:
    return {"table": table.qualified_name, "format": table.table_format,
            "columns": len(table.all_columns), "partitions": _partition_count(catalog, table),
            "version": table.version_id, "location": table.location}


def describe(catalog: Catalog, database: str, name: str, *, version_id: str | None = None,
             limit: int = 20) -> dict[str, Any]:
    """Everything ``catalog show`` prints about one table."""
    table = (catalog.get_table_version(database, name, version_id) if version_id
             else catalog.get_table(database, name))
    partitions = (list(catalog.iter_partitions(database, name)) if table.partition_keys else [])
    versions = list(catalog.iter_table_versions(database, name))
    return {
        "table": table.qualified_name, "format": table.table_format,
        "version": table.version_id, "location": table.location,
        "description": table.description, "table_type": table.table_type,
        "columns": [{"name": c.name, "type": c.type, "comment": c.comment}
                    for c in table.columns],
        "partition_keys": [{"name": c.name, "type": c.type} for c in table.partition_keys],
        "delta_partition_by": [k for k in table.parameters.get(PARTITION_BY_PARAM, "").split(",")
                               if k],
        "parameters": dict(sorted(table.parameters.items())),
        "partition_count": len(partitions),
        "partitions": [{"values": list(p.values), "location": p.location}
                       for p in partitions[:limit]],
        "versions": [v.version_id for v in versions],
    }


def render_describe(info: dict[str, Any], table: Callable[[Sequence, Sequence[str]], str]) -> str:
    lines = [f"{info['table']}  ({info['format']}, version {info['version']} of "
             f"{', '.join(info['versions'])})", f"location: {info['location']}"]
    if info["description"]:
        lines.append(f"description: {info['description']}")
    lines += ["", table([(c["name"], c["type"], c["comment"]) for c in info["columns"]],
                        ["COLUMN", "TYPE", "COMMENT"])]
    if info["partition_keys"]:
        keys = ", ".join(f"{k['name']} {k['type']}" for k in info["partition_keys"])
        lines += ["", f"partition keys: {keys}",
                  f"partitions: {info['partition_count']} registered"
                  + (f" (first {len(info['partitions'])})"
                     if len(info["partitions"]) < info["partition_count"] else "")]
        lines += [f"  {'/'.join(p['values'])}  {p['location']}" for p in info["partitions"]]
    if info["delta_partition_by"]:
        lines += ["", f"partitioned by (in the Delta log): {', '.join(info['delta_partition_by'])}"]
    lines += ["", "parameters:"] + [f"  {k} = {v}" for k, v in info["parameters"].items()]
    return "\n".join(lines)


def history(catalog: Catalog, database: str, name: str) -> list[dict[str, Any]]:
    """Versions oldest first, each with a one-line summary of what changed."""
    out, previous = [], None
    for version in catalog.iter_table_versions(database, name):
        t = version.table
        change = "created"
        if previous is not None:
            diff = diff_schemas(previous.all_columns, t.all_columns)
            parts = [f"+{c.name} {c.type}" for c in diff.added]
            parts += [f"-{c.name}" for c in diff.dropped]
            parts += [f"{o.name}: {o.type}->{n.type}" for o, n in diff.retyped]
            if previous.location.rstrip("/") != t.location.rstrip("/"):
                parts.append("location moved")
            change = "; ".join(parts) or "parameters"
        when = t.update_time or t.create_time
        out.append({"version": version.version_id, "updated": when.isoformat() if when else "",
                    "columns": len(t.all_columns), "location": t.location, "change": change})
        previous = t
    return out


def crawl_target(project: Project, path: str, database: str | None, policy: str | None,
                 ) -> tuple[str, dict[str, Policy], Policy]:
    """Database and policies for crawling ``path``: a zone of the project maps to its database
    and each dataset's ``schema_policy``; other folders need ``--database``."""
    uri = to_uri(path)
    zone = next((z for z in ZONES if project.zone_uri(z).rstrip("/") == uri), None)  # type: ignore[arg-type]
    if database is None:
        if zone is None:
            raise InvalidInputError(f"{path} is not a zone of this project",
                                    hint="pass --database NAME to say where to register it")
        database = project.database(zone)  # type: ignore[arg-type]
    if policy:
        return database, {}, policy  # type: ignore[return-value]
    policies = {n: d.schema_policy for n, d in project.datasets.items()}
    return database, policies, "additive"  # type: ignore[return-value]
