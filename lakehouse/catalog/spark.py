"""Make catalog tables queryable by name from a SparkSession (``spark.table("db.t")``).

:func:`register` creates one Spark database per catalog database and one external table
per catalog table in the session's catalog:

* Parquet / CSV tables: ``USING parquet|csv PARTITIONED BY (...) LOCATION ...`` with exactly
  the partitions registered in the catalog (``ALTER TABLE ... ADD PARTITION``), as Athena
  and Spark on Glue see them.
* Delta tables, without the Delta JARs: an external Parquet table over the files of the
  current snapshot only (file list from the Delta log via ``deltalake``, partition values
  from the Hive-style folders). It is a snapshot: call :func:`register` again after writes.

:func:`read_table` returns a DataFrame instead (Delta through
``lakehouse.tables.open_table(spark, uri).read()``, so time travel works with ``version=``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lakehouse.catalog.base import Catalog
from lakehouse.catalog.model import Table
from lakehouse.catalog.names import split_qualified
from lakehouse.errors import CatalogError
from lakehouse.storage.uri import with_spark_scheme

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)
MARKER = "lakehouse.registered"
_GLOB_SPECIAL = re.compile(r"([{}\[\]*?,\\])")


def register(spark: SparkSession, catalog: Catalog, *,
             databases: Iterable[str] | None = None) -> list[str]:
    """Register every table of ``databases`` (default: all) in ``spark``; return their names.

    Tables that cannot be registered are skipped with a warning (e.g. a Delta table whose
    files are not in Hive-style folders; read those with :func:`read_table`).
    """
    names = list(databases) if databases else [d.name for d in catalog.iter_databases()]
    done = []
    for database in names:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
        for table in catalog.iter_tables(database):
            try:
                register_table(spark, catalog, table)
                done.append(table.qualified_name)
            except CatalogError as exc:
                log.warning("not registered in Spark: %s", exc)
    return done


def register_table(spark: SparkSession, catalog: Catalog, table: Table) -> None:
    """(Re)create ``table`` in the session catalog from its catalog definition."""
    name = f"`{table.database}`.`{table.name}`"
    _drop_own(spark, table)
    columns = ", ".join(f"`{c.name}` {c.type}" for c in table.all_columns)
    props = f"TBLPROPERTIES ('{MARKER}'='true', 'lakehouse.version'='{table.version_id}')"
    root = _spark_path(table.location)
    if table.table_format == "delta":
        glob = _delta_snapshot_glob(table)
        if glob is None:        # no live files yet: an empty table with the right schema
            spark.sql(f"CREATE VIEW {name} AS SELECT {_null_row(table)} WHERE 1 = 0")
            return
        spark.sql(f"CREATE TABLE {name} ({columns}) USING parquet "
                  f"OPTIONS (path '{_sql(glob)}', basePath '{_sql(root)}') {props}")
        return
    fmt = table.table_format
    if fmt not in ("parquet", "csv", "json"):
        raise CatalogError(f"{table.qualified_name}: cannot register format {fmt!r} in Spark")
    options = "OPTIONS (header 'true') " if fmt == "csv" else ""
    parted = (f"PARTITIONED BY ({', '.join(f'`{k.name}`' for k in table.partition_keys)}) "
              if table.partition_keys else "")
    spark.sql(f"CREATE TABLE {name} ({columns}) USING {fmt} {options}{parted}"
              f"LOCATION '{_sql(root)}' {props}")
    if table.partition_keys:
        _add_partitions(spark, catalog, table, name)


def read_table(spark: SparkSession, catalog: Catalog, qualified_name: str, *,
               version: int | None = None) -> DataFrame:
    """A DataFrame of catalog table ``"db.table"`` (Delta: optionally at Delta ``version``)."""
    database, name = split_qualified(qualified_name)
    table = catalog.get_table(database, name)
    if table.table_format == "delta":
        from lakehouse.tables import open_table

        return open_table(spark, table.location).read(version=version)
    register_table(spark, catalog, table)
    return spark.table(f"`{database}`.`{name}`")


def _drop_own(spark: SparkSession, table: Table) -> None:
    from pyspark.sql.utils import AnalysisException

    name = f"`{table.database}`.`{table.name}`"
    try:
        existing = spark.sql(f"SHOW TBLPROPERTIES {name}").collect()
    except AnalysisException:
        return                                  # nothing there yet
    if not any(r["key"] == MARKER for r in existing):
        raise CatalogError(f"Spark already has a table {table.qualified_name} that lakehouse did "
                           "not register; leaving it alone")
    kind = "VIEW" if spark.catalog.getTable(f"{table.database}.{table.name}").tableType == \
        "VIEW" else "TABLE"
    spark.sql(f"DROP {kind} IF EXISTS {name}")


def _add_partitions(spark: SparkSession, catalog: Catalog, table: Table, name: str) -> None:
    specs = []
    for part in catalog.iter_partitions(table.database, table.name):
        values = ", ".join(f"`{k.name}` = '{_sql(v)}'"
                           for k, v in zip(table.partition_keys, part.values, strict=True))
        specs.append(f"PARTITION ({values}) LOCATION '{_sql(_spark_path(part.location))}'")
    for start in range(0, len(specs), 200):
        spark.sql(f"ALTER TABLE {name} ADD IF NOT EXISTS {' '.join(specs[start:start + 200])}")


def _delta_snapshot_glob(table: Table) -> str | None:
    """A Hadoop glob matching exactly the live files of the Delta table's current snapshot."""
    from deltalake import DeltaTable

    from lakehouse.tables.fs import delta_rs_uri, storage_options
    from lakehouse.tables.snapshot import snapshot_files

    try:
        delta = DeltaTable(delta_rs_uri(table.location),
                           storage_options=storage_options(table.location))
    except Exception as exc:  # deltalake raises several types for a missing/broken log
        raise CatalogError(f"{table.qualified_name}: cannot read the Delta log at "
                           f"{table.location}: {exc}") from exc
    files = snapshot_files(delta)
    if not files:
        return None
    keys = [k for k in table.parameters.get("lakehouse.partition_by", "").split(",") if k]
    for f in files:
        dirs = f.rel.split("/")[:-1]
        if keys and [d.split("=", 1)[0] for d in dirs[-len(keys):]] != keys:
            raise CatalogError(f"{table.qualified_name}: file {f.rel} is not in Hive-style "
                               "partition folders", hint="read it with lakehouse.catalog.spark."
                               "read_table(spark, catalog, name)")
    rels = ",".join(_GLOB_SPECIAL.sub(r"\\\1", f.rel) for f in files)
    return f"{_spark_path(table.location)}/{{{rels}}}"


def _null_row(table: Table) -> str:
    return ", ".join(f"CAST(NULL AS {c.type}) AS `{c.name}`" for c in table.all_columns)


def _spark_path(uri: str) -> str:
    return with_spark_scheme(uri.rstrip("/"))


def _sql(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")
