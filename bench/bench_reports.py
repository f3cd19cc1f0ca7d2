"""Benchmark of the reports: the monthly review over 30 days x 100 metrics, and the shift report.

Fills a fresh store with the rollups of `--metrics` metrics every 5 minutes over the month
reviewed and the month before it (the review compares them), and a journal with a month of
alarms, acknowledgements, escalations, notes and incidents; then times writing, from a fresh
connection as `noc-board report` opens it:

- the monthly review as PDF (target: under 3 s), HTML and CSV;
- the shift report (8 hours) as PDF (target: under 1 s).

Run: python bench/bench_reports.py [--metrics 100] [--runs 3]
Prints plain lines; not a test. Qt's start (an offscreen QGuiApplication, once per process)
is timed on its own line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from noc_board.config.schema import (
    BoardConfig,
    Config,
    MetricConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.samples import Sample
from noc_board.reports.context import ReportContext
from noc_board.reports.export import export_report
from noc_board.store import Store, open_store

ZONE = "Europe/Berlin"
MONTH = 1_769_900_400.0  # 2026-02-01 00:00 in Berlin
BEFORE = 1_767_222_000.0  # 2026-01-01 00:00 in Berlin
END = 1_772_319_600.0  # 2026-03-01 00:00 in Berlin
STEP = 300.0
NAMED = [  # the metrics the review's roles read, then plain ones up to --metrics
    ("users.active_now", "users.active_now", "count"),
    ("sales.orders_today", "sales.transactions_today", "count"),
    ("sales.revenue_today", "sales.transaction_value_today", "money"),
    ("sales.refunds_today", "sales.refunds_today", "count"),
    ("sales.returns_today", "sales.returns_today", "count"),
    ("users.mau", "users.mau", "count"),
    ("users.engagement_rate", "users.engagement_rate", "ratio"),
    ("sales.refund_rate", "sales.refund_rate_count", "ratio"),
] + [(f"health.svc{i}.up", "health.up", "count") for i in range(5)]


def bench_config(metrics: int) -> Config:
    named = [MetricConfig(id=m, source="prom", kpi=k, unit=u, label=m) for m, k, u in NAMED]
    plain = [MetricConfig(id=f"bench.metric_{i:03d}", source="prom", label=f"Metric {i}")
             for i in range(max(0, metrics - len(named)))]
    rules = [RuleConfig(id=f"rule-{i:02d}", metric=f"bench.metric_{i:03d}", level=90.0,
                        severity="warning") for i in range(20)]
    return Config(board=BoardConfig(title="Bench NOC", timezone=ZONE),
                  sources=[SourceConfig(name="prom", kind="prometheus",
                                        url="http://127.0.0.1:9")],
                  metrics=[*named, *plain], rules=rules)


def fill(store: Store, config: Config) -> int:
    rng = random.Random(7)
    batch: list[Sample] = []
    added = 0
    t = BEFORE
    day_orders = 0.0
    day = -1
    while t < END:
        hour = (t - BEFORE) / 3600 % 24
        today = int((t - BEFORE) // 86_400)
        if today != day:
            day, day_orders = today, 0.0
        level = 0.6 + 0.4 * abs(12 - hour) / 12
        day_orders += rng.uniform(10, 30) * level
        for metric in config.metrics:
            if metric.id == "sales.orders_today":
                value = day_orders
            elif metric.id == "sales.revenue_today":
                value = day_orders * 42.0
            elif metric.kpi == "health.up":
                value = 0.0 if rng.random() < 0.0005 else 1.0
            elif metric.unit == "ratio":
                value = rng.uniform(0.01, 0.05)
            else:
                value = rng.uniform(0.0, 100.0) * level
            batch.append(Sample(metric.id, t, value))
        if len(batch) >= 50_000:
            added += store.rollups.add(batch)
            batch = []
        t += STEP
    added += store.rollups.add(batch)
    return added


def fill_journal(store: Store, config: Config) -> int:
    """A month of alarm episodes (raise, escalate, ack, clear), notes and incidents, written
    in one transaction (the board writes them one by one, which costs an fsync each)."""
    rng = random.Random(11)
    rows = []
    t = MONTH
    n = 0
    while t < END:
        rule = config.rules[rng.randrange(len(config.rules))]
        key = rule.id
        common = {"rule": rule.id, "metric": rule.metric, "severity": rule.severity,
                  "value": 95.0}
        ack = t + rng.uniform(60, 1200)
        steps = [(t, "alarm", "system", {"event": "raised", "from": "normal",
                                         "to": "unacknowledged", **common})]
        if ack - t > 600:
            steps.append((t + 600, "escalation", "system", {"route": "tech", "level": 0,
                                                             "damped": False}))
        steps.append((ack, "ack", "alice", {"event": "acknowledged", "from": "unacknowledged",
                                            "to": "acknowledged", **common}))
        steps.append((ack + rng.uniform(300, 3600), "alarm", "system",
                      {"event": "cleared", "from": "acknowledged", "to": "normal", **common}))
        for ts, kind, actor, data in steps:
            rows.append((ts, kind, key, actor, f"{key} {kind}", json.dumps(data)))
        if n % 10 == 0:
            rows.append((t + 30, "note", "shift", "bob", "looked into it",
                         json.dumps({"text": "looked into it", "flagged": n % 20 == 0})))
        if n % 40 == 0:
            iid = f"INC-{n // 40 + 1:04d}"
            rows.append((t + 120, "incident", iid, "bob", f"incident {iid} opened",
                         json.dumps({"event": "opened", "fields": {
                             "title": f"Incident {iid}", "alarms": [key], "status": "open",
                             "severity": rule.severity, "started_at": t}})))
            rows.append((t + 5400, "incident", iid, "bob", f"incident {iid} resolved",
                         json.dumps({"event": "updated", "fields": {
                             "status": "resolved", "resolved_at": t + 5400,
                             "cause": "a cause", "resolution": "fixed"}})))
        n += 1
        t += rng.uniform(1800, 7200)
    with store.db.transaction() as conn:
        conn.executemany("INSERT INTO journal (ts, kind, subject, actor, message, data) "
                         "VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = bench_config(args.metrics)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        with open_store(path) as store:
            samples = fill(store, config)
            entries = fill_journal(store, config)
        print(f"setup: {samples:,} samples of {len(config.metrics)} metrics over 59 days and "
              f"{entries:,} journal entries in {time.perf_counter() - started:.1f} s")
        from noc_board.reports.render_pdf import ensure_gui_application

        started = time.perf_counter()
        ensure_gui_application()
        print(f"qt: offscreen QApplication in {(time.perf_counter() - started) * 1000:.0f} ms")
        jobs = [("monthly", ".pdf", MONTH, None), ("monthly", ".html", MONTH, None),
                ("monthly", ".csv", MONTH, None),
                ("shift", ".pdf", MONTH + 14 * 86_400 + 6 * 3600,
                 MONTH + 14 * 86_400 + 14 * 3600)]
        for kind, suffix, start, end in jobs:
            times = []
            pages = 0
            for run in range(args.runs):
                with open_store(path) as store:  # a fresh connection each time
                    began = time.perf_counter()
                    ctx = ReportContext(config, store.journal, store.rollups, END + 86_400)
                    done = export_report(ctx, kind, Path(folder) / f"{kind}{run}{suffix}",
                                         start, end)
                    times.append(time.perf_counter() - began)
                    pages = done.pages
            target = {"monthly": 3.0, "shift": 1.0}[kind] if suffix == ".pdf" else None
            verdict = "" if target is None else (
                f"  (target < {target:g} s: {'ok' if max(times) < target else 'MISSED'})")
            what = f"{pages} pages" if suffix == ".pdf" else suffix[1:]
            print(f"{kind} {suffix[1:]}: {what}, best {min(times):.3f} s, "
                  f"worst {max(times):.3f} s over {args.runs} runs{verdict}")


if __name__ == "__main__":
    main()
