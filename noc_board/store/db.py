"""Opening the SQLite file: WAL, durable commits, the schema version and its migrations.

The schema version is SQLite's `PRAGMA user_version`. `MIGRATIONS[i]` moves a database from
version `i` to `i + 1`; at open, every migration the file has not seen yet runs, in order, inside
one `BEGIN IMMEDIATE` transaction together with the new `user_version`, so a crash or a failing
migration leaves the file at its old version. A file written by a newer NOC Board is refused.

Durability: `journal_mode=WAL` and `synchronous=FULL`, so once a write transaction has committed
(for the journal: once `Journal.append` returned) it survives SIGKILL and power loss.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Migration = Callable[[sqlite3.Connection], None]


class StoreError(Exception):
    """The store cannot be opened or used (not a database, unsupported file system, ...)."""


class SchemaTooNewError(StoreError):
    """The file was written by a newer NOC Board whose schema this version does not know."""


def run_ddl(conn: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated DDL inside the current transaction.

    `Connection.executescript` would COMMIT the open transaction first, which would break the
    all-or-nothing migration; hence one `execute` per statement. No `;` inside literals.
    """
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


_ROLLUP_TABLE = """
CREATE TABLE {name} (
    metric_id  INTEGER NOT NULL REFERENCES metric (id),
    start      INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    sum        REAL    NOT NULL,
    min        REAL    NOT NULL,
    max        REAL    NOT NULL,
    last_ts    REAL    NOT NULL,
    last_value REAL    NOT NULL,
    PRIMARY KEY (metric_id, start)
) WITHOUT ROWID
"""


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    """The first schema: the journal, metric names, and the minute and hour rollups."""
    run_ddl(
        conn,
        """
        CREATE TABLE journal (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            ts      REAL    NOT NULL,
            kind    TEXT    NOT NULL,
            subject TEXT    NOT NULL,
            actor   TEXT,
            message TEXT    NOT NULL,
            data    TEXT    NOT NULL DEFAULT '{}'
        );
        CREATE INDEX journal_ts ON journal (ts);
        CREATE INDEX journal_kind_ts ON journal (kind, ts);
        CREATE INDEX journal_subject_ts ON journal (subject, ts);
        CREATE TABLE metric (
            id   INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT    NOT NULL UNIQUE
        );
        """
        + _ROLLUP_TABLE.format(name="rollup_minute")
        + ";"
        + _ROLLUP_TABLE.format(name="rollup_hour"),
    )


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Key/value state a source keeps across restarts (Stripe's cursors and day totals)."""
    run_ddl(
        conn,
        """
        CREATE TABLE source_state (
            source  TEXT NOT NULL,
            key     TEXT NOT NULL,
            value   TEXT NOT NULL,
            updated REAL NOT NULL,
            PRIMARY KEY (source, key)
        ) WITHOUT ROWID
        """,
    )


#: `MIGRATIONS[i]` takes a database from schema version i to i + 1. Append only; never edit one
#: that has shipped.
MIGRATIONS: tuple[Migration, ...] = (_migrate_0_to_1, _migrate_1_to_2)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's schema version (`PRAGMA user_version`); 0 for a new, empty file."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


class Database:
    """One open SQLite connection, shared by the journal and the rollups.

    The connection is in autocommit mode (`isolation_level=None`); writers group their
    statements with `transaction()`. A re-entrant lock serialises use across threads, so the
    store may be called from the asyncio thread and from a worker thread (reports) alike.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.lock = threading.RLock()
        self._closed = False

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE` ... `COMMIT` (or `ROLLBACK` on an exception), under the lock."""
        with self.lock:
            self._check_open()
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of one read statement, under the lock."""
        with self.lock:
            self._check_open()
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection (idempotent); SQLite checkpoints the WAL on the last close."""
        with self.lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.conn.execute("PRAGMA optimize")
            finally:
                self.conn.close()

    @property
    def closed(self) -> bool:
        """True once `close()` ran."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store {self.path} is closed")


def open_database(
    path: Path,
    *,
    busy_timeout_s: float = 5.0,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> Database:
    """Open (creating it and its parent folders if needed) and migrate the database at `path`.

    Raises `SchemaTooNewError` for a file from a newer version, `StoreError` for a file that is
    not an SQLite database or cannot use WAL. `migrations` is injectable for tests.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
    )
    try:
        _configure(conn, path, busy_timeout_s)
        _migrate(conn, path, migrations)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: cannot open the store: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return Database(path, conn)


def _configure(conn: sqlite3.Connection, path: Path, busy_timeout_s: float) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(
            f"{path}: SQLite cannot use WAL here (journal_mode is {mode!r}); "
            "put the store on a local file system"
        )
    # FULL: in WAL mode every commit fsyncs the WAL, so a returned append survives power loss.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def _migrate(conn: sqlite3.Connection, path: Path, migrations: Sequence[Migration]) -> None:
    known = len(migrations)
    if schema_version(conn) == known:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        current = schema_version(conn)
        if current > known:
            raise SchemaTooNewError(
                f"{path}: the store has schema version {current}, but this NOC Board knows "
                f"versions up to {known}; it was written by a newer NOC Board. Run that "
                "version, or point the board at another store file."
            )
        for migration in migrations[current:]:
            migration(conn)
        conn.execute(f"PRAGMA user_version = {known}")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
