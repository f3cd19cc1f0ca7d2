"""The request policy: timeouts, retries with full-jitter backoff, `Retry-After`, body cap.

Pure arithmetic, no I/O: `HttpFetcher` (in `http`) applies it, and tests check it directly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Literal

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RequestPolicy:
    """How one source's requests behave.

    `timeout` bounds one attempt from connect to the last byte; a failed attempt is retried up
    to `max_retries` times after `uniform(0, min(backoff_cap, backoff_base * 2**n))` seconds
    (AWS "full jitter"), or after the server's `Retry-After` when it sent one. A `Retry-After`
    longer than `max_retry_wait` is not waited for inside a poll: the error carries it to the
    scheduler instead. Bodies over `max_body_bytes` are cut off; bodies over `inline_decode_bytes`
    are decoded in a worker process.
    """

    timeout: float = 10.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_wait: float = 30.0
    max_body_bytes: int = 20 * MIB
    inline_decode_bytes: int = 1 * MIB

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.max_retries < 0 or self.max_body_bytes <= 0:
            raise ValueError("timeout and max_body_bytes must be positive, max_retries >= 0")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The jittered wait before retry number `attempt + 1` (attempt counts from 0)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2.0 ** min(attempt, 62)))
        return rng.uniform(0.0, ceiling)


def format_seconds(seconds: float) -> str:
    """`10s`, `0.5s`, `2.25s`: short and without float noise."""
    return f"{round(seconds, 2):g}s"


def format_mib(size: int) -> str:
    """A body size the way people say it: `20 MiB`, `1.5 MiB`, `64 KiB`, `900 bytes`."""
    if size >= MIB:
        return f"{round(size / MIB, 2):g} MiB"
    if size >= 1024:
        return f"{round(size / 1024, 1):g} KiB"
    return f"{size} bytes"


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP-date.

    `now` is the reference time for a date (the response's `Date` header when it has one, so
    clock skew between us and the server does not matter). Returns None when absent or invalid;
    never negative.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


def response_date(value: str | None) -> float | None:
    """Unix seconds of an HTTP `Date` header, or None."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.timestamp() if when.tzinfo is not None else None


def should_retry_status(status: int, stripe_should_retry: str | None) -> bool:
    """Whether an HTTP status is worth another attempt.

    5xx and 429 are; Stripe's `Stripe-Should-Retry` header overrides in both directions
    (stripe-python obeys it first, and so do we).
    """
    verdict: Literal["true", "false"] | None = None
    if stripe_should_retry is not None:
        lowered = stripe_should_retry.strip().lower()
        if lowered in ("true", "false"):
            verdict = "true" if lowered == "true" else "false"
    if verdict == "false":
        return False
    if verdict == "true":
        return True
    return status == 429 or status >= 500


def policy_for(base: RequestPolicy, timeout: float, max_body_mb: float) -> RequestPolicy:
    """`base` with one source's configured timeout and body cap."""
    return replace(base, timeout=timeout, max_body_bytes=max(1, int(max_body_mb * MIB)))
