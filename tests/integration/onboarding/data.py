"""Three data files the project has never seen, built in the test (no fixtures on disk).

- ``penguins.csv``: awkward column names (``Culmen Length (mm)``, ``Body Mass (g)``) and
  ``NA`` for missing values;
- ``orders.json``: a JSON array (one document, not JSON lines) with nulls and a timestamp;
- ``readings.csv.gz``: a gzip-compressed, semicolon-separated CSV with a date and a
  compound key.
"""

from __future__ import annotations

import json
from pathlib import Path

from lakehouse.testing.project import write_file

PENGUIN_HEADER = ("studyName,Sample Number,Species,Island,Culmen Length (mm),Body Mass (g),Sex,"
                  "Date Egg")
SPECIES = ["Adelie Penguin", "Gentoo penguin", "Chinstrap penguin"]
ISLANDS = ["Torgersen", "Biscoe", "Dream"]


def penguin(i: int, *, mass: str | None = None, species: str | None = None) -> str:
    culmen = "NA" if i % 17 == 0 else f"{35 + (i * 7) % 20 + 0.1 * (i % 10):.1f}"
    body = mass or ("NA" if i % 17 == 0 else str(3000 + (i * 37) % 2000))
    sex = "NA" if i % 11 == 0 else ["MALE", "FEMALE"][i % 2]
    return (f"PAL0708,{i},{species or SPECIES[i % 3]},{ISLANDS[i % 3]},{culmen},{body},{sex},"
            f"2007-11-{1 + i % 28:02d}")


def write_unseen_files(folder: Path) -> dict[str, Path]:
    """The three files; returns dataset name -> file."""
    penguins = [PENGUIN_HEADER, *(penguin(i) for i in range(1, 61))]
    orders = [{"order_id": 1000 + i, "customer": f"C{i % 7:03d}",
               "amount": None if i % 9 == 0 else round(10 + i * 1.5, 2),
               "status": ["NEW", "PAID", "SHIPPED"][i % 3], "note": None if i % 2 else f"n{i}",
               "ordered_at": f"2024-03-{1 + i % 20:02d}T10:{i % 60:02d}:00"} for i in range(40)]
    readings = ["station_code;reading_date;temp_c;flag"] + [
        f"ST{i % 4:02d};2024-01-{1 + i // 4:02d};{-5 + (i * 3) % 25}.5;{'' if i % 5 else 'X'}"
        for i in range(80)]
    return {
        "penguins": write_file(folder / "penguins.csv", "\n".join(penguins) + "\n"),
        "orders": write_file(folder / "orders.json", json.dumps(orders, indent=1)),
        "readings": write_file(folder / "readings.csv.gz", "\n".join(readings) + "\n"),
    }


def second_penguin_delivery() -> str:
    """5 rows: one mass that is not a number (quarantined), key 62 twice (one deduplicated),
    an update of key 5, and a species the first delivery never had (a warning)."""
    rows = [PENGUIN_HEADER, penguin(61, mass="heavy"), penguin(62), penguin(62, mass="4100"),
            penguin(5, mass="3999"), penguin(63, species="Emperor penguin")]
    return "\n".join(rows) + "\n"
