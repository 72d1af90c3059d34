"""Write a split as files whose bytes depend only on the rows: same rows -> same files.

Choice: Spark writes (so an export is not limited by driver memory) ONE sorted partition per
split into a hidden staging folder, then each part file is moved to a fixed name
(``part-00000.parquet`` / ``part-00000.csv`` per Hive partition folder). What would vary
between runs is removed: the random part-file names (renamed), ``_SUCCESS`` and ``.crc``
files (left in staging), row order (``repartition(1)`` + a sort by partition columns, id
and every other column), and writer settings (compression fixed to snappy). Parquet footers
written by Spark carry only the Spark version and schema, no timestamps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from lakehouse.storage import files
from lakehouse.storage.uri import child_uri, is_local, join_uri, local_path, spark_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_SORTABLE_SKIP = ("array", "map", "struct", "binary")


def write_split(df: DataFrame, location: str, *, fmt: Literal["parquet", "csv"], sort_by: list[str],
                partition_by: list[str] | None = None, drop: list[str] | None = None) -> list[str]:
    """Write ``df`` under ``location`` deterministically; returns the files' relative paths.

    ``drop``: columns used only to order the rows (e.g. the id), not written.
    """
    parts = list(partition_by or [])
    tiebreak = [c for c, t in df.dtypes if c not in (*parts, *sort_by)
                and not t.startswith(_SORTABLE_SKIP)]
    ordered = df.repartition(1).sortWithinPartitions(*parts, *sort_by, *tiebreak)
    if drop:
        ordered = ordered.drop(*drop)  # a projection keeps the sorted order
    parent, leaf = location.rstrip("/").rsplit("/", 1)
    staging = join_uri(parent, "_staging", leaf)
    writer = ordered.write.mode("overwrite").partitionBy(*parts)
    if fmt == "csv":
        writer.option("header", "false").option("compression", "none") \
            .option("emptyValue", "").option("nullValue", "").csv(spark_path(staging))
    else:
        writer.option("compression", "snappy").parquet(spark_path(staging))
    written = []
    for info in files.list_files(staging):
        rel = files.relative_to(info.uri, staging)
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        target = "/".join(p for p in (folder, f"part-00000.{fmt}") if p)
        _move(info.uri, child_uri(location, target))  # keeps Spark's %XX folder escapes
        written.append(target)
    files.delete_tree(staging)
    return sorted(written)


def _move(src: str, dst: str) -> None:
    if is_local(src) and is_local(dst):
        target = local_path(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        local_path(src).replace(target)
        return
    files.write_bytes(dst, files.read_bytes(src))
