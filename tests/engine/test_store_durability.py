"""The journal survives SIGKILL: every id a writer was given is on disk, and the file is sound."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from noc_board.store import JournalEntry, open_store

CHILD = Path(__file__).with_name("journal_writer_child.py")
REPO = Path(__file__).resolve().parents[2]


def _start_writer(db: Path, tag: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _read_ids(child: subprocess.Popen[str], count: int) -> list[int]:
    """Read `count` ids from the child's stdout; fail with its stderr if it died first."""
    assert child.stdout is not None
    ids: list[int] = []
    while len(ids) < count:
        line = child.stdout.readline()
        if not line:
            child.wait(timeout=10)
            stderr = child.stderr.read() if child.stderr else ""
            raise AssertionError(f"writer exited ({child.returncode}) early:\n{stderr}")
        ids.append(int(line))
    return ids


def _kill(child: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the child and return the ids it printed that we had not read yet."""
    assert child.stdout is not None and child.stderr is not None
    os.kill(child.pid, signal.SIGKILL)
    # read through the text wrapper: lines it buffered ahead of readline() count too
    out = child.stdout.read()
    child.stdout.close()
    child.stderr.close()
    assert child.wait(timeout=10) == -signal.SIGKILL
    return [int(line) for line in out.split()]


def test_every_reported_id_survives_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    reported: list[int] = []
    for round_ in range(3):
        child = _start_writer(db, f"round{round_}")
        try:
            reported += _read_ids(child, 25)
        finally:
            reported += _kill(child)  # killed while it is appending the next entry

    assert reported == sorted(reported) and len(set(reported)) == len(reported)
    with open_store(db) as store:
        found = {entry.id: entry for entry in store.journal.entries()}
        missing = [i for i in reported if i not in found]
        assert not missing
        for entry in found.values():
            assert entry.message == f"{entry.subject} entry {entry.data['n']}"
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_two_processes_append_side_by_side(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    with open_store(db) as store:
        child = _start_writer(db, "child")
        try:
            _read_ids(child, 1)  # the child holds the file open and is writing
            mine = [
                store.journal.append(JournalEntry(float(i), "note", "parent", "bob", f"p{i}"))
                for i in range(20)
            ]
            theirs = _read_ids(child, 5)
        finally:
            theirs_after = _kill(child)
        parent_entries = store.journal.entries(subject="parent")
        assert [e.id for e in parent_entries] == mine
        child_ids = {e.id for e in store.journal.entries(subject="child")}
        assert set(theirs + theirs_after) <= child_ids
        assert not set(mine) & child_ids
