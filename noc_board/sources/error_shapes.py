"""Per-service error extraction: turn an error response into one specific, human line.

Each hook gets the status, the response headers, the decoded JSON body (or None when the body
was not JSON) and the start of the body as text, and returns an `ErrorDetail` or None to fall
back to the generic message. Hooks never raise: the bodies they read may be anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from noc_board.sources.base import one_line


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """What a service said went wrong.

    `retry_after` is a wait the body asked for (Google `RetryInfo`); `retry` overrides the
    request policy's decision to retry (None leaves it alone).
    """

    message: str
    retry_after: float | None = None
    retry: bool | None = None


ErrorHook = Callable[[int, Mapping[str, str], Any, str], "ErrorDetail | None"]

_GOOGLE_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
# An hour-based quota cannot come back sooner than this; polling faster only burns requests.
GOOGLE_QUOTA_WAIT = 60.0


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def generic_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """Common shapes: `{"error": "..."}`, `{"message": "..."}`, a JSON string, short plain text."""
    if isinstance(body, dict):
        for key in ("error", "message", "detail"):
            message = _text(body.get(key))
            if message:
                return ErrorDetail(message)
    if _text(body):
        return ErrorDetail(str(body))
    ctype = headers.get("content-type", "")
    if text.strip() and ctype.startswith("text/plain"):
        return ErrorDetail(one_line(text, 120))
    return None


def prometheus_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """Prometheus: `{"status":"error","errorType":..,"error":..}`; 503 plain text while starting."""
    if isinstance(body, dict) and _text(body.get("error")):
        kind = _text(body.get("errorType"))
        message = str(body["error"])
        return ErrorDetail(f"{kind}: {message}" if kind else message)
    if status == 503:
        stopping = headers.get("x-prometheus-stopping", "").lower() == "true"
        return ErrorDetail(
            "Service Unavailable (server stopping)"
            if stopping
            else "Service Unavailable (server starting?)"
        )
    return generic_error(status, headers, body, text)


def stripe_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """Stripe: `{"error":{"type":..,"code":..,"message":..}}`; 400 `code: rate_limit` is a 429."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return generic_error(status, headers, body, text)
    message = _text(error.get("message")) or _text(error.get("type")) or "error"
    code = _text(error.get("code"))
    if code and code not in message:
        message = f"{message} ({code})"
    retry = True if code in ("rate_limit", "lock_timeout") else None
    return ErrorDetail(message, retry=retry)


def _google_retry_delay(details: Any) -> float | None:
    if not isinstance(details, list):
        return None
    for item in details:
        if isinstance(item, dict) and str(item.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _GOOGLE_DELAY.match(str(item.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def google_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """Google APIs: `{"error":{"code":403,"message":..,"status":"PERMISSION_DENIED","details":[]}}`.

    RESOURCE_EXHAUSTED means a quota ran out (hourly or daily): not retried at once, and the
    caller is asked to wait the `RetryInfo` delay or a minute.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return generic_error(status, headers, body, text)
    kind = _text(error.get("status"))
    message = _text(error.get("message")) or "error"
    line = f"{kind}: {message}" if kind else message
    delay = _google_retry_delay(error.get("details"))
    if kind == "RESOURCE_EXHAUSTED" or status == 429:
        wait = delay if delay is not None else GOOGLE_QUOTA_WAIT
        return ErrorDetail(line, retry_after=wait, retry=delay is not None and delay <= 30.0)
    return ErrorDetail(line, retry_after=delay)
