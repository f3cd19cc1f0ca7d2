"""The `source_state` table: each source's persisted keys (schema version 2).

One row per (source, key); `put` writes all its changes in one `BEGIN IMMEDIATE` transaction,
so a source's cursor and the totals it counted up to that cursor are saved together or not at
all. `handle(source)` gives one source its own view (`noc_board.sources.source_state.SourceState`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from noc_board.store.db import Database


class SourceStateTable:
    """Reads and writes the `source_state` table."""

    def __init__(self, db: Database, now: Callable[[], float] = time.time) -> None:
        self._db = db
        self._now = now

    def items(self, source: str) -> dict[str, str]:
        rows = self._db.query("SELECT key, value FROM source_state WHERE source = ?", (source,))
        return {str(key): str(value) for key, value in rows}

    def put(self, source: str, changes: Mapping[str, str | None]) -> None:
        if not changes:
            return
        now = self._now()
        with self._db.transaction() as conn:
            for key, value in changes.items():
                if value is None:
                    conn.execute(
                        "DELETE FROM source_state WHERE source = ? AND key = ?", (source, key)
                    )
                else:
                    conn.execute(
                        "INSERT INTO source_state (source, key, value, updated) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (source, key) DO UPDATE SET "
                        "value = excluded.value, updated = excluded.updated",
                        (source, key, value, now),
                    )

    def clear(self, source: str) -> None:
        """Forget everything `source` saved."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM source_state WHERE source = ?", (source,))

    def handle(self, source: str) -> SourceStateHandle:
        return SourceStateHandle(self, source)


class SourceStateHandle:
    """One source's keys (satisfies `noc_board.sources.source_state.SourceState`)."""

    def __init__(self, table: SourceStateTable, source: str) -> None:
        self._table = table
        self.source = source

    def items(self) -> dict[str, str]:
        return self._table.items(self.source)

    def put(self, changes: Mapping[str, str | None]) -> None:
        self._table.put(self.source, changes)
