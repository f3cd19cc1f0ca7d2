"""A tiny HTTP/1.1 server on 127.0.0.1 for tests: one request per connection, scripted replies.

A handler maps a `Request` to a `Reply` (or an awaitable of one). A reply can be delayed, sent
without a Content-Length, dripped slowly, or replaced by hanging up, so the client's error
paths can be driven without a real service. Every request is recorded in `requests`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 402: "Request Failed",
    403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


@dataclass
class Request:
    """A request as the server read it; header names are lower case."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.target).query, keep_blank_values=True)

    def params(self) -> dict[str, str]:
        """Query string and, for a form POST, the form (Go's `r.FormValue` merges both)."""
        merged = dict(self.query)
        if self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            merged.update(parse_qsl(self.body.decode(), keep_blank_values=True))
        return merged

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """What to answer. `body` may be bytes, str, or anything JSON-serialisable."""

    status: int = 200
    body: Any = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before anything is sent
    declare_length: bool = True  # False: no Content-Length, the body ends at close
    drip: float = 0.0  # seconds between 1-byte writes of the body
    hang_up: bool = False  # close the connection without answering

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), self.content_type or "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), self.content_type or "application/json"


def json_reply(body: Any, status: int = 200, **headers: str) -> Reply:
    return Reply(status, body, "application/json", dict(headers))


Handler = Callable[[Request], "Reply | Awaitable[Reply]"]


class LoopbackServer:
    """`async with LoopbackServer(handler) as server:` then request `server.url + path`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            reply = self.handler(request)
            if not isinstance(reply, Reply):
                reply = await reply
            await _write_reply(writer, reply)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(parts[0], parts[1], headers, body)


async def _write_reply(writer: asyncio.StreamWriter, reply: Reply) -> None:
    if reply.delay:
        await asyncio.sleep(reply.delay)
    if reply.hang_up:
        return
    body, ctype = reply.payload()
    reason = _REASONS.get(reply.status, "Status")
    head = [f"HTTP/1.1 {reply.status} {reason}", f"Content-Type: {ctype}", "Connection: close"]
    if reply.declare_length:
        head.append(f"Content-Length: {len(body)}")
    head += [f"{k}: {v}" for k, v in reply.headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    if reply.drip:
        for i in range(len(body)):
            writer.write(body[i : i + 1])
            await writer.drain()
            await asyncio.sleep(reply.drip)
    else:
        writer.write(body)
    await writer.drain()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class SleepRecorder:
    """An injected `sleep` that records the waits and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
