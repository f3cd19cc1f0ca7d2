"""The store: the SQLite journal and the metric rollups, in one file. No Qt.

Who calls it, from where:

- `app.py` (the composition root) calls `open_store(path)` once at start, with the path from
  `BoardConfig.store` or, when that is empty, the platform data folder; it hands `store.journal`
  and `store.rollups` to the engine and calls `store.close()` on quit, after cancelling and
  gathering the engine's tasks and closing the HTTP client.
- The engine's hub calls `store.rollups.add(result.samples)` for every poll result, and the alarm,
  acknowledgement, escalation and source-health code calls `store.journal.append(...)` for every
  transition, on the asyncio thread (each call is one short, fsynced transaction).
- The operator's notes and incidents reach `store.journal.append` through the engine, never from a
  widget.
- `noc-board report` and the report builders read `journal.entries(...)` and
  `rollups.hours(...)`/`minutes(...)`; seasonal baselines read `rollups.minutes(...)`.
- A periodic engine task calls `store.rollups.prune(clock.now())` (say daily).

Several processes may open the same file (a board and `noc-board report`): WAL lets readers run
beside the writer, and `busy_timeout` makes writers wait for each other instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from noc_board.store.db import (
    SCHEMA_VERSION,
    Database,
    SchemaTooNewError,
    StoreError,
    open_database,
)
from noc_board.store.journal import Journal, JournalEntry
from noc_board.store.rollups import PruneResult, RollupRow, Rollups
from noc_board.store.source_state import SourceStateHandle, SourceStateTable

__all__ = [
    "SCHEMA_VERSION",
    "Journal",
    "JournalEntry",
    "PruneResult",
    "RollupRow",
    "Rollups",
    "SchemaTooNewError",
    "SourceStateHandle",
    "SourceStateTable",
    "Store",
    "StoreError",
    "open_store",
]


class Store:
    """The journal and the rollups on one connection; close it once, at quit."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.journal = Journal(db)
        self.rollups = Rollups(db)
        self.source_state = SourceStateTable(db)  # cursors sources keep across restarts

    @property
    def path(self) -> Path:
        """The database file."""
        return self.db.path

    def close(self) -> None:
        """Close the connection (idempotent); later calls on the journal or rollups raise."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_store(path: Path, *, busy_timeout_s: float = 5.0) -> Store:
    """Open (creating and migrating if needed) the store at `path`.

    Raises `SchemaTooNewError` for a file from a newer NOC Board and `StoreError` for a file that
    is not a usable SQLite database.
    """
    return Store(open_database(path, busy_timeout_s=busy_timeout_s))
