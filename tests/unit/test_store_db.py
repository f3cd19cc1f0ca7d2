"""Opening the store: pragmas, schema version, migrations, refusing files it cannot use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from noc_board.core.samples import Sample
from noc_board.store import (
    SCHEMA_VERSION,
    JournalEntry,
    SchemaTooNewError,
    StoreError,
    open_store,
)
from noc_board.store.db import MIGRATIONS, open_database, run_ddl, schema_version

TABLES = {"journal", "metric", "rollup_minute", "rollup_hour", "source_state"}


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows} - {"sqlite_sequence"}


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_new_file_in_missing_folders_is_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "noc.db"
    with open_store(path, busy_timeout_s=2.5) as store:
        assert store.path == path
        assert schema_version(store.db.conn) == SCHEMA_VERSION == len(MIGRATIONS) == 2
        assert store.db.query("PRAGMA journal_mode") == [("wal",)]
        assert store.db.query("PRAGMA synchronous") == [(2,)]  # FULL
        assert store.db.query("PRAGMA busy_timeout") == [(2500,)]
        assert store.db.query("PRAGMA foreign_keys") == [(1,)]
    assert _tables(path) == TABLES


def test_empty_v0_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    path.touch()  # a 0-byte file is an empty SQLite database at user_version 0
    with open_store(path):
        pass
    assert _user_version(path) == SCHEMA_VERSION
    assert _tables(path) == TABLES


def test_migrated_file_keeps_its_data_and_is_not_migrated_again(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    calls: list[str] = []

    def first(conn: sqlite3.Connection) -> None:
        calls.append("first")
        run_ddl(conn, "CREATE TABLE t (x INTEGER)")

    def second(conn: sqlite3.Connection) -> None:
        calls.append("second")
        run_ddl(conn, "ALTER TABLE t ADD COLUMN y TEXT; INSERT INTO t VALUES (1, 'one')")

    open_database(path, migrations=[first]).close()
    assert calls == ["first"]
    open_database(path, migrations=[first]).close()
    assert calls == ["first"]  # already at version 1
    db = open_database(path, migrations=[first, second])
    try:
        assert calls == ["first", "second"]  # only the step it had not seen, in order
        assert db.query("SELECT x, y FROM t") == [(1, "one")]
        assert schema_version(db.conn) == 2
    finally:
        db.close()


def test_failing_migration_leaves_the_file_at_its_old_version(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"

    def half_done(conn: sqlite3.Connection) -> None:
        run_ddl(conn, "CREATE TABLE half (x INTEGER)")
        raise RuntimeError("migration bug")

    with pytest.raises(RuntimeError, match="migration bug"):
        open_database(path, migrations=[*MIGRATIONS, half_done])
    assert _user_version(path) == 0  # all steps in one transaction: none of them stayed
    assert _tables(path) == set()

    open_store(path).close()
    with pytest.raises(RuntimeError, match="migration bug"):
        open_database(path, migrations=[*MIGRATIONS, half_done])
    assert _user_version(path) == SCHEMA_VERSION
    assert _tables(path) == TABLES
    with open_store(path) as store:  # still usable by this version
        assert store.journal.entries() == []


def test_reopening_keeps_journal_and_rollups(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    with open_store(path) as store:
        entry_id = store.journal.append(JournalEntry(10.0, "note", "shift", "ann", "hello"))
        store.rollups.add([Sample("m", 10.0, 2.0)])
    with open_store(path) as store:
        assert [e.id for e in store.journal.entries()] == [entry_id]
        assert [r.sum for r in store.rollups.minutes("m", 0, 60)] == [2.0]


def test_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError) as caught:
        open_store(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert f"up to {SCHEMA_VERSION}" in message
    assert "newer NOC Board" in message
    assert _user_version(path) == SCHEMA_VERSION + 1  # untouched
    assert _tables(path) == set()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    path.write_bytes(b"this is not an SQLite file, just some text " * 100)
    with pytest.raises(StoreError, match=r"noc\.db: cannot open the store"):
        open_store(path)


def test_closed_store_refuses_calls_and_close_is_idempotent(tmp_path: Path) -> None:
    store = open_store(tmp_path / "noc.db")
    store.close()
    store.close()
    assert store.db.closed
    with pytest.raises(StoreError, match="closed"):
        store.journal.entries()
    with pytest.raises(StoreError, match="closed"):
        store.rollups.metrics()


def test_a_failed_transaction_is_rolled_back(tmp_path: Path) -> None:
    with open_store(tmp_path / "noc.db") as store:
        with pytest.raises(ZeroDivisionError), store.db.transaction() as conn:
            conn.execute("INSERT INTO metric (name) VALUES ('x')")
            _ = 1 / 0
        assert store.rollups.metrics() == []
        assert not store.db.conn.in_transaction
