"""A fake Datadog API: v1 metric queries, v2 timeseries, monitors, keys and rate limits.

`series` maps a metric query to its series: (tags, [(ms, value or None), ...]). v1 answers
`pointlist`s, v2 puts every series of every query on one `times` axis with `null` where a
series has no point. Queries in `bad_queries` are refused with 400 `{"errors": [...]}`; in
`status_errors` they come back in a 200 with `status: "error"`. Monitors page 0-based with
`page_size`, filtered by `monitor_tags`. Every answer carries `X-RateLimit-*` headers; once
`limit` requests are spent it answers 429 with `X-RateLimit-Reset: reset`. `errors` holds
replies to serve before anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.engine.fakes.loopback import Reply, Request, json_reply

Points = list[tuple[float, float | None]]


def monitor(mid: int, name: str, state: str, *tags: str) -> dict[str, Any]:
    """A monitor as `GET /api/v1/monitor` lists it."""
    return {"id": mid, "name": name, "type": "query alert", "query": "avg(last_5m):x > 1",
            "message": "", "tags": list(tags), "overall_state": state, "options": {},
            "priority": None, "created": "2025-11-03T09:12:44.000000+00:00", "multi": False,
            "creator": {"handle": "noc@example.com"}, "matching_downtimes": []}


def dd_error(status: int, *messages: str, **headers: str) -> Reply:
    return json_reply({"errors": list(messages)}, status, **headers)


@dataclass
class FakeDatadog:
    """A Datadog organisation holding `series` and `monitors`."""

    api_key: str = "dd-api-0123456789"
    app_key: str = "dd-app-abcdef012345"
    series: dict[str, list[tuple[list[str], Points]]] = field(default_factory=dict)
    monitors: list[dict[str, Any]] = field(default_factory=list)
    bad_queries: set[str] = field(default_factory=set)
    status_errors: dict[str, str] = field(default_factory=dict)
    partial: str = ""
    limit: int = 1600
    period: int = 3600
    reset: int = 1200
    errors: list[Reply] = field(default_factory=list)
    spent: int = 0

    def __call__(self, request: Request) -> Reply:
        if self.errors:
            return self.errors.pop(0)
        self.spent += 1
        headers = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Period": str(self.period),
                   "X-RateLimit-Remaining": str(max(0, self.limit - self.spent)),
                   "X-RateLimit-Reset": str(self.reset), "X-RateLimit-Name": "query"}
        if self.spent > self.limit:
            return dd_error(429, "Too many requests", **headers)
        if (request.headers.get("dd-api-key") != self.api_key
                or request.headers.get("dd-application-key") != self.app_key):
            return dd_error(403, "Forbidden", **headers)
        route = (request.method, request.path)
        if route == ("GET", "/api/v1/query"):
            reply = self._v1(request.params())
        elif route == ("POST", "/api/v2/query/timeseries"):
            reply = self._v2(request.json())
        elif route == ("GET", "/api/v1/monitor"):
            reply = self._monitors(request.params())
        else:
            reply = dd_error(404, "Not found")
        reply.headers.update(headers)
        return reply

    def _v1(self, params: dict[str, str]) -> Reply:
        query = params.get("query", "")
        if not params.get("from", "").isdigit() or not params.get("to", "").isdigit():
            return dd_error(400, "Invalid value for 'from' or 'to': unix seconds expected")
        if query in self.bad_queries:
            return dd_error(400, f"Error parsing query: unable to parse {query}")
        if query in self.status_errors:
            return json_reply({"status": "error", "error": self.status_errors[query],
                               "series": [], "res_type": "time_series", "query": query})
        series = [{"metric": query, "scope": ",".join(tags) or "*", "tag_set": tags,
                   "pointlist": [list(p) for p in points], "length": len(points),
                   "unit": [None, None]}
                  for tags, points in self.series.get(query, [])]
        return json_reply({"status": "ok", "res_type": "time_series", "resp_version": 1,
                           "query": query, "message": "", "error": "",
                           "from_date": int(params["from"]) * 1000,
                           "to_date": int(params["to"]) * 1000, "series": series})

    def _v2(self, body: dict[str, Any]) -> Reply:
        attributes = body["data"]["attributes"]
        if body["data"]["type"] != "timeseries_request" or not isinstance(attributes["from"], int):
            return dd_error(400, "invalid request")
        queries = [q["query"] for q in attributes["queries"]]
        bad = [q for q in queries if q in self.bad_queries]
        if bad:
            return dd_error(400, f"Error parsing query: unable to parse {bad[0]}")
        found = [(i, tags, dict(points)) for i, q in enumerate(queries)
                 for tags, points in self.series.get(q, [])]
        times = sorted({ms for _, _, points in found for ms in points})
        return json_reply({
            "data": {"type": "timeseries_response", "id": "0", "attributes": {
                "series": [{"group_tags": tags, "query_index": i, "unit": None}
                           for i, tags, _ in found],
                "times": times,
                "values": [[points.get(ms) for ms in times] for _, _, points in found]}},
            "errors": self.partial,
        })

    def _monitors(self, params: dict[str, str]) -> Reply:
        wanted = [t for t in params.get("monitor_tags", "").split(",") if t]
        found = [m for m in self.monitors if all(t in m["tags"] for t in wanted)]
        if "page" in params:
            size = int(params.get("page_size", "100"))
            page = int(params["page"])
            found = found[page * size:(page + 1) * size]
        return Reply(200, json.dumps(found).encode(), "application/json")
