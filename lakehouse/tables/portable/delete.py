"""Delete rows by predicate on the portable backend: copy-on-write, one atomic commit.

Under the table lock: one scan of the live files counts the matching rows per file; only
the files holding a match are rewritten (their other rows, partition by partition) and
committed as ``remove`` (those files) + ``add`` (the rewrites) in one delta-rs transaction,
as Delta's own DELETE does. Null predicate results keep the row (SQL ``WHERE`` semantics).
The commit records the predicate's SHA-256, never the predicate: it may name a person.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from lakehouse.failpoints import fault_point
from lakehouse.tables.base import DeleteResult
from lakehouse.tables.files import new_write_id, write_data_files
from lakehouse.tables.portable.merge import FILE
from lakehouse.tables.portable.merge import _files_by_hash as files_by_hash
from lakehouse.tables.predicates import check_predicate
from lakehouse.tables.schemas import from_delta_schema
from lakehouse.tables.snapshot import read_files, snapshot_files

if TYPE_CHECKING:
    from lakehouse.tables.portable.protocol import PortableTable


def delete(table: PortableTable, predicate: str) -> DeleteResult:
    """Remove the rows of ``table`` where ``predicate`` is true."""
    from pyspark.sql import functions as F

    with table.lock.hold(table.uri):
        delta = table._require()
        schema = from_delta_schema(delta.schema())
        check_predicate(table.spark, schema, predicate, uri=table.uri)
        parts = list(delta.metadata().partition_columns)
        snap = snapshot_files(delta)
        hit = F.coalesce(F.expr(predicate), F.lit(False))
        existing = read_files(table.spark, table.files, schema, parts, snap)
        per_file = (existing.where(hit).groupBy(F.xxhash64(F.input_file_name()).alias(FILE))
                    .count().collect())
        if not per_file:
            return DeleteResult(delta.version(), False, operation="DELETE")
        deleted = sum(r["count"] for r in per_file)
        touched = [f for _, f in files_by_hash(table, existing, snap, {r[FILE] for r in per_file})]
        survivors = read_files(table.spark, table.files, schema, parts, touched).where(~hit)
        if parts:           # one file per partition value, as Delta's DELETE writes
            survivors = survivors.repartition(*[F.col(f"`{p}`") for p in parts])
        fault_point("table.before_data_files", table.uri)
        adds = write_data_files(survivors, table.files, partition_by=parts,
                                write_id=new_write_id())
        fault_point("table.after_data_files", table.uri)
        digest = hashlib.sha256(predicate.encode()).hexdigest()
        version = table.commit(schema, parts, adds, touched, None, "DELETE",
                               parameters={"predicate_sha256": digest},
                               metrics={"numDeletedRows": deleted})
        fault_point("table.after_commit", table.uri)
    return DeleteResult(version, True, files_added=len(adds), files_removed=len(touched),
                        operation="DELETE", rows_deleted=deleted)
