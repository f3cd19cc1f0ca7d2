"""The demo server's Datadog face: metric queries (v1 and v2) and monitors, with rate limits.

Wire format as in shared/reference/api-facts.md section 6: `GET /api/v1/query?from=&to=` in
seconds answering `pointlist` in milliseconds, `POST /api/v2/query/timeseries` in milliseconds
answering `times` and `values` aligned, `null` where the simulator has no number (a service
that is down has no latency), `GET /api/v1/monitor` as a bare array (paged when `page` is
given) with `overall_state` among OK, Warn, Alert and "No Data". Both `DD-API-KEY` and
`DD-APPLICATION-KEY` are required (403 `{"errors": ["Forbidden"]}` otherwise); every answer
carries the `X-RateLimit-*` headers of its bucket and a spent bucket answers 429. While the
`datadog` source is down every call answers 503.

`/api/v1/query` is also Prometheus' path: a request is Datadog's when it carries a Datadog key
header or a `from` parameter. Queries are a slice of the query language:
`avg|sum|min|max:<metric>{<scope>}[ by {<tag>,...}]`, the scope `*` or `tag:value,...`.
Metrics: `system.load.1` and `system.cpu.user` (tag `host`), and every gauge of the
Prometheus catalogue with dots for underscores, e.g. `marketplace.latency.p95.seconds`
(tags `service` or `host`).
"""

from __future__ import annotations

import json
import math
import re
import threading
from typing import Any

import numpy as np

from noc_board.core.clock import Clock
from noc_board.demo.datadog_monitors import monitors_at
from noc_board.demo.metrics import GAUGE_NAMES, Catalogue
from noc_board.demo.noise import FloatArray
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.wire import Request, Response, json_response

CORES = 4  # per host: load = busy share x cores
RATE_LIMITS = {"query": (3000, 3600), "monitor": (3000, 3600)}  # bucket -> (limit, period s)
_QUERY = re.compile(r"\s*(avg|sum|min|max):([A-Za-z][\w.]*)\{([^{}]*)\}"
                    r"(?:\s*by\s*\{([^{}]*)\})?\s*")
_SCOPE_ITEM = re.compile(r"[\w.\-/]+:[\w.\-/]+")
Tagged = list[tuple[list[str], FloatArray]]  # (tags, values at the times)


class DatadogError(Exception):
    """An error answer in Datadog's `{"errors": [...]}` shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class DatadogApi:
    """Answers Datadog API requests from the simulator at the clock's time."""

    def __init__(self, sim: MarketSimulator, clock: Clock) -> None:
        self._sim = sim
        self._clock = clock
        self._catalogue = Catalogue(sim)
        self._lock = threading.Lock()
        self._spent: dict[tuple[str, int], int] = {}  # (bucket, period index) -> requests

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the request is not a Datadog one."""
        bucket = self._bucket(req)
        if bucket is None:
            return None
        now = self._clock.now()
        limits = self._charge(bucket, now)
        try:
            if limits["X-RateLimit-Remaining"] == "-1":
                limits["X-RateLimit-Remaining"] = "0"
                raise DatadogError(429, "Too many requests")
            if not req.headers.get("dd-api-key") or not req.headers.get("dd-application-key"):
                raise DatadogError(403, "Forbidden")
            if self._sim.source_down("datadog", now):
                raise DatadogError(503, "Service Unavailable")
            if req.path == "/api/v1/monitor":
                payload: Any = self._monitors(req, now)
            elif req.path == "/api/v1/query":
                payload = self._v1(req, now)
            else:
                payload = self._v2(req, now)
        except DatadogError as exc:
            return json_response(exc.status, {"errors": [str(exc)]}, limits)
        return json_response(200, payload, limits)

    @staticmethod
    def _bucket(req: Request) -> str | None:
        if req.path == "/api/v1/monitor":
            return "monitor" if req.method == "GET" else None
        if req.path == "/api/v2/query/timeseries":
            return "query" if req.method == "POST" else None
        if req.path == "/api/v1/query" and req.method == "GET" and (
                "dd-api-key" in req.headers or "dd-application-key" in req.headers
                or req.param("from") is not None):
            return "query"
        return None

    def _charge(self, bucket: str, now: float) -> dict[str, str]:
        """Count the request; the rate-limit headers (Remaining -1 when over the limit)."""
        limit, period = RATE_LIMITS[bucket]
        index = int(now // period)
        with self._lock:
            used = self._spent.get((bucket, index), 0) + 1
            self._spent = {k: v for k, v in self._spent.items() if k[1] == index}
            self._spent[(bucket, index)] = used
        reset = max(1, math.ceil((index + 1) * period - now))
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Period": str(period),
                "X-RateLimit-Remaining": str(max(-1, limit - used)),
                "X-RateLimit-Reset": str(reset), "X-RateLimit-Name": f"metrics_{bucket}"}

    # -- metric queries --------------------------------------------------------------------

    def _v1(self, req: Request, now: float) -> dict[str, Any]:
        start = _number(req.param("from"), "from")
        end = _number(req.param("to"), "to")
        query = req.param("query") or ""
        if end <= start:
            raise DatadogError(400, "The 'to' time must be after the 'from' time")
        interval = _interval(end - start)
        stamps = _stamps(start, min(end, now), interval, inclusive=True)
        series = []
        for tags, values in self._evaluate(query, stamps):
            points = [[ms, _value(v)] for ms, v in zip((stamps * 1000).tolist(),
                                                       values.tolist(), strict=True)]
            scope = ",".join([*_scope(query), *tags]) or "*"
            series.append({
                "metric": query.split(":", 1)[1].split("{", 1)[0], "display_name": query,
                "expression": query, "scope": scope, "tag_set": tags, "aggr": query.split(":")[0],
                "query_index": 0, "start": points[0][0] if points else start * 1000,
                "end": points[-1][0] if points else end * 1000, "interval": interval,
                "length": len(points), "pointlist": points, "unit": [None, None]})
        return {"status": "ok", "res_type": "time_series", "resp_version": 1, "query": query,
                "message": "", "error": "", "from_date": int(start * 1000),
                "to_date": int(end * 1000), "group_by": _group_by(query), "series": series}

    def _v2(self, req: Request, now: float) -> dict[str, Any]:
        try:
            body = json.loads(req.body or b"null")
            attributes = body["data"]["attributes"]
            if body["data"].get("type") != "timeseries_request":
                raise DatadogError(400, "data.type must be timeseries_request")
            start = _number(attributes["from"], "from") / 1000
            end = _number(attributes["to"], "to") / 1000
            queries = attributes["queries"]
            if not isinstance(queries, list) or not queries:
                raise DatadogError(400, "data.attributes.queries: give at least one query")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise DatadogError(400, "Invalid request body: expected {\"data\": {\"type\": "
                               "\"timeseries_request\", \"attributes\": {\"from\", \"to\", "
                               "\"queries\"}}}") from None
        if attributes.get("formulas"):
            raise DatadogError(400, "the demo server evaluates queries without formulas")
        if end <= start:
            raise DatadogError(400, "'to' must be after 'from'")
        asked = attributes.get("interval")
        interval = (max(1, int(_number(asked, "interval") / 1000)) if asked is not None
                    else _interval(end - start))
        stamps = _stamps(start, min(end, now), interval, inclusive=False)
        series: list[dict[str, Any]] = []
        values: list[list[float | None]] = []
        for index, item in enumerate(queries):
            if not isinstance(item, dict) or item.get("data_source") != "metrics":
                raise DatadogError(400, f"queries[{index}]: data_source must be metrics")
            for tags, found in self._evaluate(str(item.get("query", "")), stamps):
                series.append({"group_tags": tags, "query_index": index, "unit": None})
                values.append([_value(v) for v in found.tolist()])
        return {"data": {"type": "timeseries_response", "id": "0", "attributes": {
            "series": series, "times": [int(ms) for ms in (stamps * 1000).tolist()],
            "values": values}}}

    def _evaluate(self, query: str, stamps: FloatArray) -> Tagged:
        m = _QUERY.fullmatch(query)
        if m is None:
            raise DatadogError(400, f"Error parsing query: unable to parse {query[:80]}: "
                               "the demo server reads avg|sum|min|max:metric{scope} [by {tag}]")
        how, metric, scope, by = m.groups()
        wanted = [s.strip() for s in scope.split(",") if s.strip() and s.strip() != "*"]
        for item in wanted:
            if not _SCOPE_ITEM.fullmatch(item):
                raise DatadogError(400, f"Error parsing query: bad scope item {item[:40]!r}")
        keys = [k.strip() for k in (by or "").split(",") if k.strip()]
        found = [(tags, v) for tags, v in self._series(metric, stamps)
                 if all(item in tags for item in wanted)]
        if not found or not stamps.size:
            return []
        groups: dict[tuple[str, ...], list[FloatArray]] = {}
        for tags, values in found:
            key = tuple(next((t for t in tags if t.startswith(f"{k}:")), f"{k}:N/A")
                        for k in keys)
            groups.setdefault(key, []).append(values)
        out: Tagged = []
        for key, members in sorted(groups.items()):
            out.append((list(key), _aggregate(how, np.stack(members))))
        return out

    def _series(self, metric: str, stamps: FloatArray) -> Tagged:
        if not stamps.size:
            return []
        if metric in ("system.load.1", "system.cpu.user"):
            scale = CORES if metric == "system.load.1" else 100.0
            frame = self._sim.frame(stamps)
            return [(["env:demo", f"host:{host}"], values * scale)
                    for host, values in frame.cpu.items()]
        name = metric.replace(".", "_")
        if name not in GAUGE_NAMES:
            return []
        return [(["env:demo", *(f"{'host' if k == 'instance' else k}:{v}"
                                for k, v in sorted(labels.items()))], values)
                for labels, values in self._catalogue.series(name, stamps)]

    # -- monitors --------------------------------------------------------------------------

    def _monitors(self, req: Request, now: float) -> list[dict[str, Any]]:
        wanted = [t.strip() for t in (req.param("monitor_tags") or "").split(",") if t.strip()]
        name = (req.param("name") or "").lower()
        found = [m for m in monitors_at(self._sim, now, CORES)
                 if all(t in m["tags"] for t in wanted) and name in m["name"].lower()]
        page = req.param("page")
        if page is None:
            return found
        size = int(_number(req.param("page_size") or "100", "page_size"))
        number = int(_number(page, "page"))
        if size < 1 or size > 1000 or number < 0:
            raise DatadogError(400, "page must be >= 0 and page_size between 1 and 1000")
        return found[number * size:(number + 1) * size]


def _aggregate(how: str, stacked: FloatArray) -> FloatArray:
    """Across series, skipping missing points; all missing stays missing (no warnings)."""
    if how == "max":
        result: FloatArray = np.fmax.reduce(stacked, axis=0)
        return result
    if how == "min":
        result = np.fmin.reduce(stacked, axis=0)
        return result
    present = ~np.isnan(stacked)
    count = present.sum(axis=0)
    total = np.where(present, stacked, 0.0).sum(axis=0)
    if how == "avg":
        total = total / np.maximum(count, 1)
    result = np.where(count > 0, total, np.nan)
    return result


def _number(value: object, name: str) -> float:
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise DatadogError(400, f"Invalid value for '{name}': {str(value)[:40]!r}")
    return number


def _interval(span: float) -> int:
    """Seconds per point: 20 s up to 100 minutes, then whatever keeps it under 300 points."""
    return max(20, math.ceil(span / 300 / 20) * 20)


def _stamps(start: float, end: float, interval: int, inclusive: bool) -> FloatArray:
    first = math.ceil(start / interval) * interval
    last = end if inclusive else end - 1e-9
    result: FloatArray = np.arange(first, last + 1e-9, interval, dtype=np.float64)
    return result


def _value(v: float) -> float | None:
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def _scope(query: str) -> list[str]:
    m = _QUERY.fullmatch(query)
    return [t.strip() for t in m.group(3).split(",") if t.strip() not in ("", "*")] if m else []


def _group_by(query: str) -> list[str]:
    m = _QUERY.fullmatch(query)
    return [k.strip() for k in (m.group(4) or "").split(",") if k.strip()] if m else []
