"""One HTTP probe: GET a URL and say whether it is up, and if not, exactly why.

The check resolves the host first (so a DNS failure is told apart from a refused connection),
then GETs the URL on a fresh connection within one deadline, reads up to 1 MiB of the answer
(so the response time covers the body), and reads the TLS certificate's expiry from the
connection. A certificate that fails verification is fetched again over an unverified
handshake, so its days left are still known (negative once expired). Nothing here raises:
every outcome, good or bad, is a `ProbeResult`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from noc_board.sources.base import one_line
from noc_board.sources.policy import format_seconds
from noc_board.sources.tls import days_left, peer_certificate

BODY_LIMIT = 1024 * 1024
Timer = Callable[[], float]


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one check found.

    `failure` is None when the target answered, else one of: `dns`, `refused`, `connect`,
    `timeout`, `certificate`, `tls`, `redirects`, `protocol`, `url`. An answer with the wrong
    status is `up=False` with `failure="status"`. Missing numbers are NaN.
    """

    name: str
    up: bool
    reason: str
    status: float = math.nan
    response_time: float = math.nan
    tls_days_left: float = math.nan
    failure: str | None = None
    redirects: int = 0
    final_url: str = ""


def expected_text(expect: Sequence[int]) -> str:
    return ", ".join(str(code) for code in expect) if expect else "2xx"


def status_ok(status: int, expect: Sequence[int]) -> bool:
    return status in expect if expect else 200 <= status < 300


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException) -> tuple[str, str]:
    """(failure kind, reason) of an exception raised while checking a URL."""
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or one_line(str(cause), 100)
            return "certificate", f"certificate error: {detail}"
        if isinstance(cause, ssl.SSLError):
            return "tls", f"TLS error: {cause.reason or one_line(str(cause), 100)}"
        if isinstance(cause, ConnectionRefusedError):
            return "refused", "connection refused"
        if isinstance(cause, socket.gaierror):
            return "dns", f"DNS lookup failed: {cause.strerror or cause}"
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects", "too many redirects"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return "url", f"bad URL: {one_line(str(exc), 100)}"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.DecodingError):
        return "protocol", f"bad HTTP answer: {one_line(str(exc), 100) or type(exc).__name__}"
    if isinstance(exc, httpx.ConnectError):
        return "connect", f"cannot connect: {one_line(str(exc), 100) or 'connect failed'}"
    return "connect", f"connection failed: {one_line(str(exc), 100) or type(exc).__name__}"


async def _resolve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)


async def check_url(
    client: httpx.AsyncClient,
    name: str,
    url: str,
    *,
    expect: Sequence[int] = (),
    follow_redirects: bool = True,
    limit: float = 10.0,
    now: float,
    timer: Timer,
) -> ProbeResult:
    """Check `url` once within `limit` seconds; never raises (but for cancellation)."""
    try:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise httpx.InvalidURL("needs http:// or https:// and a host")
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return ProbeResult(name, False, f"bad URL: {one_line(str(exc), 100)}", failure="url")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    started = timer()
    try:
        async with asyncio.timeout(limit):
            if not _is_ip(parsed.host):
                await _resolve(parsed.host, port)
            return await _get(client, name, parsed, expect, follow_redirects, limit,
                              started, now, timer)
    except TimeoutError:
        return ProbeResult(name, False, f"timed out after {format_seconds(limit)}",
                           failure="timeout")
    except httpx.TimeoutException as exc:
        phase = "connect " if isinstance(exc, httpx.ConnectTimeout) else ""
        return ProbeResult(name, False, f"{phase}timed out after {format_seconds(limit)}",
                           failure="timeout")
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ssl.SSLError) as exc:
        kind, reason = classify(exc)
        days = math.nan
        if kind == "certificate" and parsed.scheme == "https":
            der = await peer_certificate(parsed.host, port, min(limit, 5.0))
            days = _days(der, now)
        return ProbeResult(name, False, reason, tls_days_left=days, failure=kind)


def _days(der: bytes | None, now: float) -> float:
    if der is None:
        return math.nan
    try:
        return days_left(der, now)
    except (ValueError, IndexError, UnicodeDecodeError):
        return math.nan


def _peer_der(response: httpx.Response) -> bytes | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    ssl_object = stream.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    return der if isinstance(der, bytes) else None


async def _get(
    client: httpx.AsyncClient,
    name: str,
    url: httpx.URL,
    expect: Sequence[int],
    follow: bool,
    limit: float,
    started: float,
    now: float,
    timer: Timer,
) -> ProbeResult:
    async with client.stream(
        "GET", url, follow_redirects=follow, timeout=httpx.Timeout(limit),
        headers={"Cache-Control": "no-cache"},
    ) as response:
        der = _peer_der(response) if response.url.scheme == "https" else None
        size = 0
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size >= BODY_LIMIT:
                break
    elapsed = max(0.0, timer() - started)
    status = response.status_code
    hops = len(response.history)
    final = str(response.url)
    ok = status_ok(status, expect)
    if ok:
        reason = f"ok after {hops} redirect{'s' * (hops != 1)} to {final}" if hops else "ok"
    else:
        reason = f"HTTP {status} (expected {expected_text(expect)})"
        location = response.headers.get("location")
        if response.is_redirect and location:
            reason = f"HTTP {status} redirect to {one_line(location, 100)} " \
                     f"(expected {expected_text(expect)})"
    return ProbeResult(
        name, ok, reason, float(status), elapsed, _days(der, now),
        None if ok else "status", hops, final,
    )
