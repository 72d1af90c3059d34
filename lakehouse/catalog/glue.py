"""The AWS Glue Data Catalog backend (boto3), tested against a moto server over HTTP.

Glue's errors become the framework's (``EntityNotFoundException`` -> EntityNotFoundError...).
Paging: NextToken and MaxResults go to Glue unchanged; the token handed back wraps Glue's
token with an offset, so a server that ignores MaxResults (moto does) still pages correctly.
With real Glue the offset is always 0 and the extra work is nil.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lakehouse.catalog import shapes
from lakehouse.catalog.base import (
    MAX_PARTITION_PAGE,
    Catalog,
    decode_token,
    encode_token,
    page_size,
)
from lakehouse.catalog.expression import compile_filter
from lakehouse.catalog.model import Database, Page, Partition, PartitionError, Table, TableVersion
from lakehouse.errors import (
    AlreadyExistsError,
    CatalogError,
    EntityNotFoundError,
    InvalidInputError,
)

_ERRORS: dict[str, type[CatalogError]] = {
    "EntityNotFoundException": EntityNotFoundError,
    "AlreadyExistsException": AlreadyExistsError,
    "InvalidInputException": InvalidInputError,
    "VersionNotFoundException": EntityNotFoundError,
}
_UNPROCESSED_RETRIES = 5
log = logging.getLogger(__name__)


class GlueCatalog(Catalog):
    """Glue semantics over boto3's ``glue`` client.

    Args:
        region: AWS region (default: boto3's configured region).
        endpoint_url: e.g. a moto server ``http://127.0.0.1:5000`` in tests.
        catalog_id: the account id of the catalog (default: the caller's account).
        client: a ready boto3 Glue client (overrides the other arguments).
    """

    backend = "glue"

    def __init__(self, *, region: str | None = None, endpoint_url: str | None = None,
                 catalog_id: str | None = None, client: Any = None):
        if client is None:
            from lakehouse.storage.aws import client as aws_client

            client = aws_client("glue", region=region, endpoint_url=endpoint_url)
        self.client = client
        self.catalog_id = catalog_id
        self.endpoint_url = endpoint_url

    def __repr__(self) -> str:
        return f"GlueCatalog(endpoint_url={self.endpoint_url!r}, catalog_id={self.catalog_id!r})"

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        if self.catalog_id:
            params["CatalogId"] = self.catalog_id
        with _glue_errors(operation):
            return getattr(self.client, operation)(**params)

    def _paged(self, operation: str, key: str, max_results: int | None, next_token: str | None,
               **params: Any) -> tuple[list[dict[str, Any]], str | None]:
        size = page_size(max_results, MAX_PARTITION_PAGE if key == "Partitions" else 100)
        state = decode_token(next_token) if next_token else {"t": None, "o": 0}
        if state.get("t"):
            params["NextToken"] = state["t"]
        response = self._call(operation, MaxResults=size, **params)
        remaining = response.get(key, [])[int(state.get("o", 0)):]
        if len(remaining) > size:        # the server ignored MaxResults
            return remaining[:size], encode_token({"t": state.get("t"),
                                                   "o": int(state.get("o", 0)) + size})
        server_next = response.get("NextToken")
        return remaining, encode_token({"t": server_next, "o": 0}) if server_next else None

    # ------------------------------------------------------------------ databases
    def create_database(self, database: Database) -> None:
        self._call("create_database", DatabaseInput=shapes.database_input(database))

    def get_database(self, name: str) -> Database:
        return shapes.database_from_glue(self._call("get_database", Name=name)["Database"])

    def list_databases(self, *, max_results: int | None = None,
                       next_token: str | None = None) -> Page[Database]:
        items, token = self._paged("get_databases", "DatabaseList", max_results, next_token)
        return Page([shapes.database_from_glue(d) for d in items], token)

    def update_database(self, database: Database) -> None:
        self._call("update_database", Name=database.name,
                   DatabaseInput=shapes.database_input(database))

    def delete_database(self, name: str) -> None:
        self._call("delete_database", Name=name)

    # --------------------------------------------------------------------- tables
    def create_table(self, table: Table) -> None:
        self._call("create_table", DatabaseName=table.database,
                   TableInput=shapes.table_input(table))

    def get_table(self, database: str, name: str) -> Table:
        shape = self._call("get_table", DatabaseName=database, Name=name)["Table"]
        return shapes.table_from_glue(shape, database)

    def list_tables(self, database: str, *, max_results: int | None = None,
                    next_token: str | None = None) -> Page[Table]:
        items, token = self._paged("get_tables", "TableList", max_results, next_token,
                                   DatabaseName=database)
        return Page([shapes.table_from_glue(t, database) for t in items], token)

    def _update_table(self, table: Table, *, archive: bool) -> None:
        self._call("update_table", DatabaseName=table.database,
                   TableInput=shapes.table_input(table), SkipArchive=not archive)

    def delete_table(self, database: str, name: str) -> None:
        self._call("delete_table", DatabaseName=database, Name=name)

    def get_table_versions(self, database: str, name: str, *, max_results: int | None = None,
                           next_token: str | None = None) -> Page[TableVersion]:
        items, token = self._paged("get_table_versions", "TableVersions", max_results, next_token,
                                   DatabaseName=database, TableName=name)
        versions = [TableVersion(v["VersionId"],
                                 shapes.table_from_glue(v["Table"], database, v["VersionId"]))
                    for v in items]
        return Page(sorted(versions, key=lambda v: int(v.version_id)), token)

    def get_table_version(self, database: str, name: str, version_id: str) -> Table:
        response = self._call("get_table_version", DatabaseName=database, TableName=name,
                              VersionId=version_id)
        return shapes.table_from_glue(response["TableVersion"]["Table"], database, version_id)

    # ----------------------------------------------------------------- partitions
    def _batch_create_partitions(self, database: str, table: str,
                                 partitions: Sequence[Partition]) -> list[PartitionError]:
        response = self._call("batch_create_partition", DatabaseName=database, TableName=table,
                              PartitionInputList=[shapes.partition_input(p) for p in partitions])
        return _partition_errors(response)

    def _batch_get_partitions(self, database: str, table: str,
                              values: Sequence[tuple[str, ...]]) -> list[Partition]:
        out: list[Partition] = []
        pending = [{"Values": list(v)} for v in values]
        for _ in range(_UNPROCESSED_RETRIES):
            if not pending:
                break
            response = self._call("batch_get_partition", DatabaseName=database, TableName=table,
                                  PartitionsToGet=pending)
            out.extend(shapes.partition_from_glue(p, database, table)
                       for p in response.get("Partitions", []))
            pending = response.get("UnprocessedKeys") or []
        if pending:
            raise CatalogError(f"Glue left {len(pending)} partition key(s) of {database}.{table} "
                               "unprocessed after retries", hint="retry the call")
        order = {tuple(v): i for i, v in enumerate(values)}
        return sorted(out, key=lambda p: order.get(p.values, len(order)))

    def _batch_delete_partitions(self, database: str, table: str,
                                 values: Sequence[tuple[str, ...]]) -> list[PartitionError]:
        response = self._call("batch_delete_partition", DatabaseName=database, TableName=table,
                              PartitionsToDelete=[{"Values": list(v)} for v in values])
        return _partition_errors(response)

    def partition_locations(self, database: str, table: str) -> dict[tuple[str, ...], str]:
        out: dict[tuple[str, ...], str] = {}
        token = None
        while True:
            items, token = self._paged("get_partitions", "Partitions", 1000, token,
                                       DatabaseName=database, TableName=table,
                                       ExcludeColumnSchema=True)
            out.update({tuple(p.get("Values") or ()): (p.get("StorageDescriptor") or {})
                        .get("Location", "") for p in items})
            if not token:
                return out

    def get_partitions(self, database: str, table: str, *, expression: str | None = None,
                       max_results: int | None = None,
                       next_token: str | None = None) -> Page[Partition]:
        params: dict[str, Any] = {"DatabaseName": database, "TableName": table}
        if not (expression and expression.strip()):
            items, token = self._paged("get_partitions", "Partitions", max_results, next_token,
                                       **params)
            return Page([shapes.partition_from_glue(p, database, table) for p in items], token)
        # Validate locally first so both backends reject the same expressions the same way.
        keys = self.get_table(database, table).partition_keys
        types = {k.name: k.type for k in keys}
        expr = compile_filter(expression, types)
        state = decode_token(next_token) if next_token else {}
        if not state.get("client"):
            try:
                items, token = self._paged("get_partitions", "Partitions", max_results,
                                           next_token, Expression=expression, **params)
                return Page([shapes.partition_from_glue(p, database, table) for p in items],
                            token)
            except InvalidInputError as exc:
                # The expression passed our Glue grammar, so the server lacks part of it
                # (moto has no standalone NOT): evaluate it here instead.
                log.info("Glue endpoint rejected %r (%s); filtering client-side",
                         expression, exc.message)
        size = page_size(max_results, MAX_PARTITION_PAGE)
        offset = int(state.get("o", 0))
        matches = [p for p in self._all_partitions(database, table)
                   if expr.evaluate(dict(zip(types, p.values, strict=True)), types)]
        page = matches[offset:offset + size]
        more = offset + size < len(matches)
        return Page(page, encode_token({"client": True, "o": offset + size}) if more else None)

    def _all_partitions(self, database: str, table: str) -> list[Partition]:
        out, token = [], None
        while True:
            items, token = self._paged("get_partitions", "Partitions", MAX_PARTITION_PAGE, token,
                                       DatabaseName=database, TableName=table)
            out += [shapes.partition_from_glue(p, database, table) for p in items]
            if not token:
                return out


def _partition_errors(response: dict[str, Any]) -> list[PartitionError]:
    return [PartitionError(tuple(e.get("PartitionValues", [])),
                           e.get("ErrorDetail", {}).get("ErrorCode", ""),
                           e.get("ErrorDetail", {}).get("ErrorMessage", ""))
            for e in response.get("Errors", [])]


@contextmanager
def _glue_errors(operation: str) -> Iterator[None]:
    """Translate botocore errors into the framework's catalog errors."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", str(exc))
        cls = _ERRORS.get(code, CatalogError)
        raise cls(f"Glue {operation} failed: {message}", code=code) from exc
    except NoCredentialsError as exc:
        raise CatalogError(f"Glue {operation}: no AWS credentials found",
                           hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID, or use catalog.backend: "
                                "local") from exc
    except BotoCoreError as exc:
        raise CatalogError(f"Glue {operation} failed: {exc}",
                           hint="check catalog.region / catalog.endpoint_url in conf/lake.yaml"
                           ) from exc

