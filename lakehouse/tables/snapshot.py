"""Reading a Delta snapshot with Spark on the portable path.

The snapshot's file list comes from delta-rs; Spark reads the Parquet files directly.
Partition columns are not stored in data files (Delta protocol), so they are restored either
by Hive-style discovery with ``basePath`` (files whose directories carry Spark-escaped
``col=value`` names, as every Spark writer produces), or, for other layouts, per partition
with literals and a union.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lakehouse.tables.files import partition_values_of
from lakehouse.tables.fs import TableFiles, spark_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


@dataclass(frozen=True)
class SnapshotFile:
    """One live data file: raw relative path, typed partition values, size, rows."""

    rel: str
    partition: dict
    size: int
    num_records: int | None


def snapshot_files(delta_table) -> list[SnapshotFile]:
    """The live files of a loaded ``deltalake.DeltaTable``."""
    import pyarrow as pa

    table = pa.table(delta_table.get_add_actions(flatten=False))
    cols = table.column_names
    out = []
    for row in table.to_pylist():
        out.append(SnapshotFile(
            rel=unquote(row["path"]),
            partition=dict(row["partition"] or {}) if "partition" in cols else {},
            size=row.get("size_bytes") or 0,
            num_records=row.get("num_records"),
        ))
    return out


def read_files(spark: SparkSession, files: TableFiles, schema: StructType,
               partition_by: list[str], snapshot: list[SnapshotFile]) -> DataFrame:
    """A DataFrame over exactly ``snapshot``'s files, with the table's schema and column order."""
    if not snapshot:
        return spark.createDataFrame([], schema)
    paths = [spark_path(files.uri_of(f.rel)) for f in snapshot]
    if not partition_by:
        return spark.read.schema(schema).parquet(*paths)
    if all(_hive_layout(f, partition_by, schema) for f in snapshot):
        df = (spark.read.schema(schema).option("basePath", spark_path(files.uri))
              .parquet(*paths))
        return df.select(*[f"`{f.name}`" for f in schema.fields])
    return _union_by_partition(spark, files, schema, partition_by, snapshot)


def _hive_layout(f: SnapshotFile, partition_by: list[str], schema: StructType) -> bool:
    dirs = f.rel.split("/")[:-1]
    if len(dirs) < len(partition_by):
        return False
    tail = dirs[-len(partition_by):]
    if [d.split("=", 1)[0] for d in tail] != list(partition_by):
        return False
    parsed = partition_values_of("/".join([*tail, "x"]), partition_by)
    types = {fld.name: fld.dataType.typeName() for fld in schema.fields}
    for col in partition_by:
        value = f.partition.get(col)
        if types.get(col) == "string" and value not in (None, "") and parsed[col] != value:
            return False
        if value is None and parsed[col] is not None:
            return False
    return True


def _union_by_partition(spark, files, schema, partition_by, snapshot) -> DataFrame:
    from functools import reduce

    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    data_schema = StructType([f for f in schema.fields if f.name not in partition_by])
    groups: dict[tuple, list[str]] = {}
    for f in snapshot:
        key = tuple(f.partition.get(c) for c in partition_by)
        groups.setdefault(key, []).append(spark_path(files.uri_of(f.rel)))
    types = {f.name: f.dataType for f in schema.fields}
    frames = []
    for key, paths in groups.items():
        df = spark.read.schema(data_schema).parquet(*paths)
        for col, value in zip(partition_by, key, strict=True):
            df = df.withColumn(col, F.lit(value).cast(types[col]))
        frames.append(df.select(*[f"`{f.name}`" for f in schema.fields]))
    return reduce(lambda a, b: a.unionByName(b), frames)
