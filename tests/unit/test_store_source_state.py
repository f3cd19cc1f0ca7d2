"""The store's `source_state` table: each source's keys, written all at once or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from noc_board.store import open_store


def test_keys_per_source_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    with open_store(path) as store:
        stripe = store.source_state.handle("stripe")
        other = store.source_state.handle("stripe-eu")
        stripe.put({"cursor.charges": "1767740400", "day.2026-01-07": '{"orders": 3}'})
        other.put({"cursor.charges": "5"})
        stripe.put({"cursor.charges": "1767744000", "day.2026-01-07": None})  # update, delete
    with open_store(path) as store:
        assert store.source_state.handle("stripe").items() == {"cursor.charges": "1767744000"}
        assert store.source_state.items("stripe-eu") == {"cursor.charges": "5"}
        store.source_state.clear("stripe")
        assert store.source_state.items("stripe") == {}


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "noc.db") as store:
        state = store.source_state.handle("stripe")
        state.put({"cursor.charges": "1"})
        with pytest.raises(sqlite3.Error):  # the second value cannot be stored
            state.put({"cursor.charges": "2", "day.x": object()})  # type: ignore[dict-item]
        assert state.items() == {"cursor.charges": "1"}  # the first was rolled back
