"""Benchmark of the store: batched rollup inserts, and reading 30 days of hourly rollups.

Run: python bench/bench_store.py [--metrics 100] [--days 30] [--step 300] [--batch 100]
Prints plain lines; not a test. DESIGN.md records what to expect on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noc_board.core.samples import Sample
from noc_board.store import open_store

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def main() -> None:
    """Fill a fresh store as a board would (one batch per poll), then read it back."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--step", type=float, default=300.0, help="seconds between samples")
    parser.add_argument("--batch", type=int, default=100, help="polls folded per add() call")
    args = parser.parse_args()

    names = [f"bench.metric_{i:03d}" for i in range(args.metrics)]
    rng = random.Random(7)
    span = args.days * 86_400.0
    steps = int(span / args.step)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        with open_store(path) as store:
            samples_done = 0
            elapsed = 0.0
            batch: list[Sample] = []
            for k in range(steps):
                ts = T0 + k * args.step
                batch.extend(Sample(name, ts, rng.uniform(0.0, 100.0)) for name in names)
                if (k + 1) % args.batch == 0 or k == steps - 1:
                    started = time.perf_counter()
                    store.rollups.add(batch)
                    elapsed += time.perf_counter() - started
                    samples_done += len(batch)
                    batch = []
            minute_rows = store.db.query("SELECT count(*) FROM rollup_minute")[0][0]
            hour_rows = store.db.query("SELECT count(*) FROM rollup_hour")[0][0]
            print(
                f"insert: {samples_done} samples of {args.metrics} metrics over {args.days} d "
                f"in {elapsed:.2f} s ({args.batch} polls per batch)"
            )
            print(f"insert: {samples_done / elapsed:,.0f} samples/s folded")
            print(
                f"insert: {(minute_rows + hour_rows) / elapsed:,.0f} rollup rows/s upserted "
                f"({minute_rows} minute + {hour_rows} hour rows)"
            )

        # a fresh connection, as `noc-board report` would open it
        with open_store(path) as store:
            for label in ("first", "again"):
                started = time.perf_counter()
                rows = 0
                for name in store.rollups.metrics():
                    rows += len(store.rollups.hours(name, T0, T0 + span))
                read_s = time.perf_counter() - started
                print(
                    f"read ({label}): {rows} hourly rows ({args.metrics} metrics x {args.days} d)"
                    f" in {read_s * 1000:.1f} ms"
                )
        print(f"file: {path.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
