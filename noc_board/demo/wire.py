"""Plain request and response values shared by the demo server's API modules.

Each API module is a pure function from `Request` to `Response`, so it can be tested without
a socket; `server.py` is the only place that speaks HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request: `query` holds the decoded (name, value) pairs in order, merged with a
    form body for POSTs with `application/x-www-form-urlencoded` (as Go's FormValue does)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    @staticmethod
    def build(method: str, target: str, headers: Mapping[str, str], body: bytes) -> Request:
        path, _, raw_query = target.partition("?")
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        lower = {k.lower(): v for k, v in headers.items()}
        if method == "POST" and lower.get("content-type", "").split(";")[0].strip() == (
            "application/x-www-form-urlencoded"
        ):
            pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return Request(method, path, tuple(pairs), lower, body)

    def param(self, name: str) -> str | None:
        """The first value of a parameter, or None."""
        return next((v for k, v in self.query if k == name), None)

    def bearer(self) -> str | None:
        """The token of an `Authorization: Bearer ...` header, or None."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response ready to send."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None
                  ) -> Response:
    # allow_nan=False: a NaN must never reach a client as a bare JSON token
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    return Response(status, body, "application/json", headers or {})


def text_response(status: int, text: str, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, text.encode(), "text/plain; charset=utf-8", headers or {})
