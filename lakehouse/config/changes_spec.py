"""The ``changes:`` section of a dataset contract: a source of change data (AWS DMS files,
or full snapshots compared with the table).

Spark-free. ``docs/changes.md`` is the user guide; the curate side is
:mod:`lakehouse.stages.changes`.
"""

from __future__ import annotations

import fnmatch
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OP_INSERT, OP_UPDATE, OP_DELETE = "I", "U", "D"
# The hidden columns a change dataset's curated table carries (docs/changes.md)
CHANGE_SEQ = "_change_seq"        # sortable text: the position of the change that wrote the row
CHANGE_OP = "_change_op"          # I / U / D of that change (SCD1)
CLOSED_SEQ = "_closed_seq"        # SCD2: the change that closed the version (null while open)
OPENED_SEQ = "_opened_seq"        # SCD2: the change that opened the version (its identity)
VALID_FROM, VALID_TO, IS_CURRENT = "valid_from", "valid_to", "is_current"
SOURCE_ROW = "_source_row"        # ingest: the row's position within its landing file


class ChangesSpec(BaseModel):
    """How the files of a change-data source are laid out and applied.

    ``format``: ``dms`` (files of I / U / D changes) or ``snapshot`` (each file is the complete
    current state of the source table; the changes are derived by key against the table).
    ``mode``: ``scd1`` keeps the current row per key (deletes applied), ``scd2`` keeps every
    version with ``valid_from`` / ``valid_to`` / ``is_current``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["dms", "snapshot"] = "dms"
    mode: Literal["scd1", "scd2"] = "scd1"
    op_column: str = "Op"                       # DMS: the first field of a CDC record
    timestamp_column: str | None = None         # DMS TimestampColumnName (a declared column)
    order_by: list[str] = Field(default_factory=list)   # e.g. [ar_h_change_seq]
    header: bool = False                        # DMS AddColumnName: CSV files name their columns
    full_load_pattern: str = "LOAD*"            # file names of the full load
    include_op_for_full_load: bool = False      # DMS includeOpForFullLoad
    untracked: list[str] = Field(default_factory=list)  # scd2: no new version for these alone

    @property
    def is_snapshot(self) -> bool:
        """Whether each file is a full snapshot (no operation column)."""
        return self.format == "snapshot"

    @property
    def headerless(self) -> bool:
        """Whether CSV files come without a header line (DMS's default layout)."""
        return self.format == "dms" and not self.header

    def ordering(self) -> list[str]:
        """The declared columns that order changes: ``order_by``, else the commit timestamp."""
        if self.order_by:
            return list(self.order_by)
        return [self.timestamp_column] if self.timestamp_column else []

    def is_full_load(self, rel_path: str) -> bool:
        """Whether a landing file (its path relative to the landing zone) is a full-load file."""
        name = rel_path.rsplit("/", 1)[-1]
        return fnmatch.fnmatchcase(name, self.full_load_pattern) or fnmatch.fnmatchcase(
            name, self.full_load_pattern + ".*")

    def has_op(self, rel_path: str) -> bool:
        """Whether the file's records start with the operation field."""
        return self.include_op_for_full_load or not self.is_full_load(rel_path)

    def csv_columns(self, rel_path: str, data_columns: list[str],
                    timestamp_source: str | None) -> list[str]:
        """The column names of a header-less DMS CSV file, in the order DMS writes them: the
        operation (CDC files, and full-load files with ``includeOpForFullLoad``), then the
        commit timestamp (``timestamp_source``: the source name of ``timestamp_column``),
        then the table's columns (``data_columns``: the declared source columns, in
        declaration order)."""
        names = [self.op_column] if self.has_op(rel_path) else []
        if timestamp_source:
            names.append(timestamp_source)
        return names + [c for c in data_columns if c != timestamp_source]
