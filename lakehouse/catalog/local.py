"""The embedded catalog: one SQLite file in the lake (``<lake root>/_catalog/catalog.db``).

No server to start. SQLite in WAL mode with a busy timeout lets several processes read and
write at once; every write is one ``BEGIN IMMEDIATE`` transaction. Rows hold the same Glue
dict shapes the glue backend sends (:mod:`lakehouse.catalog.shapes`), as JSON.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

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
from lakehouse.errors import AlreadyExistsError, CatalogError, EntityNotFoundError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS databases (
    name TEXT PRIMARY KEY, body TEXT NOT NULL, create_time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tables (
    db TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    create_time TEXT NOT NULL, update_time TEXT, PRIMARY KEY (db, name));
CREATE TABLE IF NOT EXISTS table_versions (
    db TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    update_time TEXT NOT NULL, PRIMARY KEY (db, name, version));
CREATE TABLE IF NOT EXISTS partitions (
    db TEXT NOT NULL, tbl TEXT NOT NULL, vkey TEXT NOT NULL, body TEXT NOT NULL,
    create_time TEXT NOT NULL, PRIMARY KEY (db, tbl, vkey));
"""
BUSY_TIMEOUT_SECONDS = 60.0


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _vkey(values: Sequence[str]) -> str:
    return json.dumps(list(values))


class LocalCatalog(Catalog):
    """Glue semantics over SQLite. ``path`` is the database file (created on first use)."""

    backend = "local"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        from filelock import FileLock, Timeout

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Two processes opening a new catalog at once would both switch it to WAL, and
            # that switch fails with "database is locked" without waiting on the busy
            # handler: serialize the first-use check with a lock file beside the database.
            with FileLock(f"{self.path}.init.lock", timeout=BUSY_TIMEOUT_SECONDS), \
                    self._connect() as conn:
                ready = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND "
                                     "name='partitions'").fetchone()
                if not ready:        # first use: WAL is a property of the file, set it once
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error, Timeout) as exc:
            raise CatalogError(f"cannot open the local catalog at {self.path}: {exc}",
                               hint="check that the lake folder is writable") from exc

    def __repr__(self) -> str:
        return f"LocalCatalog({str(self.path)!r})"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            # WAL + NORMAL: durable against crashes of the process, one fsync per checkpoint.
            conn.execute("PRAGMA synchronous=NORMAL")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._connect() as conn:
            return conn.execute(sql, params).fetchall()

    # ------------------------------------------------------------------ databases
    def create_database(self, database: Database) -> None:
        body = shapes.to_json(shapes.database_input(database))
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM databases WHERE name=?", (database.name,)).fetchone():
                raise AlreadyExistsError(f"database {database.name} already exists")
            conn.execute("INSERT INTO databases VALUES (?,?,?)", (database.name, body, _now()))

    def get_database(self, name: str) -> Database:
        rows = self._query("SELECT body, create_time FROM databases WHERE name=?", (name,))
        if not rows:
            raise EntityNotFoundError(f"database {name} not found",
                                      hint="list databases with `lakehouse catalog ls`")
        return self._database(*rows[0])

    @staticmethod
    def _database(body: str, create_time: str) -> Database:
        return shapes.database_from_glue({**shapes.from_json(body), "CreateTime": create_time})

    def list_databases(self, *, max_results: int | None = None,
                       next_token: str | None = None) -> Page[Database]:
        size, after = page_size(max_results), _after(next_token, "")
        rows = self._query("SELECT name, body, create_time FROM databases WHERE name > ? "
                           "ORDER BY name LIMIT ?", (after, size + 1))
        items = [self._database(b, c) for _, b, c in rows[:size]]
        return Page(items, encode_token({"after": rows[size - 1][0]}) if len(rows) > size else None)

    def update_database(self, database: Database) -> None:
        body = shapes.to_json(shapes.database_input(database))
        with self._write() as conn:
            cur = conn.execute("UPDATE databases SET body=? WHERE name=?", (body, database.name))
            if not cur.rowcount:
                raise EntityNotFoundError(f"database {database.name} not found")

    def delete_database(self, name: str) -> None:
        with self._write() as conn:
            if not conn.execute("DELETE FROM databases WHERE name=?", (name,)).rowcount:
                raise EntityNotFoundError(f"database {name} not found")
            for table in ("tables", "table_versions"):
                conn.execute(f"DELETE FROM {table} WHERE db=?", (name,))  # noqa: S608
            conn.execute("DELETE FROM partitions WHERE db=?", (name,))

    # --------------------------------------------------------------------- tables
    def _require_db(self, conn: sqlite3.Connection, database: str) -> None:
        if not conn.execute("SELECT 1 FROM databases WHERE name=?", (database,)).fetchone():
            raise EntityNotFoundError(f"database {database} not found",
                                      hint="create it first (sync_table does this for you)")

    def create_table(self, table: Table) -> None:
        body, now = shapes.to_json(shapes.table_input(table)), _now()
        with self._write() as conn:
            self._require_db(conn, table.database)
            key = (table.database, table.name)
            if conn.execute("SELECT 1 FROM tables WHERE db=? AND name=?", key).fetchone():
                raise AlreadyExistsError(f"table {table.qualified_name} already exists")
            conn.execute("DELETE FROM table_versions WHERE db=? AND name=?", key)
            conn.execute("INSERT INTO tables VALUES (?,?,1,?,?,NULL)", (*key, body, now))
            conn.execute("INSERT INTO table_versions VALUES (?,?,1,?,?)", (*key, body, now))

    def get_table(self, database: str, name: str) -> Table:
        rows = self._query("SELECT version, body, create_time, update_time FROM tables "
                           "WHERE db=? AND name=?", (database, name))
        if not rows:
            self._missing_table(database, name)
        return self._table(database, *rows[0])

    def _missing_table(self, database: str, name: str) -> None:
        self.get_database(database)
        raise EntityNotFoundError(f"table {database}.{name} not found",
                                  hint=f"list tables with `lakehouse catalog ls {database}`")

    @staticmethod
    def _table(database: str, version: int, body: str, create: str, update: str | None) -> Table:
        shape = {**shapes.from_json(body), "CreateTime": create, "UpdateTime": update}
        return shapes.table_from_glue(shape, database, str(version))

    def list_tables(self, database: str, *, max_results: int | None = None,
                    next_token: str | None = None) -> Page[Table]:
        size, after = page_size(max_results), _after(next_token, "")
        self.get_database(database)
        rows = self._query("SELECT name, version, body, create_time, update_time FROM tables "
                           "WHERE db=? AND name > ? ORDER BY name LIMIT ?",
                           (database, after, size + 1))
        items = [self._table(database, *row[1:]) for row in rows[:size]]
        return Page(items, encode_token({"after": rows[size - 1][0]}) if len(rows) > size else None)

    def _update_table(self, table: Table, *, archive: bool) -> None:
        body, now, key = shapes.to_json(shapes.table_input(table)), _now(), (table.database,
                                                                             table.name)
        with self._write() as conn:
            row = conn.execute("SELECT version FROM tables WHERE db=? AND name=?", key).fetchone()
            if not row:
                raise EntityNotFoundError(f"table {table.qualified_name} not found")
            version = row[0]
            if archive:
                top = conn.execute("SELECT MAX(version) FROM table_versions WHERE db=? AND name=?",
                                   key).fetchone()[0]
                version = max(version, top or 0) + 1
            conn.execute("UPDATE tables SET version=?, body=?, update_time=? WHERE db=? AND name=?",
                         (version, body, now, *key))
            conn.execute("INSERT OR REPLACE INTO table_versions VALUES (?,?,?,?,?)",
                         (*key, version, body, now))

    def delete_table(self, database: str, name: str) -> None:
        key = (database, name)
        with self._write() as conn:
            if not conn.execute("DELETE FROM tables WHERE db=? AND name=?", key).rowcount:
                self._require_db(conn, database)
                raise EntityNotFoundError(f"table {database}.{name} not found")
            conn.execute("DELETE FROM table_versions WHERE db=? AND name=?", key)
            conn.execute("DELETE FROM partitions WHERE db=? AND tbl=?", key)

    def get_table_versions(self, database: str, name: str, *, max_results: int | None = None,
                           next_token: str | None = None) -> Page[TableVersion]:
        size, after = page_size(max_results), int(_after(next_token, 0))
        current = self.get_table(database, name)
        rows = self._query("SELECT version, body, update_time FROM table_versions WHERE db=? "
                           "AND name=? AND version > ? ORDER BY version LIMIT ?",
                           (database, name, after, size + 1))
        items = [TableVersion(str(v), self._table(database, v, b, _iso(current.create_time), u))
                 for v, b, u in rows[:size]]
        return Page(items, encode_token({"after": rows[size - 1][0]}) if len(rows) > size else None)

    def get_table_version(self, database: str, name: str, version_id: str) -> Table:
        current = self.get_table(database, name)
        rows = self._query("SELECT version, body, update_time FROM table_versions WHERE db=? "
                           "AND name=? AND version=?", (database, name, _version(version_id)))
        if not rows:
            raise EntityNotFoundError(f"table {database}.{name} has no version {version_id}",
                                      hint=f"see `lakehouse catalog history {database}.{name}`")
        version, body, update = rows[0]
        return self._table(database, version, body, _iso(current.create_time), update)

    # ----------------------------------------------------------------- partitions
    def _batch_create_partitions(self, database: str, table: str,
                                 partitions: Sequence[Partition]) -> list[PartitionError]:
        errors, now = [], _now()
        with self._write() as conn:
            self._require_table(conn, database, table)
            for part in partitions:
                row = (database, table, _vkey(part.values),
                       shapes.to_json(shapes.partition_input(part)), now)
                try:
                    conn.execute("INSERT INTO partitions VALUES (?,?,?,?,?)", row)
                except sqlite3.IntegrityError:
                    errors.append(PartitionError(tuple(part.values), "AlreadyExistsException",
                                                 "Partition already exists."))
        return errors

    def _require_table(self, conn: sqlite3.Connection, database: str, table: str) -> None:
        if not conn.execute("SELECT 1 FROM tables WHERE db=? AND name=?",
                            (database, table)).fetchone():
            self._require_db(conn, database)
            raise EntityNotFoundError(f"table {database}.{table} not found")

    def _batch_get_partitions(self, database: str, table: str,
                              values: Sequence[tuple[str, ...]]) -> list[Partition]:
        self.get_table(database, table)
        wanted = [_vkey(v) for v in values]
        out: list[Partition] = []
        with self._connect() as conn:
            for vkey in wanted:
                row = conn.execute("SELECT body, create_time FROM partitions WHERE db=? AND tbl=? "
                                   "AND vkey=?", (database, table, vkey)).fetchone()
                if row:
                    out.append(_partition(database, table, *row))
        return out

    def _batch_delete_partitions(self, database: str, table: str,
                                 values: Sequence[tuple[str, ...]]) -> list[PartitionError]:
        errors = []
        with self._write() as conn:
            self._require_table(conn, database, table)
            for vals in values:
                cur = conn.execute("DELETE FROM partitions WHERE db=? AND tbl=? AND vkey=?",
                                   (database, table, _vkey(vals)))
                if not cur.rowcount:
                    errors.append(PartitionError(tuple(vals), "EntityNotFoundException",
                                                 "Partition not found"))
        return errors

    def partition_locations(self, database: str, table: str) -> dict[tuple[str, ...], str]:
        self.get_table(database, table)
        rows = self._query("SELECT vkey, json_extract(body, '$.StorageDescriptor.Location') "
                           "FROM partitions WHERE db=? AND tbl=?", (database, table))
        return {tuple(json.loads(vkey)): location or "" for vkey, location in rows}

    def get_partitions(self, database: str, table: str, *, expression: str | None = None,
                       max_results: int | None = None,
                       next_token: str | None = None) -> Page[Partition]:
        size, after = page_size(max_results, MAX_PARTITION_PAGE), _after(next_token, "")
        keys = self.get_table(database, table).partition_keys
        types = {k.name: k.type for k in keys}
        expr = compile_filter(expression, types) if expression and expression.strip() else None
        items: list[Partition] = []
        last = after
        with self._connect() as conn:
            cursor = conn.execute("SELECT vkey, body, create_time FROM partitions WHERE db=? "
                                  "AND tbl=? AND vkey > ? ORDER BY vkey", (database, table, after))
            for vkey, body, create in cursor:
                part = _partition(database, table, body, create)
                if expr and not expr.evaluate(dict(zip(types, part.values, strict=True)), types):
                    continue
                if len(items) == size:
                    return Page(items, encode_token({"after": last}))
                items.append(part)
                last = vkey
        return Page(items, None)


def _partition(database: str, table: str, body: str, create: str) -> Partition:
    return shapes.partition_from_glue({**shapes.from_json(body), "CreationTime": create},
                                      database, table)


def _after(token: str | None, default: str | int) -> str | int:
    return decode_token(token).get("after", default) if token else default


def _version(version_id: str) -> int:
    try:
        return int(version_id)
    except ValueError:
        from lakehouse.errors import InvalidInputError

        raise InvalidInputError(f"version id must be a number like '1', got {version_id!r}") from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None

