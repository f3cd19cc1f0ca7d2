"""The demo server's Prometheus face: the HTTP API v1 query endpoints, readiness, /metrics.

Wire format as in shared/reference/api-facts.md section 1: values are strings ("NaN", "+Inf"),
timestamps are seconds with at most three decimals and an int when the milliseconds are 0,
errors are `{"status":"error","errorType":"bad_data",...}` with 400, a range over 11,000 points
or with a step <= 0 is refused, and while the `prometheus` source is down every /api/v1 call and
/-/ready answer 503 with a plain-text body, as a starting or stopping Prometheus does.
Series carry `job="marketplace"` and an `instance` label, as a scrape would add them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from noc_board.core.clock import Clock
from noc_board.core.units import parse_duration
from noc_board.demo import promql
from noc_board.demo.metrics import Catalogue, Series, format_value
from noc_board.demo.noise import FloatArray
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.wire import Request, Response, json_response, text_response

MAX_POINTS = 11_000
LOOKBACK = 300.0  # Prometheus' default lookback delta: how far ahead of now a query may ask
JOB = "marketplace"
EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class BadData(ValueError):
    """A 400 bad_data answer."""


class PrometheusApi:
    """Answers Prometheus requests from the simulator at the clock's time."""

    def __init__(self, sim: MarketSimulator, clock: Clock, instance: str) -> None:
        self._sim = sim
        self._clock = clock
        self._instance = instance
        self.catalogue = Catalogue(sim)

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the path is not a Prometheus one."""
        path = req.path
        if path == "/metrics":
            return Response(200, self.catalogue.exposition(self._clock.now()).encode(),
                            EXPOSITION_TYPE)
        if path == "/-/healthy":
            return text_response(200, "Prometheus Server is Healthy.\n")
        if path not in ("/-/ready", "/api/v1/query", "/api/v1/query_range"):
            return None
        now = self._clock.now()
        if self._sim.source_down("prometheus", now):
            return text_response(503, "Service Unavailable",
                                 {"X-Prometheus-Stopping": "false"})
        if path == "/-/ready":
            return text_response(200, "Prometheus Server is Ready.\n")
        if req.method not in ("GET", "POST"):
            return text_response(405, "Method Not Allowed")
        try:
            data = self._instant(req, now) if path == "/api/v1/query" else self._range(req, now)
        except BadData as exc:
            return json_response(400, {"status": "error", "errorType": "bad_data",
                                       "error": str(exc), "data": None})
        return json_response(200, {"status": "success", "data": data})

    # -- queries -------------------------------------------------------------------------

    def _instant(self, req: Request, now: float) -> dict[str, Any]:
        query = _parse_query(req.param("query"))
        raw_time = req.param("time")
        at = now if raw_time in (None, "") else _time(raw_time, "time")
        ts_ms = round(at * 1000)
        result = []
        if at <= now + LOOKBACK:
            for labels, values in self._evaluate(query, np.array([min(at, now)])):
                result.append({"metric": labels, "value": [_ts(ts_ms), format_value(values[0])]})
        return {"resultType": "vector", "result": result}

    def _range(self, req: Request, now: float) -> dict[str, Any]:
        query = _parse_query(req.param("query"))
        start = _time(req.param("start") or "", "start")
        end = _time(req.param("end") or "", "end")
        step = _step(req.param("step") or "")
        if end < start:
            raise BadData('invalid parameter "end": end timestamp must not be before start time')
        if step <= 0:
            raise BadData('invalid parameter "step": zero or negative query resolution step '
                          "widths are not accepted. Try a positive integer")
        if (end - start) / step > MAX_POINTS:
            raise BadData("exceeded maximum resolution of 11,000 points per timeseries. "
                          "Try decreasing the query resolution (?step=XX)")
        start_ms, end_ms, step_ms = round(start * 1000), round(end * 1000), round(step * 1000)
        stamps = np.arange(start_ms, end_ms + 1, max(step_ms, 1), dtype=np.int64)
        stamps = stamps[stamps <= (now + LOOKBACK) * 1000]
        result: list[dict[str, Any]] = []
        if stamps.size:
            times = np.minimum(stamps / 1000.0, now)
            for labels, values in self._evaluate(query, times):
                points = [[_ts(int(ms)), format_value(v)]
                          for ms, v in zip(stamps.tolist(), values.tolist(), strict=True)]
                result.append({"metric": labels, "values": points})
        result.sort(key=lambda s: sorted(s["metric"].items()))
        return {"resultType": "matrix", "result": result}

    def _evaluate(self, query: promql.Query, times: FloatArray) -> list[Series]:
        found: list[Series] = []
        for labels, values in self.catalogue.series(query.metric, times):
            # honor_labels semantics: a series' own instance label wins over the target's
            full = {"__name__": query.metric, "job": JOB, "instance": self._instance, **labels}
            if query.matches(full):
                found.append((full, values))
        if query.aggregation is None or not found:
            return found
        stacked = np.stack([values for _, values in found])
        return [({}, promql.aggregate(query.aggregation, stacked))]


def _parse_query(expr: str | None) -> promql.Query:
    if not expr or not expr.strip():
        raise BadData('invalid parameter "query": 1:1: parse error: no expression found in input')
    try:
        return promql.parse(expr)
    except promql.Unsupported:
        raise BadData(f'invalid parameter "query": unsupported expression in the demo server: '
                      f"{expr.strip()!r} (a selector with exact matchers, perhaps in sum, avg, "
                      "max or min)") from None


def _time(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise BadData(f'invalid parameter "{name}": cannot parse "{text}" to a valid '
                          "timestamp") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    if not math.isfinite(value):
        raise BadData(f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp')
    return value


def _step(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        try:
            value = parse_duration(text)
        except ValueError:
            value = math.nan
    if not math.isfinite(value):
        raise BadData(f'invalid parameter "step": cannot parse "{text}" to a valid duration')
    return value


def _ts(ms: int) -> int | float:
    """Seconds as Prometheus writes them: an int when the milliseconds are 0."""
    return ms // 1000 if ms % 1000 == 0 else ms / 1000
