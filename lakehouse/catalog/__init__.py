"""A catalog with the AWS Glue Data Catalog's data model and semantics (Spark-free).

Backends: :class:`LocalCatalog` (SQLite in the lake) and :class:`GlueCatalog` (boto3).
Use :func:`catalog_for` to get the one a project configures; stages call
:mod:`lakehouse.catalog.sync`; :mod:`lakehouse.catalog.spark` makes tables queryable by name.
"""

from lakehouse.catalog.base import Catalog
from lakehouse.catalog.factory import catalog_for
from lakehouse.catalog.model import (
    Column,
    Database,
    Page,
    Partition,
    PartitionError,
    SerDeInfo,
    StorageDescriptor,
    Table,
    TableVersion,
)

__all__ = [
    "Catalog",
    "Column",
    "Database",
    "Page",
    "Partition",
    "PartitionError",
    "SerDeInfo",
    "StorageDescriptor",
    "Table",
    "TableVersion",
    "catalog_for",
]
