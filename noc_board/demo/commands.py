"""`noc-board demo-server`: the simulator alone on loopback, until Ctrl-C."""

from __future__ import annotations

import threading
from typing import TextIO

from noc_board.core.clock import SystemClock
from noc_board.demo.live import live_demo_scenario
from noc_board.demo.server import DemoServer
from noc_board.demo.simulator import MarketSimulator


def demo_server_command(port: int, out: TextIO, stop: threading.Event | None = None) -> int:
    """Serve the live demo scenario on 127.0.0.1:`port` (0: any free port) until Ctrl-C
    (or until `stop` is set, for tests); prints the URL first. Returns the exit code."""
    clock = SystemClock()
    server = DemoServer(MarketSimulator(live_demo_scenario(clock.now())), clock, port=port)
    try:
        server.start()
    except OSError as exc:
        out.write(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}\n")
        out.flush()
        return 1
    done = stop or threading.Event()
    try:
        out.write(f"NOC Board demo marketplace at {server.url}\n"
                  f"  Prometheus  {server.url}/api/v1/query  ({server.url}/metrics to scrape)\n"
                  f"  Stripe      {server.url}/v1/charges  (any key starting sk_ or rk_)\n"
                  f"  GA4         {server.url}/v1beta/properties/1:runRealtimeReport\n"
                  "Press Ctrl-C to stop.\n")
        out.flush()
        while not done.wait(0.5):  # a short wait keeps Ctrl-C responsive on Windows
            pass
    except KeyboardInterrupt:
        out.write("stopped\n")
    finally:
        server.stop()
    return 0
