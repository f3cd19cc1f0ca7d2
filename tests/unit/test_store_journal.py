"""The journal: append, then query by time, kind and subject."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from noc_board.store import Journal, JournalEntry, Store, open_store
from noc_board.store.journal import ACK, ALARM, KINDS, NOTE, SOURCE_HEALTH


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "noc.db") as opened:
        yield opened


def _entry(ts: float, kind: str = NOTE, subject: str = "shift", **data: object) -> JournalEntry:
    return JournalEntry(ts, kind, subject, "ann", f"{kind} {subject} at {ts}", dict(data))


def _fill(journal: Journal) -> None:
    for entry in [
        _entry(100.0, ALARM, "checkout-errors", state_from="normal", state_to="unack"),
        _entry(110.0, SOURCE_HEALTH, "stripe", status="down"),
        _entry(120.0, ACK, "checkout-errors", comment="on it", until=None),
        _entry(130.0, ALARM, "checkout-errors", state_from="ack", state_to="normal"),
        _entry(140.0, NOTE, "shift"),
        _entry(150.0, ALARM, "latency", severity="warning"),
    ]:
        journal.append(entry)


def test_append_round_trips_and_returns_increasing_ids(store: Store) -> None:
    entry = JournalEntry(
        ts=1_767_794_580.25,
        kind=ACK,
        subject="checkout-errors",
        actor="ann",
        message="acknowledged",
        data={"comment": "looking", "until": 1_767_798_180.0, "value": 0.41, "tags": ["a"]},
    )
    first = store.journal.append(entry)
    second = store.journal.append(JournalEntry(2.0, NOTE, "shift", None, "no actor"))
    assert second > first
    got = store.journal.entries()  # time order: the ts=2.0 note comes first
    assert got[1] == replace(entry, id=first)
    assert got[0].actor is None and got[0].data == {} and got[0].id == second
    assert store.journal.get(first) == got[1]
    assert store.journal.get(second + 1) is None


def test_entries_come_in_time_order_whatever_the_append_order(store: Store) -> None:
    ids = [store.journal.append(_entry(ts)) for ts in (30.0, 10.0, 20.0, 10.0)]
    got = store.journal.entries()
    assert [e.ts for e in got] == [10.0, 10.0, 20.0, 30.0]
    assert [e.id for e in got] == [ids[1], ids[3], ids[2], ids[0]]  # equal ts: append order


def test_time_bounds_are_since_inclusive_until_exclusive(store: Store) -> None:
    _fill(store.journal)
    assert [e.ts for e in store.journal.entries(since=120.0)] == [120.0, 130.0, 140.0, 150.0]
    assert [e.ts for e in store.journal.entries(until=120.0)] == [100.0, 110.0]
    assert [e.ts for e in store.journal.entries(since=110.0, until=140.0)] == [110.0, 120.0, 130.0]
    assert store.journal.entries(since=151.0) == []


def test_filter_by_kind_and_subject(store: Store) -> None:
    _fill(store.journal)
    assert [e.ts for e in store.journal.entries(kinds=[ALARM])] == [100.0, 130.0, 150.0]
    assert [e.ts for e in store.journal.entries(kinds=(ACK, SOURCE_HEALTH))] == [110.0, 120.0]
    assert store.journal.entries(kinds=[]) == []
    assert [e.ts for e in store.journal.entries(subject="checkout-errors")] == [100.0, 120.0, 130.0]
    assert [
        e.ts for e in store.journal.entries(since=105.0, kinds=[ALARM], subject="checkout-errors")
    ] == [130.0]
    assert store.journal.entries(subject="nobody") == []


def test_limit_takes_the_oldest_or_with_newest_first_the_newest(store: Store) -> None:
    _fill(store.journal)
    assert [e.ts for e in store.journal.entries(limit=2)] == [100.0, 110.0]
    assert [e.ts for e in store.journal.entries(limit=2, newest_first=True)] == [150.0, 140.0]
    assert [e.ts for e in store.journal.entries(kinds=[ALARM], limit=0)] == []


def test_latest_of_a_kind_about_a_subject(store: Store) -> None:
    _fill(store.journal)
    latest = store.journal.latest(ALARM, "checkout-errors")
    assert latest is not None
    assert (latest.ts, latest.data["state_to"]) == (130.0, "normal")
    ack = store.journal.latest(ACK, "checkout-errors")
    assert ack is not None and ack.data == {"comment": "on it", "until": None}
    assert store.journal.latest(ACK, "latency") is None
    assert store.journal.latest("escalation", "checkout-errors") is None


def test_bad_entries_are_refused_before_anything_is_written(store: Store) -> None:
    with pytest.raises(TypeError):
        store.journal.append(JournalEntry(1.0, NOTE, "x", None, "m", {"when": object()}))
    with pytest.raises(ValueError, match="kind"):
        store.journal.append(JournalEntry(1.0, "", "x", None, "m"))
    assert store.journal.entries() == []


def test_nan_values_in_data_round_trip(store: Store) -> None:
    store.journal.append(_entry(1.0, ALARM, "no-data", value=float("nan")))
    (got,) = store.journal.entries()
    assert got.data["value"] != got.data["value"]  # NaN


def test_queries_use_the_indexes(store: Store) -> None:
    names = {
        row[0]
        for row in store.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal'"
        )
    }
    assert {"journal_ts", "journal_kind_ts", "journal_subject_ts"} <= names

    def plan(sql: str) -> str:
        return " ".join(str(row[-1]) for row in store.db.query("EXPLAIN QUERY PLAN " + sql, ()))

    assert "journal_ts" in plan("SELECT * FROM journal WHERE ts >= 5 ORDER BY ts")
    assert "journal_kind_ts" in plan("SELECT * FROM journal WHERE kind = 'ack' AND ts >= 5")
    assert "journal_subject_ts" in plan("SELECT * FROM journal WHERE subject = 'x' AND ts >= 5")


def test_journal_open_owns_its_connection_and_a_shared_one_is_left_open(tmp_path: Path) -> None:
    path = tmp_path / "noc.db"
    own = Journal.open(path)
    entry_id = own.append(_entry(5.0))
    own.close()
    with open_store(path) as store:
        assert [e.id for e in store.journal.entries()] == [entry_id]
        store.journal.close()  # shared: the Store closes it
        assert store.journal.entries()[0].id == entry_id


def test_appends_from_several_threads_all_land(store: Store) -> None:
    ids: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(10):
            entry_id = store.journal.append(_entry(float(i), NOTE, f"thread{n}"))
            with lock:
                ids.append(entry_id)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 40
    assert sorted(e.id for e in store.journal.entries() if e.id is not None) == sorted(ids)


def test_known_kinds() -> None:
    assert KINDS == ("source_health", "alarm", "ack", "note", "incident", "escalation",
                     "notification")
