"""The shared HTTP client and the fetcher every connector requests through.

`make_client` builds the one `httpx.AsyncClient` of the app (explicit `Timeout` and `Limits`).
`HttpFetcher` applies a `RequestPolicy` to it: a deadline per attempt, retries with full-jitter
backoff on connect errors, timeouts, 5xx and 429 (honouring `Retry-After` and Stripe's
`Stripe-Should-Retry`), a streamed body cut off at the size cap, and msgspec JSON decoding,
off the event loop in a worker process for bodies over 1 MiB. Every failure is a `SourceError`
with one specific line, using the service's own error shape when it has one.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import httpx

from noc_board import __version__
from noc_board.core.clock import Clock, SystemClock
from noc_board.sources.base import SourceError, one_line
from noc_board.sources.error_shapes import ErrorDetail, ErrorHook, generic_error
from noc_board.sources.json_decode import DecodePool, decode_outcome, unwrap
from noc_board.sources.policy import (
    RequestPolicy,
    format_mib,
    format_seconds,
    parse_retry_after,
    response_date,
    should_retry_status,
)

__all__ = ["HttpFetcher", "RequestPolicy", "make_client"]

Sleep = Callable[[float], Awaitable[None]]
Auth = tuple[str, str] | httpx.Auth | None
_ERROR_BODY_DECODE_LIMIT = 256 * 1024
_DROP_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def make_client(
    *,
    timeout: float = 10.0,
    connect_timeout: float = 5.0,
    max_connections: int = 20,
    max_keepalive_connections: int = 10,
    keepalive_expiry: float = 30.0,
    trust_env: bool = True,
    user_agent: str | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """The one shared client: explicit timeouts and connection limits, redirects followed.

    `verify` is for a source's dedicated client (a private CA, verification off): see
    `HttpFetcher.dedicated_client`.
    """
    return httpx.AsyncClient(
        verify=verify,
        timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive_connections,
            keepalive_expiry=keepalive_expiry,
        ),
        follow_redirects=True,
        max_redirects=5,
        trust_env=trust_env,
        headers={"User-Agent": user_agent or f"noc-board/{__version__}"},
    )


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes
    request: httpx.Request


class HttpFetcher:
    """Requests JSON or text under a `RequestPolicy`, raising only `SourceError`.

    `sleep` and `rng` are injected so tests see the backoff sequence without waiting; `clock`
    is the reference for `Retry-After` dates when the response has no `Date`. `service` names
    the server in messages ("HTTP 503 from Prometheus: ..."), `error_hook` reads its error
    shape. `derive()` gives a fetcher with another policy or service over the same client and
    decode pool; `aclose()` shuts down a pool the fetcher created (not the client: the
    composition root owns it). `dedicated_client()` makes a client of a source's own (its TLS
    settings differ: one client has one `verify`); this fetcher and every one derived from it
    own those, and `aclose()` of any of them closes them.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        policy: RequestPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        *,
        executor: Executor | None = None,
        clock: Clock | None = None,
        service: str = "server",
        error_hook: ErrorHook | None = None,
        decode_pool: DecodePool | None = None,
        owned_clients: list[httpx.AsyncClient] | None = None,
    ) -> None:
        self._client = client
        self._owned = owned_clients if owned_clients is not None else []
        self.policy = policy or RequestPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock: Clock = clock or SystemClock()
        self.service = service
        self._hook: ErrorHook = error_hook or generic_error
        self._pool = decode_pool or DecodePool(executor)

    def derive(
        self,
        *,
        policy: RequestPolicy | None = None,
        service: str | None = None,
        error_hook: ErrorHook | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> HttpFetcher:
        """The same client (or `client`), sleep, rng and decode pool with another policy, name
        or hook."""
        return HttpFetcher(
            client or self._client,
            policy or self.policy,
            self._sleep,
            self._rng,
            clock=self._clock,
            service=service or self.service,
            error_hook=error_hook or self._hook,
            decode_pool=self._pool,
            owned_clients=self._owned,
        )

    @property
    def client(self) -> httpx.AsyncClient:
        """The client requests go through (for a source that needs the raw response)."""
        return self._client

    def dedicated_client(
        self, *, verify: ssl.SSLContext | bool = True, keepalive: bool = True
    ) -> httpx.AsyncClient:
        """A new client like the shared one but with its own `verify` (and, with
        `keepalive=False`, a fresh connection per request, as an uptime probe wants); closed by
        `aclose()`."""
        client = make_client(
            verify=verify,
            trust_env=self._client.trust_env,
            max_keepalive_connections=10 if keepalive else 0,
            user_agent=self._client.headers.get("user-agent"),
        )
        self._owned.append(client)
        return client

    async def aclose(self) -> None:
        owned, self._owned[:] = list(self._owned), []
        for client in owned:
            await client.aclose()
        await self._pool.aclose()

    async def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth = None,
        shape: Any = None,
    ) -> Any:
        """GET and decode JSON (into the msgspec type `shape` when given)."""
        reply = await self._exchange("GET", url, params=params, headers=headers, auth=auth)
        return await self._decode(reply, shape)

    async def post_json(
        self,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth = None,
        shape: Any = None,
    ) -> Any:
        """POST a JSON body (`json=`) or a form (`data=`), and decode the JSON answer."""
        reply = await self._exchange(
            "POST", url, params=params, headers=headers, auth=auth, json=json, data=data
        )
        return await self._decode(reply, shape)

    async def request_raw(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        check: bool = True,
    ) -> httpx.Response:
        """The response with its body read (capped). With `check=False` an error status is
        returned at once rather than retried and raised."""
        reply = await self._exchange(
            method, url, params=params, headers=headers, auth=auth, json=json, data=data,
            check=check,
        )
        kept = [(k, v) for k, v in reply.headers.multi_items() if k.lower() not in _DROP_HEADERS]
        return httpx.Response(reply.status, headers=kept, content=reply.body, request=reply.request)

    # -- the exchange, with retries ---------------------------------------------------------

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        auth: Auth,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        check: bool = True,
    ) -> _Reply:
        secrets = _secrets_in(headers, auth)
        policy = self.policy
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                reply = await self._attempt(method, url, params, headers, auth, json, data)
            except (TimeoutError, httpx.TimeoutException):
                error = SourceError(f"timed out after {format_seconds(policy.timeout)}")
                retryable = True
            except httpx.ConnectError as exc:
                error = SourceError(f"cannot connect to {_where(url)}: {_reason(exc)}")
                retryable = True
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                error = SourceError(f"connection to {_where(url)} failed: {_reason(exc)}")
                retryable = True
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise SourceError(
                    _redact(f"request to {_where(url)} failed: {_reason(exc)}", secrets)
                ) from None
            except (ValueError, TypeError) as exc:  # e.g. a secret that is not ASCII
                raise SourceError(
                    _redact(f"cannot send the request: {type(exc).__name__}", secrets)
                ) from None
            else:
                if reply.status < 300 or not check:
                    return reply
                error, retryable, retry_after = self._status_error(reply, secrets)
            if not retryable or attempt >= policy.max_retries:
                raise _redacted(error, secrets)
            delay = retry_after if retry_after is not None else policy.backoff(attempt, self._rng)
            if delay > policy.max_retry_wait:
                raise _redacted(error, secrets)
            attempt += 1
            await self._sleep(delay)

    async def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        auth: Auth,
        json: Any,
        data: Mapping[str, Any] | None,
    ) -> _Reply:
        cap = self.policy.max_body_bytes
        timeout = self.policy.timeout
        # httpx's timeout is per operation (each read); this bounds the whole attempt, so a
        # server dripping bytes cannot hold a poll forever.
        async with (
            asyncio.timeout(timeout),
            self._client.stream(
                method, url, params=params, headers=headers, auth=_httpx_auth(auth),
                json=json, data=data, timeout=httpx.Timeout(timeout),
            ) as resp,
        ):
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise SourceError(f"response over {format_mib(cap)}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise SourceError(f"response over {format_mib(cap)}")
                chunks.append(chunk)
            return _Reply(resp.status_code, resp.reason_phrase, resp.headers, b"".join(chunks),
                          resp.request)

    def _status_error(
        self, reply: _Reply, secrets: list[str]
    ) -> tuple[SourceError, bool, float | None]:
        """The error for a non-2xx reply, whether to retry it, and how long to wait first."""
        body = _loose_json(reply.body)
        text = reply.body[:400].decode("utf-8", "replace")
        try:
            detail = self._hook(reply.status, reply.headers, body, text)
        except Exception:  # a hook must never turn an HTTP error into a crash
            detail = None
        detail = detail or ErrorDetail(reply.reason or "error")
        now = response_date(reply.headers.get("date"))
        retry_after = parse_retry_after(
            reply.headers.get("retry-after"), now if now is not None else self._clock.now()
        )
        if retry_after is None:
            retry_after = detail.retry_after
        stripe_says = reply.headers.get("stripe-should-retry")
        if stripe_says is None and detail.retry is not None:
            retryable = detail.retry
        else:
            retryable = should_retry_status(reply.status, stripe_says)
        if reply.status == 429:
            wait = f"; retry after {format_seconds(retry_after)}" if retry_after is not None else ""
            message = f"rate limited by {self.service}{wait}: {detail.message}"
        else:
            message = f"HTTP {reply.status} from {self.service}: {detail.message}"
        error = SourceError(_redact(message, secrets), retry_after, status=reply.status)
        return error, retryable, retry_after

    async def _decode(self, reply: _Reply, shape: Any) -> Any:
        body = reply.body
        ctype = reply.headers.get("content-type", "")
        if not body.strip():
            raise SourceError(f"empty response from {self.service} (expected JSON)")
        if "json" not in ctype.lower() and body.lstrip()[:1] not in (b"{", b"["):
            snippet = one_line(body[:80].decode("utf-8", "replace"), 80)
            raise SourceError(
                f"expected JSON from {self.service}, got {ctype or 'no content type'}: "
                f'"{snippet}"'
            )
        if len(body) <= self.policy.inline_decode_bytes:
            return unwrap(decode_outcome(body, shape))
        loop = asyncio.get_running_loop()
        try:
            pool = await self._pool.ready()
            outcome = await loop.run_in_executor(pool, decode_outcome, body, shape)
        except BrokenProcessPool:
            self._pool.discard_broken()
            raise SourceError("the JSON decoder process died; will retry next poll") from None
        return unwrap(outcome)


def _httpx_auth(auth: Auth) -> httpx.Auth | None:
    if auth is None:
        return None  # the shared client carries no auth of its own
    if isinstance(auth, tuple):
        return httpx.BasicAuth(*auth)
    return auth


def _loose_json(body: bytes) -> Any:
    """An error body decoded if it is small JSON, else None."""
    if not body or len(body) > _ERROR_BODY_DECODE_LIMIT:
        return None
    kind, value = decode_outcome(body)
    return value if kind == "ok" else None


def _where(url: str) -> str:
    """host:port of a URL, never its user info or query (which may hold secrets)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return "the server"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host}{port}" if parsed.host else "the server"


def _reason(exc: Exception) -> str:
    text = one_line(str(exc), 120)
    return text or type(exc).__name__


def _secrets_in(headers: Mapping[str, str] | None, auth: Auth) -> list[str]:
    found: list[str] = []
    for key, value in (headers or {}).items():
        if key.lower() in ("authorization", "api-key", "x-api-key", "dd-api-key",
                           "dd-application-key"):
            parts = value.split()
            credential = parts[-1] if len(parts) == 2 else value  # "Bearer <token>"
            if len(credential) >= 4:
                found.append(credential)
    if isinstance(auth, tuple) and len(auth[1]) >= 4:
        found.append(auth[1])
    return found


def _redacted(error: SourceError, secrets: list[str]) -> SourceError:
    clean = _redact(error.message, secrets)
    if clean == error.message:
        return error
    return SourceError(clean, error.retry_after, status=error.status)


def _redact(message: str, secrets: list[str]) -> str:
    for secret in secrets:
        message = message.replace(secret, "***")
    return message
