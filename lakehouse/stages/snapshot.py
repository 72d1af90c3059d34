"""Changes from full snapshots (``changes.format: snapshot``): derive I / U / D by key.

Each landing file is the complete current state of the source table; its position
(``_change_seq``) is its ordering columns then its file name (:func:`changes.change_rows`).
Of the snapshots of one curate batch only the newest is compared with the table (the older
ones are ``superseded``); a snapshot not newer than the last one that changed the table (a
replay, or an older one delivered late) is ``ignored``. Per key: absent from the table ->
insert, tracked values changed -> update, same values -> nothing (``ignored``), held by the
table but absent from the snapshot -> delete. The events then go through
:func:`changes.apply_scd1` / :func:`changes.apply_scd2`. docs/changes.md, "Snapshot sources".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lakehouse.config.changes_spec import (
    CHANGE_OP,
    CHANGE_SEQ,
    CLOSED_SEQ,
    IS_CURRENT,
    OP_DELETE,
    OP_INSERT,
    OP_UPDATE,
    SOURCE_ROW,
)
from lakehouse.config.models import DatasetConfig
from lakehouse.stages import changes

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from lakehouse.tables.base import DeltaTableStore

_KIND, _VALUES, _OLD = "__snap_kind", "__snap_values", "__snap_old"
_SAME = "same"


@dataclass
class SnapshotEvents:
    """The changes derived from one batch of snapshots, and the rows read that made none."""

    events: DataFrame
    ignored: int = 0        # rows of a stale snapshot, unchanged rows, duplicate keys in a file
    superseded: int = 0     # rows of an older snapshot of the same batch
    deletes: int = 0        # keys held by the table, absent from the snapshot (derived)


def _last_applied(dataset: DatasetConfig, curated: DeltaTableStore,
                  tombstones: DeltaTableStore) -> str | None:
    """The position of the last snapshot that changed the table (rows, closed versions,
    tombstones)."""
    from pyspark.sql import functions as F

    found: list[str] = []
    if curated.exists():
        table = curated.read()
        cols = [F.max(CHANGE_SEQ)]
        if CLOSED_SEQ in table.columns:
            cols.append(F.max(CLOSED_SEQ))
        found += [v for v in table.agg(*cols).first() if v is not None]
    if tombstones.exists():
        value = tombstones.read().agg(F.max(CHANGE_SEQ)).first()[0]
        found += [value] if value is not None else []
    return max(found) if found else None


def _tracked(dataset: DatasetConfig) -> list[str]:
    """The declared columns compared between a snapshot and the table."""
    spec = dataset.changes
    assert spec is not None
    skip = {*dataset.primary_key, *spec.ordering()}   # the ordering differs every snapshot
    return [c.name for c in dataset.columns if c.name not in skip]


def snapshot_events(rows: DataFrame, dataset: DatasetConfig, curated: DeltaTableStore,
                    tombstones: DeltaTableStore, *, derive_deletes: bool = True) -> SnapshotEvents:
    """Change rows of :func:`changes.change_rows` (every row an insert, one position per
    snapshot) -> the I / U / D events of the newest new snapshot against the table.

    ``derive_deletes`` false (the batch had quarantined rows, whose keys would look absent)
    derives no delete.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    per_snapshot = {r[0]: int(r[1]) for r in rows.groupBy(CHANGE_SEQ).count().collect()}
    none = rows.where(F.lit(False))
    if not per_snapshot:
        return SnapshotEvents(none)
    newest = max(per_snapshot)
    last = _last_applied(dataset, curated, tombstones)
    if last is not None and newest <= last:   # a replay, or older than the table
        return SnapshotEvents(none, ignored=sum(per_snapshot.values()))
    superseded = sum(n for seq, n in per_snapshot.items() if seq != newest)
    keys = dataset.primary_key
    latest_in_file = Window.partitionBy(*keys).orderBy(F.col(SOURCE_ROW).desc_nulls_last())
    snap = (rows.where(F.col(CHANGE_SEQ) == newest)
            .withColumn("__snap_rn", F.row_number().over(latest_in_file))
            .where("__snap_rn = 1").drop("__snap_rn"))
    values = F.to_json(F.struct(*[F.col(f"`{c}`") for c in _tracked(dataset)]))
    snap = snap.withColumn(_VALUES, values)
    if not curated.exists():
        joined = snap.withColumn(_KIND, F.lit(OP_INSERT))
    else:
        table = curated.read()
        if IS_CURRENT in table.columns:
            table = table.where(F.col(IS_CURRENT))
        payload = [c for c in rows.columns if c not in (CHANGE_OP, CHANGE_SEQ)]
        held = table.select(*payload).withColumn(_OLD, values)
        new, old = snap.alias("new"), held.alias("old")
        on = [F.col(f"new.`{k}`") == F.col(f"old.`{k}`") for k in keys]
        in_snap = F.col(f"new.`{keys[0]}`").isNotNull()
        in_table = F.col(f"old.`{keys[0]}`").isNotNull()
        kind = (F.when(in_snap & ~in_table, F.lit(OP_INSERT))
                .when(in_snap & F.col(f"new.{_VALUES}").eqNullSafe(F.col(f"old.{_OLD}")),
                      F.lit(_SAME))
                .when(in_snap, F.lit(OP_UPDATE)).otherwise(F.lit(OP_DELETE)))
        # a derived delete carries the table's row, at the snapshot's position and time
        taken = [c for c in _times(dataset) if c in rows.columns]
        at = snap.agg(*[F.max(c).alias(f"__at_{c}") for c in taken])   # one row, no collect
        cols = []
        for c in rows.columns:
            if c == CHANGE_OP:
                cols.append(kind.alias(CHANGE_OP))
            elif c == CHANGE_SEQ:
                cols.append(F.lit(newest).alias(CHANGE_SEQ))
            elif c in keys:
                cols.append(F.coalesce(F.col(f"new.`{c}`"), F.col(f"old.`{c}`")).alias(c))
            elif c in taken:
                cols.append(F.when(in_snap, F.col(f"new.`{c}`"))
                            .otherwise(F.col(f"`__at_{c}`")).alias(c))
            else:
                cols.append(F.when(in_snap, F.col(f"new.`{c}`"))
                            .otherwise(F.col(f"old.`{c}`")).alias(c))
        joined = new.join(old, on, "full_outer").crossJoin(at).select(*cols).withColumn(_KIND,
                                                                          F.col(CHANGE_OP))
    if not derive_deletes:
        joined = joined.where(F.col(_KIND) != OP_DELETE)
    counts = joined.groupBy(_KIND).count().collect()
    by_kind = {r[0]: int(r[1]) for r in counts}
    read = per_snapshot[newest]
    in_file = sum(n for k, n in by_kind.items() if k != OP_DELETE)
    events = (joined.where(F.col(_KIND) != _SAME).withColumn(CHANGE_OP, F.col(_KIND))
              .drop(_KIND, _VALUES))
    return SnapshotEvents(events.select(*rows.columns),
                          ignored=read - in_file + by_kind.get(_SAME, 0),
                          superseded=superseded, deletes=by_kind.get(OP_DELETE, 0))


def apply_snapshot(rows: DataFrame, dataset: DatasetConfig, curated: DeltaTableStore,
                   tombstones: DeltaTableStore, *, idempotency_key: str,
                   derive_deletes: bool = True) -> changes.ChangeCounts:
    """Derive the changes of the newest new snapshot (:func:`snapshot_events`) and apply
    them as SCD1 or SCD2. ``inserted + updated + ignored + superseded`` = the rows read; the
    deletes are derived (``derived``)."""
    spec = dataset.changes
    assert spec is not None
    found = snapshot_events(rows, dataset, curated, tombstones, derive_deletes=derive_deletes)
    apply = changes.apply_scd1 if spec.mode == "scd1" else changes.apply_scd2
    counts = apply(found.events, dataset, curated, tombstones, idempotency_key=idempotency_key)
    counts.ignored += found.ignored
    counts.superseded += found.superseded
    counts.derived = found.deletes
    return counts


def _times(dataset: DatasetConfig) -> list[str]:
    """The columns a derived delete takes from its snapshot: the ingestion time and the
    timestamp / ordering columns (SCD2 closes the version at that time)."""
    spec = dataset.changes
    assert spec is not None
    return list(dict.fromkeys(["_ingested_at", "_ingest_run_id", "_source_file",
                               *([spec.timestamp_column] if spec.timestamp_column else []),
                               *spec.ordering()]))
