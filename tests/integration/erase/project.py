"""The erasure tests' project: generated churn customers (JSON lines) with a plain export and
an ML export, quarantine rows at two gates, on a chosen table backend."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow.dataset as pads

from lakehouse.config import Project, load_project
from lakehouse.testing.project import SMALL_SPARK, write_project
from tests.spark.ml.churn import CUSTOMERS, churn_ml, generate_customers

SUBJECT = "c00042"


def erasure_project(root: Path, backend: str) -> Project:
    """Customers + exports ``by_region`` (plain) and ``churn_ml`` (ML), landing in 2 files.

    ``c00042`` has two versions in raw (the later one curated) and a third row whose
    timestamp does not parse (quarantined at ``raw_to_curated``); ``c00043`` is held at the
    ``curated_to_exportable`` gate (segment ``hold``).
    """
    dataset = copy.deepcopy(CUSTOMERS)
    dataset["rules"] = {"curated_to_exportable": [
        {"name": "not_held", "rule": "expression", "expr": "segment <> 'hold'"}]}
    rows = generate_customers()
    first = [r for r in rows if r["customer_id"] != "c00043"]
    later = [dict(next(r for r in rows if r["customer_id"] == SUBJECT), segment="moved",
                  signup_ts="2024-02-01 00:00:00"),
             dict(next(r for r in rows if r["customer_id"] == SUBJECT), signup_ts="not a time"),
             dict(next(r for r in rows if r["customer_id"] == "c00043"), segment="hold")]
    ml = churn_ml(transforms={"impute": [{"columns": ["age", "income"], "strategy": "median"}]},
                  features={"exclude": ["segment", "attrs"]}, outputs={})
    conf = write_project(
        root, project="erasure",
        lake={"tables": {"backend": backend}, "spark": SMALL_SPARK, "reports": {"enabled": False},
              "lineage": {"transport": "none"}},
        datasets={"customers": dataset},
        exports={"by_region": {"name": "by_region", "inputs": ["customers"],
                               "sql": "SELECT customer_id, region, age FROM customers",
                               "partition_by": ["region"]},
                 "churn_ml": {"name": "churn_ml", "inputs": ["customers"],
                              "sql": "SELECT * FROM customers", "ml": ml}},
        landing={"customers/part-000.json": _lines(first),
                 "customers/part-001.json": _lines(later)})
    return load_project(conf)


def _lines(rows: list[dict]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def export_ids(project: Project, name: str) -> list[str]:
    """``customer_id`` of every Parquet row of the export's current version (pyarrow)."""
    from lakehouse.stages.export import read_manifest
    from lakehouse.storage.uri import local_path

    manifest = read_manifest(project.table_uri("exportable", name))
    assert manifest, f"export {name} has no version"
    location = local_path(manifest["location"])
    paths = [p for p in location.rglob("*.parquet")]
    ids: list[str] = []
    for path in paths:
        table = pads.dataset(str(path), format="parquet").to_table()
        if "customer_id" in table.column_names:
            ids += table.column("customer_id").to_pylist()
    assert ids, f"no customer_id column in {location}"
    return ids


def delta_ids(uri: str, column: str = "customer_id") -> list[str]:
    """``column`` of the table's latest version, read by delta-rs (the independent reader)."""
    from lakehouse.storage.uri import local_path
    from lakehouse.testing.delta import read_delta

    table = read_delta(local_path(uri))
    return table.column(column).to_pylist() if column in table.column_names else []
