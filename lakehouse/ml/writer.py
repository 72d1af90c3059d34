"""Write a split as files whose bytes depend only on the rows: same rows -> same files.

Parquet: Spark's own writer (parquet-mr) is not byte-stable across JVMs - it lists a column
chunk's encodings from a hash set, whose order changes from one process to the next - so the
Parquet files are written by **pyarrow inside the Spark tasks** (``mapInArrow``): the export
stays distributed (no collect to the driver) and the bytes depend only on the rows and the
fixed writer settings below. Rows are hash-partitioned by the Hive partition columns (all
rows of one partition value in one task; one task when unpartitioned) and sorted by
partition columns, id and every other column; each partition value becomes one
``part-00000.parquet``.

CSV (SageMaker): Spark's CSV writer is plain text and stable; it writes one sorted partition
into a hidden ``_staging`` folder and the part file is moved to ``part-00000.csv``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lakehouse.storage import files
from lakehouse.storage.arrowfs import arrow_filesystem, s3_endpoint, s3_region
from lakehouse.storage.uri import child_uri, is_local, join_uri, local_path, spark_path

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

_SORTABLE_SKIP = ("array", "map", "struct", "binary")
ROW_GROUP_ROWS = 131_072
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
PARQUET_OPTIONS = {"compression": "snappy", "version": "2.6", "use_dictionary": True,
                   "write_statistics": True, "data_page_size": 1 << 20}


def _order(df: DataFrame, sort_by: list[str], parts: list[str]) -> list[str]:
    tiebreak = [c for c, t in df.dtypes if c not in (*parts, *sort_by)
                and not t.startswith(_SORTABLE_SKIP)]
    return [*parts, *sort_by, *tiebreak]


def write_parquet(df: DataFrame, location: str, *, sort_by: list[str],
                  partition_by: list[str] | None = None) -> list[str]:
    """Write ``df`` as Parquet under ``location``; returns the files' relative paths."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    parts = list(partition_by or [])
    spread = df.repartition(max(1, df.sparkSession.sparkContext.defaultParallelism), *parts) \
        if parts else df.repartition(1)
    ordered = spread.sortWithinPartitions(*_order(df, sort_by, parts))
    out = StructType([StructField("path", StringType()), StructField("rows", LongType())])
    root = location.rstrip("/")
    where = {"endpoint": s3_endpoint(), "region": s3_region()}  # the driver's, for the tasks
    rows = ordered.mapInArrow(lambda batches: _write_task(batches, root, parts, where),
                              out).collect()
    return sorted(r["path"] for r in rows)


def _write_task(batches: Iterator[pa.RecordBatch], root: str, parts: list[str],
                where: dict[str, str | None]) -> Iterator[pa.RecordBatch]:
    """Runs in a Spark task: one Parquet file per partition value, batches in order."""
    import pyarrow as pa

    current: tuple | None = None
    pending: list[pa.RecordBatch] = []
    sink = None
    written: list[tuple[str, int]] = []
    for batch in batches:
        for key, piece in _by_partition(batch, parts):
            if key != current:
                if sink is not None:
                    written.append(sink.close(pending))
                current, pending, sink = key, [], _Sink(root, parts, key, piece.schema, where)
            pending.append(piece)
            if sum(b.num_rows for b in pending) >= ROW_GROUP_ROWS:
                sink.flush(pending)
                pending = []
    if sink is not None:
        written.append(sink.close(pending))
    if written:
        yield pa.RecordBatch.from_pydict({"path": [w[0] for w in written],
                                          "rows": [w[1] for w in written]})


def _by_partition(batch: pa.RecordBatch, parts: list[str]):
    """Consecutive runs of equal partition values in a (sorted) batch, without those columns."""
    if not parts:
        yield (), batch
        return
    keys = list(zip(*[batch.column(p).to_pylist() for p in parts], strict=True))
    data = batch.drop_columns(parts)
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            yield keys[start], data.slice(start, i - start)
            start = i


class _Sink:
    """One Parquet file, written through pyarrow's filesystem layer (local or S3)."""

    def __init__(self, root: str, parts: list[str], key: tuple, schema: pa.Schema,
                 where: dict[str, str | None]) -> None:
        from urllib.parse import quote

        import pyarrow.parquet as pq

        folders = [f"{p}={HIVE_NULL if v is None else quote(str(v), safe='')}"
                   for p, v in zip(parts, key, strict=True)]
        self.rel = "/".join([*folders, "part-00000.parquet"])
        fs, path = arrow_filesystem(child_uri(root, self.rel), **where)
        fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        self.stream = fs.open_output_stream(path)
        self.writer = pq.ParquetWriter(self.stream, schema, **PARQUET_OPTIONS)
        self.rows = 0

    def flush(self, batches: list[pa.RecordBatch]) -> None:
        import pyarrow as pa

        if batches:
            table = pa.Table.from_batches(batches)
            self.writer.write_table(table, row_group_size=table.num_rows)
            self.rows += table.num_rows

    def close(self, batches: list[pa.RecordBatch]) -> tuple[str, int]:
        self.flush(batches)
        self.writer.close()
        self.stream.close()
        return self.rel, self.rows


def write_csv(df: DataFrame, location: str, *, sort_by: list[str],
              drop: list[str] | None = None) -> list[str]:
    """Write ``df`` as headerless CSV (one file) under ``location``; ``drop``: columns used
    only to order the rows (e.g. the id), not written. Returns the relative paths."""
    ordered = df.repartition(1).sortWithinPartitions(*_order(df, sort_by, []))
    if drop:
        ordered = ordered.drop(*drop)  # a projection keeps the sorted order
    parent, leaf = location.rstrip("/").rsplit("/", 1)
    staging = join_uri(parent, "_staging", leaf)
    ordered.write.mode("overwrite").option("header", "false").option("compression", "none") \
        .option("emptyValue", "").option("nullValue", "").csv(spark_path(staging))
    written = []
    for info in files.list_files(staging):
        _move(info.uri, child_uri(location, "part-00000.csv"))
        written.append("part-00000.csv")
    files.delete_tree(staging)
    return written


def _move(src: str, dst: str) -> None:
    if is_local(src) and is_local(dst):
        target = local_path(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        local_path(src).replace(target)
        return
    files.write_bytes(dst, files.read_bytes(src))
