"""A crawler, as Glue's: find tables under a zone path, infer them, register them.

Every top-level folder is a table; a folder holding ``_delta_log`` is a Delta table, also
when nested (``quarantine/flights/raw_to_curated`` -> table ``flights_raw_to_curated``).
Other folders are Parquet/CSV/JSON tables whose sub-folders are Hive-style partitions; a
folder with an export ``_manifest.json`` is crawled at the version the manifest names.

The schema-change policy is applied to every table *before* anything is registered: one
breaking change fails the crawl with the diff and leaves the catalog unchanged.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lakehouse.catalog.base import Catalog
from lakehouse.catalog.inference import (
    EXTENSIONS,
    SAMPLE_FILES,
    InferredTable,
    delta_schema,
    file_schema,
    hive_partition,
    merge_columns,
    partition_value_type,
)
from lakehouse.catalog.model import Column, Database, Table
from lakehouse.catalog.names import suggest
from lakehouse.catalog.schema import Policy, SchemaDiff, diff_schemas, enforce
from lakehouse.catalog.sync import build_table, put_table, sync_partitions
from lakehouse.errors import CatalogError, SchemaError
from lakehouse.storage.uri import is_local, local_path, to_uri

MAX_DEPTH = 4
MANIFEST = "_manifest.json"     # written by the export stage next to its versions


@dataclass
class CrawlResult:
    """What the crawl did to one table."""

    table: str
    table_format: str
    action: str                    # created | versioned | updated | unchanged
    version_id: str | None
    columns: int
    partitions: int | None         # None for Delta (its partitions live in the log)
    diff: str = ""


@dataclass
class CrawlReport:
    database: str
    path: str
    results: list[CrawlResult] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"database": self.database, "path": self.path,
                "tables": [r.__dict__ for r in self.results]}


def discover(path: str | Path) -> list[InferredTable]:
    """Infer every table under ``path`` (a local folder or ``file://`` URI)."""
    uri = to_uri(str(path))
    if not is_local(uri):
        raise CatalogError(f"the crawler reads local folders only, got {uri}",
                           hint="crawl a local copy, or register S3 tables with sync_table")
    root = local_path(uri)
    if not root.is_dir():
        raise CatalogError(f"nothing to crawl: {root} is not a folder")
    tables: list[InferredTable] = []
    for child in _subdirs(root):
        delta = _delta_tables(child)
        if delta:
            tables += [_infer_delta(suggest("_".join(p.relative_to(root).parts)), p)
                       for p in delta]
        else:
            found = _infer_files(suggest(child.name), child)
            if found:
                tables.append(found)
    return tables


def crawl(catalog: Catalog, path: str | Path, *, database: str, policy: Policy = "additive",
          policies: dict[str, Policy] | None = None,
          progress: Callable[[str], None] | None = None) -> CrawlReport:
    """Crawl ``path`` into ``database`` (created when missing).

    Args:
        policy: schema-change policy for tables not named in ``policies``.
        policies: per-table policy, e.g. each dataset's ``schema_policy``.

    Raises:
        SchemaError: a breaking change under the table's policy (nothing registered).
    """
    inferred = discover(path)
    policies = policies or {}
    planned: list[tuple[InferredTable, SchemaDiff | None]] = []
    problems: list[str] = []
    for item in inferred:
        current = catalog.find_table(database, item.name)
        if current is None:
            planned.append((item, None))
            continue
        new = [*item.columns, *item.partition_keys]
        try:
            enforce(current.all_columns, new, policy=policies.get(item.name, policy),
                    table=current.qualified_name, source=str(item.path))
        except SchemaError as exc:
            problems.append(exc.message)
        planned.append((item, diff_schemas(current.all_columns, new)))
    if problems:
        raise SchemaError("crawl stopped; nothing was registered:\n" + "\n".join(problems),
                          hint="fix the data, or crawl with --policy permissive to accept")
    catalog.ensure_database(Database(database, location_uri=to_uri(str(path))))
    report = CrawlReport(database, to_uri(str(path)))
    for item, diff in planned:
        if progress:
            progress(f"registering {database}.{item.name} ({item.table_format})")
        report.results.append(_register(catalog, database, item, diff))
    return report


def _register(catalog: Catalog, database: str, item: InferredTable,
              diff: SchemaDiff | None) -> CrawlResult:
    current = catalog.find_table(database, item.name)
    table = build_table(
        database, item.name, location=item.path.as_uri(), table_format=item.table_format,
        columns=[(c.name, c.type) for c in (*item.columns, *item.partition_keys)],
        partition_keys=[(k.name, k.type) for k in item.partition_keys], current=current,
        description=current.description if current else "")
    table = _with_comments(table, item.columns)
    action = put_table(catalog, table, current)
    if item.table_format != "delta":
        keys = [k.name for k in item.partition_keys]
        sync_partitions(catalog, table, [dict(zip(keys, v, strict=True)) for v in item.partitions])
    stored = catalog.get_table(database, item.name)
    return CrawlResult(item.name, item.table_format, action, stored.version_id,
                       len(stored.all_columns),
                       None if item.table_format == "delta" else len(item.partitions),
                       diff.render() if diff and diff.changed else "")


def _with_comments(table: Table, columns: list[Column]) -> Table:
    comments = {c.name: c.comment for c in columns if c.comment}
    if not comments:
        return table
    cols = tuple(replace(c, comment=c.comment or comments.get(c.name, ""))
                 for c in table.storage.columns)
    return replace(table, storage=replace(table.storage, columns=cols))


# -------------------------------------------------------------------------- discovery
def _hidden(path: Path) -> bool:
    return path.name.startswith((".", "_"))


def _subdirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not _hidden(p))


def _delta_tables(folder: Path, depth: int = 0) -> list[Path]:
    if (folder / "_delta_log").is_dir():
        return [folder]
    if depth >= MAX_DEPTH:
        return []
    return [t for sub in _subdirs(folder) for t in _delta_tables(sub, depth + 1)]


def _infer_delta(name: str, path: Path) -> InferredTable:
    columns, partition_by = delta_schema(path)
    by_name = {c.name: c for c in columns}
    keys = [by_name[k] for k in partition_by if k in by_name]
    data = [c for c in columns if c.name not in partition_by]
    return InferredTable(name, path, "delta", data, keys)


def _data_files(folder: Path) -> list[Path]:
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith((".", "_")) for p in rel) and _format(path):
            out.append(path)
    return out


def _format(path: Path) -> str | None:
    suffixes = [s for s in path.suffixes if s not in (".gz", ".snappy", ".gzip")]
    return EXTENSIONS.get(suffixes[-1].lower()) if suffixes else None


def _current_version(folder: Path) -> Path:
    """A versioned export (``_manifest.json`` naming the live ``location``) -> that folder."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return folder
    try:
        target = local_path(json.loads(manifest.read_text(encoding="utf-8"))["location"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CatalogError(f"cannot read the export manifest {manifest}: {exc}") from exc
    return target if target.is_dir() else folder


def _infer_files(name: str, folder: Path) -> InferredTable | None:
    folder = _current_version(folder)
    files = _data_files(folder)
    if not files:
        return None
    formats = Counter(_format(f) for f in files)
    table_format = formats.most_common(1)[0][0] or "parquet"
    files = [f for f in files if _format(f) == table_format]
    layouts = {tuple(k for k, _ in hive_partition(f.parent.relative_to(folder))) for f in files}
    if len(layouts) > 1:
        raise CatalogError(
            f"files under {folder} use different folder layouts: {sorted(layouts)}",
            hint="keep one Hive-style layout (key=value folders) per table folder")
    keys = list(layouts.pop())
    values = sorted({tuple(v for _, v in hive_partition(f.parent.relative_to(folder)))
                     for f in files}) if keys else []
    sample = files[:: max(1, len(files) // SAMPLE_FILES)][:SAMPLE_FILES]
    columns = merge_columns((file_schema(f, table_format) for f in sample), str(folder))
    columns = [c for c in columns if c.name not in keys]
    key_cols = [Column(k, partition_value_type(v[i] for v in values)) for i, k in enumerate(keys)]
    return InferredTable(name, folder, table_format, columns, key_cols, values, len(files))
