"""The journal: an append-only log of what happened on the board and who did it.

Alarm transitions, acknowledgements, escalations, shift notes, incidents and source health
changes each become one `JournalEntry`. `Journal.append` commits (fsynced) before it returns, so
an acknowledgement the operator saw accepted survives a crash. Each append is one small
transaction, short enough to call from the asyncio thread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from noc_board.store.db import Database, StoreError, open_database

# The kinds the board writes. Not enforced: the journal stores any non-empty kind.
SOURCE_HEALTH = "source_health"
ALARM = "alarm"
ACK = "ack"
NOTE = "note"
INCIDENT = "incident"
ESCALATION = "escalation"
NOTIFICATION = "notification"  # a notification sent, failed (with the error) or given up on
KINDS: tuple[str, ...] = (SOURCE_HEALTH, ALARM, ACK, NOTE, INCIDENT, ESCALATION, NOTIFICATION)


@dataclass(frozen=True)
class JournalEntry:
    """One thing that happened.

    `ts` is unix seconds (UTC); `kind` says what (see `KINDS`); `subject` what it happened to (a
    source name, an alarm key); `actor` who did it (an operator, "system", or None); `data` the
    details as JSON-serialisable values (value, severity, state from/to, comment, until, ...).
    `id` is None until the entry has been appended; entries read back carry their id.
    """

    ts: float
    kind: str
    subject: str
    actor: str | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


_COLUMNS = "id, ts, kind, subject, actor, message, data"


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    id_, ts, kind, subject, actor, message, data = row
    return JournalEntry(
        ts=float(ts),
        kind=str(kind),
        subject=str(subject),
        actor=None if actor is None else str(actor),
        message=str(message),
        data=json.loads(data),
        id=int(id_),
    )


class Journal:
    """Appends entries to, and queries, the `journal` table of one `Database`.

    Usually reached as `Store.journal` (sharing the store's connection); `Journal.open(path)`
    gives a journal with its own connection, which its `close()` closes.
    """

    def __init__(self, db: Database, *, owns_db: bool = False) -> None:
        self._db = db
        self._owns_db = owns_db

    @classmethod
    def open(cls, path: Path) -> Journal:
        """A journal on its own connection to the store at `path` (created and migrated)."""
        return cls(open_database(path), owns_db=True)

    @property
    def path(self) -> Path:
        """The database file (a report exported off the GUI thread opens its own connection)."""
        return self._db.path

    def close(self) -> None:
        """Close the connection if this journal opened it; a shared one is the Store's to close."""
        if self._owns_db:
            self._db.close()

    def append(self, entry: JournalEntry) -> int:
        """Write `entry` and return its id; the row is committed and synced when this returns.

        Raises TypeError/ValueError (before writing) when `data` is not JSON-serialisable or
        `kind` is empty. The entry's own `id` is ignored.
        """
        if not entry.kind:
            raise ValueError("a journal entry needs a kind")
        data = json.dumps(entry.data, separators=(",", ":"))
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO journal (ts, kind, subject, actor, message, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (entry.ts, entry.kind, entry.subject, entry.actor, entry.message, data),
            )
            row_id = cursor.lastrowid
        if row_id is None:  # cannot happen after an INSERT into a rowid table
            raise StoreError("SQLite returned no id for the new journal entry")
        return row_id

    def entries(
        self,
        since: float | None = None,
        until: float | None = None,
        kinds: Sequence[str] | None = None,
        subject: str | None = None,
        limit: int | None = None,
        *,
        newest_first: bool = False,
    ) -> list[JournalEntry]:
        """Entries with `since <= ts < until`, of the given kinds and subject, in time order.

        None means no bound or no filter; an empty `kinds` matches nothing. With `limit`, the
        oldest `limit` entries, or the newest with `newest_first=True` (then newest first).
        Entries with equal `ts` come in the order they were appended.
        """
        where: list[str] = []
        params: list[Any] = []
        if since is not None:
            where.append("ts >= ?")
            params.append(since)
        if until is not None:
            where.append("ts < ?")
            params.append(until)
        if kinds is not None:
            if not kinds:
                return []
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            params.extend(kinds)
        if subject is not None:
            where.append("subject = ?")
            params.append(subject)
        sql = f"SELECT {_COLUMNS} FROM journal"
        if where:
            sql += " WHERE " + " AND ".join(where)
        direction = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY ts {direction}, id {direction}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, limit))
        return [_entry(row) for row in self._db.query(sql, params)]

    def latest(self, kind: str, subject: str) -> JournalEntry | None:
        """The most recent entry of `kind` about `subject`, or None."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM journal WHERE subject = ? AND kind = ? "
            "ORDER BY ts DESC, id DESC LIMIT 1",
            (subject, kind),
        )
        return _entry(rows[0]) if rows else None

    def subjects(self, prefix: str) -> list[str]:
        """The distinct subjects starting with `prefix` (non-empty), e.g. "am:" for the alarms
        that are Alertmanager alerts; a range scan of the subject index."""
        if not prefix:
            raise ValueError("subjects() needs a prefix")
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        rows = self._db.query(
            "SELECT DISTINCT subject FROM journal WHERE subject >= ? AND subject < ?",
            (prefix, after),
        )
        return [str(row[0]) for row in rows]

    def get(self, entry_id: int) -> JournalEntry | None:
        """The entry with this id, or None."""
        rows = self._db.query(f"SELECT {_COLUMNS} FROM journal WHERE id = ?", (entry_id,))
        return _entry(rows[0]) if rows else None
