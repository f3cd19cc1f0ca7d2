"""Benchmark of the sources: Stripe ingest throughput, and the GUI stall of a big Prometheus body.

Run: QT_QPA_PLATFORM=offscreen python bench/bench_sources.py [--pages 100] [--mb 5]

1. Stripe: pages of 100 full charge objects (as the demo server writes them, about 2 KB each)
   decoded with the connector's msgspec types and counted into day totals as a catch-up slice
   is (`StripeBook.commit`, the last hour's window fed too), on one core. Target: at least
   50,000 charges a second.
2. Prometheus: a QTimer at 60 Hz on a qasync loop (offscreen) while the connector fetches and
   ingests a ~5 MB `query_range` body from a loopback server in another process. Prints the
   largest frame interval; target: no interval over 50 ms. The first fetch starts the decode
   worker process and is reported apart.

Prints plain lines; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import SystemClock
from noc_board.sources.source_state import MemoryState
from noc_board.sources.stripe_ledger import StripeBook
from noc_board.sources.stripe_totals import LocalDays
from noc_board.sources.stripe_wire import Page, StripeCharge

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


# -- 1. Stripe ----------------------------------------------------------------------------


def stripe_pages(pages: int) -> list[bytes]:
    """`pages` pages of 100 charges in time order, rendered by the demo server's code."""
    from noc_board.core.scenario import Scenario
    from noc_board.demo.simulator import MarketSimulator
    from noc_board.demo.stripe_api import charge_json

    sim = MarketSimulator(Scenario(start=T0, duration=30 * 86400.0))
    charges: list[Any] = []
    t = T0 + 86400.0
    while len(charges) < pages * 100:
        charges += sim.charges_between(t, t + 6 * 3600.0)
        t += 6 * 3600.0
    charges = sorted(charges, key=lambda c: (c.created, c.id))[: pages * 100]
    return [msgspec.json.encode({"object": "list", "url": "/v1/charges", "has_more": True,
                                 "data": [charge_json(c, False) for c in charges[i:i + 100]]})
            for i in range(0, len(charges), 100)]


def bench_stripe(pages: int) -> None:
    bodies = stripe_pages(pages)
    count = sum(len(msgspec.json.decode(b)["data"]) for b in bodies)
    size = sum(len(b) for b in bodies)
    decoder = msgspec.json.Decoder(Page[StripeCharge])
    decoder.decode(bodies[0])  # warm up
    # CPU time of this process: "on one core", whatever else the machine is doing
    start = time.process_time()
    decoded = [decoder.decode(b).data for b in bodies]
    decode_s = time.process_time() - start
    book = StripeBook(MemoryState(), "bench", LocalDays(ZoneInfo("Europe/Berlin")))
    first = decoded[0][0].created
    book.begin(first, ["charges"], first)
    start = time.process_time()
    for n, page in enumerate(decoded):
        upto = decoded[n + 1][0].created if n + 1 < len(decoded) else page[-1].created + 1
        book.commit({"charges": (page, upto)}, "2026-01-31")
        book.feed_recent(page, page[-1].created)
    count_s = time.process_time() - start
    counted = sum(day.orders + day.failed for day in book.days.values())
    total_s = decode_s + count_s
    print(f"stripe: {count} charges in {len(bodies)} pages ({size / 2**20:.1f} MiB), "
          f"{counted} counted")
    print(f"stripe: CPU time on one core: decode {count / decode_s:,.0f}/s, count "
          f"{count / count_s:,.0f}/s, together {count / total_s:,.0f} charges/s "
          "(target >= 50,000/s): "
          f"{'OK' if count / total_s >= 50_000 else 'SLOW'}")


# -- 2. Prometheus under a 60 Hz GUI timer ------------------------------------------------

_SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
body = open(sys.argv[1], "rb").read()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def range_body(megabytes: float) -> bytes:
    """A `query_range` matrix of about `megabytes` MB: series of 11,000 points each."""
    points = 11_000
    series = []
    size = 0
    n = 0
    while size < megabytes * 1_000_000:
        values = [[T0 + 15 * i, repr(round(0.2 + 0.001 * ((i * 7 + n) % 300), 6))]
                  for i in range(points)]
        series.append({"metric": {"__name__": "marketplace_latency_p95_seconds",
                                  "service": f"svc{n}", "job": "marketplace"},
                       "values": values})
        size += len(json.dumps(values))
        n += 1
    return json.dumps({"status": "success",
                       "data": {"resultType": "matrix", "result": series}}).encode()


def unpickle_ms(body: bytes) -> float:
    """Milliseconds to unpickle what the decode worker sends back for `body`."""
    from noc_board.sources.json_decode import decode_outcome
    from noc_board.sources.prometheus_wire import PromRangeEnvelope

    data = pickle.dumps(decode_outcome(body, PromRangeEnvelope), pickle.HIGHEST_PROTOCOL)
    start = time.perf_counter()
    pickle.loads(data)
    return (time.perf_counter() - start) * 1000


def bench_gui_stall(megabytes: float, rounds: int) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from noc_board.sources.http import HttpFetcher, make_client
    from noc_board.sources.prometheus import PrometheusSource

    body = range_body(megabytes)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        handle.write(body)
        path = handle.name
    server = subprocess.Popen([sys.executable, "-c", _SERVER, path], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        app = QApplication.instance() or QApplication([])
        frames: list[float] = []
        timer = QTimer()
        timer.setInterval(16)  # 60 Hz
        timer.timeout.connect(lambda: frames.append(time.perf_counter()))
        cfg = SourceConfig(name="prom", kind="prometheus", url=f"http://127.0.0.1:{port}",
                           timeout=30.0, max_body_mb=50.0)
        metric = MetricConfig(id="lat", source="prom", query="marketplace_latency_p95_seconds")
        results: list[tuple[str, float, float, int]] = []
        source: Any = None
        stalls: list[float] = []

        async def ingest(label: str) -> None:
            frames.clear()
            start = time.perf_counter()
            result = await source.backfill(T0, T0 + 15 * 10_999, 15.0)
            took = time.perf_counter() - start
            await asyncio.sleep(0.1)  # a few frames after the ingest, to see it end
            gaps = [b - a for a, b in itertools.pairwise(frames)]
            results.append((label, took, max(gaps) if gaps else math.nan, len(result.samples)))
            if label != "first (starts the decode worker)":
                stalls.extend(gaps)

        async def run() -> None:
            nonlocal source
            async with make_client(trust_env=False) as client:
                fetcher = HttpFetcher(client)
                source = PrometheusSource(cfg, [metric], fetcher, SystemClock(), None)
                timer.start()
                await asyncio.sleep(0.2)
                await ingest("first (starts the decode worker)")
                for n in range(rounds):
                    await ingest(f"round {n + 1}")
                timer.stop()
                await fetcher.aclose()

        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(run())
        print(f"prometheus: {len(body) / 1e6:.1f} MB query_range body, 60 Hz timer on the "
              "GUI thread (offscreen, qasync)")
        for label, took, worst, samples in results:
            print(f"prometheus: {label}: {took * 1000:.0f} ms to ingest {samples} points, "
                  f"largest frame interval {worst * 1000:.1f} ms")
        worst = max(stalls) if stalls else math.nan
        p99 = statistics.quantiles(stalls, n=100)[98] if len(stalls) > 100 else worst
        print(f"prometheus: after warm-up, largest frame interval {worst * 1000:.1f} ms, p99 "
              f"{p99 * 1000:.1f} ms (target <= 50 ms): {'OK' if worst <= 0.050 else 'STALLS'}")
        print(f"prometheus: for comparison, unpickling every decoded series on the GUI thread "
              f"would take {unpickle_ms(body):.0f} ms; the worker returns only the first series "
              "as two float arrays")
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=100, help="Stripe pages of 100 charges")
    parser.add_argument("--mb", type=float, default=5.0, help="size of the Prometheus body")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    bench_stripe(args.pages)
    bench_gui_stall(args.mb, args.rounds)


if __name__ == "__main__":
    main()
