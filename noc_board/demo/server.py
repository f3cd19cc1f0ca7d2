"""The demo server: the simulator on loopback, speaking Prometheus, Stripe and GA4 wire formats.

`DemoServer(simulator, clock)` binds and starts a background thread at `start()` (stdlib
`ThreadingHTTPServer`, HTTP/1.1 keep-alive); `stop()` closes the listener and every open
connection and joins the threads. The clock is injected, so tests run
it in simulated time and the demo in real time. The HTTP plumbing lives here only; the three
APIs are pure functions of a `Request` (see `prom_api`, `stripe_api`, `ga4_api`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from noc_board.core.clock import Clock
from noc_board.demo.alertmanager_api import AlertmanagerDemoApi
from noc_board.demo.datadog_api import DatadogApi
from noc_board.demo.ga4_api import Ga4Api
from noc_board.demo.newrelic_api import NewRelicApi
from noc_board.demo.paypal_api import PayPalApi
from noc_board.demo.prom_api import PrometheusApi
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.stripe_api import StripeApi
from noc_board.demo.wire import Request, Response, text_response

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20
_INDEX = """NOC Board demo marketplace

Prometheus  GET|POST /api/v1/query, /api/v1/query_range; GET /metrics, /-/ready, /-/healthy
Stripe      GET /v1/charges, /v1/refunds (Authorization: Bearer sk_... or rk_...)
GA4         POST /v1beta/properties/{id}:runReport, :runRealtimeReport (Bearer token)
            POST /token (grants any token)
Datadog     GET /api/v1/query (with DD-API-KEY, DD-APPLICATION-KEY), /api/v1/monitor;
            POST /api/v2/query/timeseries
New Relic   POST /graphql (NerdGraph NRQL; API-Key: NRAK-...)
PayPal      POST /v1/oauth2/token (basic auth: any client id and secret);
            GET /v1/reporting/transactions (Bearer token)
Alertmanager GET /api/v2/alerts, /api/v2/silences, /api/v2/silence/{id}, /api/v2/status,
            /api/v2/receivers (read-only API v2: the incidents as alerts)
"""


class _App:
    """Routes a request to the API that owns its path."""

    def __init__(self, sim: MarketSimulator, clock: Clock, instance: str) -> None:
        # Datadog first: its /api/v1/query is Prometheus' path too (it claims only its own)
        # PayPal before Stripe: Stripe's face answers every /v1/ path
        # Alertmanager after Datadog (it claims every other /api/v2/ path) and Prometheus
        # (whose /-/ready and /-/healthy answer for the shared port)
        self.apis = (DatadogApi(sim, clock), PrometheusApi(sim, clock, instance),
                     AlertmanagerDemoApi(sim, clock, instance), PayPalApi(sim, clock),
                     StripeApi(sim, clock), Ga4Api(sim, clock), NewRelicApi(sim, clock))

    def handle(self, req: Request) -> Response:
        for api in self.apis:
            response = api.handle(req)
            if response is not None:
                return response
        if req.path == "/":
            return text_response(200, _INDEX)
        return text_response(404, "404 page not found\n")


class _HttpServer(ThreadingHTTPServer):
    """Keeps track of open connections so `stop()` can close idle keep-alive ones."""

    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads

    def __init__(self, address: tuple[str, int], app: _App | None) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response (the board closing at exit) is normal, not an error
        # worth a traceback on stderr; anything else still gets socketserver's report.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 connection; every method goes through the app."""

    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold every keep-alive response back by ~40 ms
    disable_nagle_algorithm = True
    server_version = "noc-board-demo"
    sys_version = ""
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a wallboard demo should not scroll access logs."""

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(text_response(413, "request body too large\n"), head=False)
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        method = "GET" if self.command == "HEAD" else self.command
        req = Request.build(method, self.path, dict(self.headers.items()), body)
        app = self.server.app
        try:
            # app is None only between bind and start(), which serves nothing
            response = text_response(503, "starting\n") if app is None else app.handle(req)
        except Exception:
            log.exception("demo server failed on %s %s", self.command, self.path)
            response = text_response(500, "internal error in the demo server\n")
        self._send(response, head=self.command == "HEAD")

    def _send(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = _serve


class DemoServer:
    """The simulator served on `host:port` (port 0 picks a free one) from a background thread."""

    def __init__(self, simulator: MarketSimulator, clock: Clock, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.simulator = simulator
        self._clock = clock
        self._host = host
        self._port = port
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:41234 (only once started)."""
        if self._server is None:
            raise RuntimeError("the demo server is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("the demo server is already started")
        server = _HttpServer((self._host, self._port), None)
        host, port = server.server_address[:2]
        server.app = _App(self.simulator, self._clock, f"{host!s}:{port}")
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.05}, name="noc-board-demo-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        with server.connections_lock:
            for conn in list(server.connections):
                with contextlib.suppress(OSError):  # already closed by the client
                    conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
