"""The Palmer penguins, as the ``palmerpenguins`` package ships them (data the project did not
design): ``penguins-raw.csv``, 344 penguins of three species named by strings such as
``Adelie Penguin (Pygoscelis adeliae)``, a Yes/No ``Clutch Completion`` column, ``NA``
markers and a ``Sex`` column with a ``.``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def penguins_raw_csv() -> Path:
    """The path of the package's ``penguins-raw.csv``."""
    return Path(str(files("palmerpenguins").joinpath("data", "penguins-raw.csv")))
