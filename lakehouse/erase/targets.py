"""The tables of a dataset that may hold a subject, and the rows of each that match.

A predicate is over the declared (curated) columns. Curated rows and the rows held at the
``curated_to_exportable`` gate have those columns; raw rows and the rows held at
``raw_to_curated`` are the row as received, so they are first conformed the way curate
does (``sources.conform``: casts, ``source:`` renames, derived columns) and the predicate
evaluated on that. The records held at ``landing_to_raw`` did not parse: they have no
columns to evaluate (reported as not checked).

Rows are then deleted by ``_record_hash`` (every zone carries the hash of the row as
received), so the Delta log, which records a DELETE's predicate, never holds the subject's
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lakehouse.config.models import DatasetConfig
from lakehouse.config.project import Project
from lakehouse.errors import SchemaError
from lakehouse.sources.malformed import INGEST_GATE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from lakehouse.tables.base import DeltaTableStore

HASH = "_record_hash"
QUARANTINE_COLUMNS = ("_failed_rules", "_reason", "_gate", "_run_id", "_quarantined_at")
CURATE_GATE, EXPORT_GATE = "raw_to_curated", "curated_to_exportable"


@dataclass
class Target:
    """One table: how its rows are read as the declared columns (``as_received``: conform)."""

    zone: str
    uri: str
    table: DeltaTableStore
    as_received: bool
    evaluable: bool = True


@dataclass
class Match:
    rows: int = 0
    hashes: list[str] = field(default_factory=list)
    source_files: list[str] = field(default_factory=list)


def targets(project: Project, dataset: DatasetConfig, open_table) -> list[Target]:
    """Every existing table of ``dataset``: raw, curated and its three quarantine tables."""
    name, q = dataset.name, project.quarantine_uri
    places = [("raw", project.table_uri("raw", name), True, True),
              ("curated", project.table_uri("curated", name), False, True),
              (f"quarantine/{INGEST_GATE}", q(name, INGEST_GATE), True, False),
              (f"quarantine/{CURATE_GATE}", q(name, CURATE_GATE), True, True),
              (f"quarantine/{EXPORT_GATE}", q(name, EXPORT_GATE), False, True)]
    out = []
    for zone, uri, as_received, evaluable in places:
        table = open_table(uri)
        if table.exists():
            out.append(Target(zone, uri, table, as_received, evaluable))
    return out


def declared_view(target: Target, dataset: DatasetConfig) -> DataFrame:
    """The target's rows with the declared columns (conformed when held as received)."""
    df = target.table.read()
    if not target.as_received:
        return df
    from lakehouse.sources.conform import conform

    return conform(df.drop(*[c for c in QUARANTINE_COLUMNS if c in df.columns]), dataset)


def check_columns(spark: SparkSession, target: Target, dataset: DatasetConfig,
                  predicate: str) -> None:
    """Fail naming every column of ``predicate`` the dataset does not declare."""
    from lakehouse.tables.predicates import unknown_columns

    schema = declared_view(target, dataset).schema
    missing = unknown_columns(spark, schema, predicate)
    if missing:
        raise SchemaError(
            f"--where names column(s) {missing} that dataset {dataset.name!r} does not have",
            hint=f"its columns: {', '.join(schema.fieldNames())}", dataset=dataset.name)


def match(target: Target, dataset: DatasetConfig, predicate: str) -> Match:
    """Rows of ``target`` where ``predicate`` is true: count, their hashes, their files."""
    from pyspark.sql import functions as F

    hits = declared_view(target, dataset).where(F.coalesce(F.expr(predicate), F.lit(False)))
    if HASH not in hits.columns:
        raise SchemaError(f"table {target.uri} has no {HASH} column: erasure deletes by it",
                          dataset=dataset.name, table=target.uri)
    with_file = "_source_file" in hits.columns
    cols = [HASH, *(["_source_file"] if with_file else [])]
    grouped = hits.groupBy(*cols).count().collect()
    return Match(rows=sum(r["count"] for r in grouped),
                 hashes=sorted({r[HASH] for r in grouped}),
                 source_files=sorted({r["_source_file"] for r in grouped}) if with_file else [])


def hash_predicate(hashes: list[str]) -> str:
    """``_record_hash IN (...)``: hex digests only, safe to record in the Delta log."""
    if not all(h and all(c in "0123456789abcdef" for c in h) for h in hashes):
        raise ValueError("record hashes must be lower-case hex digests")
    return f"{HASH} IN ({', '.join(repr(h) for h in hashes)})"
