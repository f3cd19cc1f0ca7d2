"""State a source keeps across restarts: a small key/value map per source, written atomically.

The Stripe connector keeps its `created` cursors and day totals here, so a restart neither
loses nor double counts. The store's `source_state` table implements `SourceState` (see
`noc_board.store.source_state`); `MemoryState` is the same in memory, for `poll --once` and
for tests. Values are strings (JSON, by convention); a `None` value in `put` deletes the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class SourceState(Protocol):
    """One source's persisted keys."""

    def items(self) -> dict[str, str]:
        """Every key and value of this source."""
        ...

    def put(self, changes: Mapping[str, str | None]) -> None:
        """Write (or, for None, delete) these keys all at once, or none of them."""
        ...


class MemoryState:
    """A `SourceState` in a dict: lost at exit. Two sources may share one to test restarts."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.writes = 0

    def items(self) -> dict[str, str]:
        return dict(self.data)

    def put(self, changes: Mapping[str, str | None]) -> None:
        self.writes += 1
        for key, value in changes.items():
            if value is None:
                self.data.pop(key, None)
            else:
                self.data[key] = value
