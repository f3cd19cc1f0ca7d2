"""Datadog API wire types (msgspec), the site's API host, its error shape, and reading points.

Kept apart from the connector so a decode worker process imports only this and msgspec.
v1 `/api/v1/query` takes seconds and answers milliseconds: `pointlist` is `[[ms, value|null]]`
with float timestamps. v2 `/api/v2/query/timeseries` takes and answers milliseconds: `times`
and, per series, `values` aligned with them, `null` for a gap. Monitors come as a bare array.
Errors are `{"errors": ["..."]}`; a 429 carries `X-RateLimit-Reset`, the seconds until the
period ends (not an epoch).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from noc_board.sources.base import one_line
from noc_board.sources.error_shapes import ErrorDetail, generic_error

DEFAULT_SITE = "datadoghq.com"
SITES = (
    "datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com", "datadoghq.eu",
    "ap1.datadoghq.com", "ap2.datadoghq.com", "uk1.datadoghq.com", "ddog-gov.com",
    "us2.ddog-gov.com",
)
_SITE_ALIASES = {"us1": "datadoghq.com", "us": "datadoghq.com", "us3": "us3.datadoghq.com",
                 "us5": "us5.datadoghq.com", "eu": "datadoghq.eu", "eu1": "datadoghq.eu",
                 "ap1": "ap1.datadoghq.com", "ap2": "ap2.datadoghq.com",
                 "uk1": "uk1.datadoghq.com", "us1-fed": "ddog-gov.com", "gov": "ddog-gov.com",
                 "us2-fed": "us2.ddog-gov.com"}
# Monitor `overall_state` -> how bad it is (the order a wallboard sorts by).
STATE_RANK = {"OK": 0, "Ignored": 0, "Skipped": 0, "Warn": 1, "No Data": 2, "Unknown": 2,
              "Alert": 3}


def site_host(site: str) -> str | None:
    """The canonical site for `site` ("EU", "us5", "app.datadoghq.eu", ...), or None."""
    text = site.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    text = _SITE_ALIASES.get(text, text)
    for prefix in ("api.", "app."):
        text = text.removeprefix(prefix)
    return text if text in SITES else None


def api_base(url: str, site: str) -> tuple[str, str | None]:
    """(API base URL, note) from the source's `url` or, when it is empty, its `site`.

    A Datadog web address (https://app.datadoghq.eu, https://us5.datadoghq.com) becomes its API
    host; any other URL (a proxy, the demo server) is used as it is. The note says why a `site`
    was not used, or that it was not recognised.
    """
    given = url.strip().rstrip("/")
    if given:
        scheme, _, rest = given.partition("://")
        host = rest.split("/", 1)[0] if rest else ""
        known = site_host(host) if scheme == "https" and "/" not in rest else None
        base = f"https://api.{known}" if known else given
        note = None
        if site.strip() and (known is None or known != site_host(site)):
            note = f"site {one_line(site, 40)!r} ignored: url {base} is set"
        return base, note
    if not site.strip():
        return f"https://api.{DEFAULT_SITE}", None
    known = site_host(site)
    if known is None:
        return f"https://api.{DEFAULT_SITE}", (
            f"unknown Datadog site {one_line(site, 40)!r}; known: {', '.join(SITES)}")
    return f"https://api.{known}", None


# -- v1 /api/v1/query -------------------------------------------------------------------------

class V1Series(msgspec.Struct):
    """One series of a v1 query: `pointlist` is [[ms, value or null], ...]."""

    pointlist: list[tuple[float, float | None]] = []
    scope: str = ""
    tag_set: list[str] = []
    metric: str = ""
    expression: str = ""


class V1Reply(msgspec.Struct):
    """The v1 query answer; some errors come in a 200 as `status: "error"` with `error`."""

    status: str = "ok"
    error: str | None = None
    series: list[V1Series] = []
    message: str | None = None


# -- v2 /api/v2/query/timeseries --------------------------------------------------------------

class V2Series(msgspec.Struct):
    """A series header: which query it answers and its group's tags."""

    query_index: int = 0
    group_tags: list[str] = []


class V2Attributes(msgspec.Struct):
    """`times` in ms; `values[i]` belongs to `series[i]` and is aligned with `times`."""

    series: list[V2Series] = []
    times: list[float] = []
    values: list[list[float | None]] = []


class V2Data(msgspec.Struct):
    """The `data` member of a timeseries response."""

    attributes: V2Attributes = msgspec.field(default_factory=V2Attributes)
    type: str = "timeseries_response"


class V2Reply(msgspec.Struct):
    """The timeseries answer; `errors` is a string of partial errors (or absent)."""

    data: V2Data | None = None
    errors: str | list[str] | None = None


# -- monitors ---------------------------------------------------------------------------------

class Monitor(msgspec.Struct):
    """The fields of a monitor the board reads; `overall_state` is title case, "No Data" too."""

    id: int = 0
    name: str = ""
    overall_state: str = "Unknown"
    tags: list[str] = []


# -- reading ----------------------------------------------------------------------------------

Point = tuple[float, float]  # (seconds, value)


def last_point(points: Sequence[tuple[float, float | None]], scale: float) -> Point | None:
    """(seconds, value) of the last point that has a value; timestamps times `scale` -> s."""
    for ts, value in reversed(points):
        if value is not None and math.isfinite(float(value)):
            return float(ts) * scale, float(value)
    return None


def v2_points(attributes: V2Attributes, index: int) -> list[tuple[float, float | None]]:
    """The (ms, value) pairs of series `index`; ValueError when values and times disagree."""
    values = attributes.values[index] if index < len(attributes.values) else []
    if len(values) != len(attributes.times):
        raise ValueError(f"series {index} has {len(values)} values for "
                         f"{len(attributes.times)} times")
    return list(zip(attributes.times, values, strict=True))


def group_label(tags: Sequence[str], fallback: str) -> str:
    """A row label for a group: its tags joined, or `fallback` for the whole scope."""
    return one_line(",".join(tags), 80) if tags else fallback


# -- errors -----------------------------------------------------------------------------------

def _header_number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers.get(name, "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def datadog_error(
    status: int, headers: Mapping[str, str], body: Any, text: str
) -> ErrorDetail | None:
    """`{"errors": [...]}` joined; a 429 waits `X-RateLimit-Reset` seconds; 403 names the keys."""
    message = None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            parts = [one_line(str(e), 160) for e in errors if isinstance(e, str) and e.strip()]
            message = "; ".join(parts[:3]) or None
        elif isinstance(errors, str) and errors.strip():
            message = one_line(errors, 160)
    if message is None:
        detail = generic_error(status, headers, body, text)
        message = detail.message if detail else None
    if status == 429:
        reset = _header_number(headers, "x-ratelimit-reset")
        limit = headers.get("x-ratelimit-limit", "").strip()
        period = headers.get("x-ratelimit-period", "").strip()
        bucket = one_line(headers.get("x-ratelimit-name", ""), 40)
        quota = f"{limit} requests per {period}s" if limit.isdigit() and period.isdigit() else ""
        if bucket:
            quota = f"{quota} ({bucket})" if quota else f"bucket {bucket}"
        line = message or "Too many requests"
        return ErrorDetail(f"{line}; limit {quota}" if quota else line, retry_after=reset)
    if status == 403:
        line = message or "Forbidden"
        return ErrorDetail(f"{line} (check the API key, the application key, and the site: "
                           "keys work only on their own site)")
    return ErrorDetail(message) if message else None
