"""Child process for the journal durability test: appends entries forever, printing each id.

Usage: python journal_writer_child.py DB_PATH [TAG]. Every id is printed (and flushed) only after
`Journal.append` returned it, i.e. after the entry was committed; the test then SIGKILLs us.
"""

from __future__ import annotations

import sys
from pathlib import Path

from noc_board.store import JournalEntry, open_store


def main(argv: list[str]) -> None:
    """Append to the store at argv[1] until killed."""
    path = Path(argv[1])
    tag = argv[2] if len(argv) > 2 else "child"
    store = open_store(path)
    n = 0
    while True:
        n += 1
        entry_id = store.journal.append(
            JournalEntry(
                ts=float(n),
                kind="note",
                subject=tag,
                actor="system",
                message=f"{tag} entry {n}",
                data={"n": n, "tag": tag},
            )
        )
        print(entry_id, flush=True)


if __name__ == "__main__":
    main(sys.argv)
