"""A fake Prometheus HTTP API v1: instant and range queries, its error shapes, its auth.

Answers are set per PromQL string. It speaks the documented format: string sample values
("NaN", "+Inf"), integral timestamps when the milliseconds are zero, `warnings` on success,
400 `bad_data` for unknown queries and the 11,000-points rule, and the plain-text 503 of a
server that is starting.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from tests.engine.fakes.loopback import Reply, Request, json_reply


def vector(*values: str, ts: float = 1_718_000_000.123, **labels: str) -> dict[str, Any]:
    """`data` of a vector result, one series per value."""
    return {"resultType": "vector", "result": [
        {"metric": dict(labels, n=str(i)), "value": [ts, v]} for i, v in enumerate(values)
    ]}


def bad_data(message: str) -> Reply:
    return json_reply({"status": "error", "errorType": "bad_data", "error": message}, 400)


@dataclass
class FakePrometheus:
    """Set `answers[query]` to a `data` object or a `Reply`; `ranges[query]` to a function of
    (start, end, step) giving a matrix `data`. `prefix` is the route prefix it serves under."""

    answers: dict[str, dict[str, Any] | Reply] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    prefix: str = ""
    starting: bool = False
    basic: tuple[str, str] | None = None
    bearer: str | None = None
    targets: list[dict[str, Any]] | Reply | None = None  # activeTargets of /api/v1/targets

    def __call__(self, request: Request) -> Reply:
        if self.starting:
            return Reply(503, "Service Unavailable", "text/plain; charset=utf-8",
                         {"X-Prometheus-Stopping": "false"})
        if not self._authorised(request.headers.get("authorization", "")):
            return Reply(401, "Unauthorized\n", "text/plain; charset=utf-8",
                         {"WWW-Authenticate": 'Basic realm="prometheus"'})
        path = request.path
        if not path.startswith(self.prefix):
            return Reply(404, "404 page not found\n")
        path = path[len(self.prefix):]
        params = request.params()
        if path == "/-/ready":
            return Reply(200, "Prometheus Server is Ready.\n")
        if path == "/api/v1/query":
            return self._instant(params)
        if path == "/api/v1/query_range":
            return self._range(params)
        if path == "/api/v1/targets" and self.targets is not None:
            if isinstance(self.targets, Reply):
                return self.targets
            return json_reply({"status": "success", "data": {
                "activeTargets": self.targets, "droppedTargets": []}})
        return Reply(404, "404 page not found\n")

    def _authorised(self, header: str) -> bool:
        if self.basic is not None:
            token = base64.b64encode(":".join(self.basic).encode()).decode()
            return header == f"Basic {token}"
        if self.bearer is not None:
            return header == f"Bearer {self.bearer}"
        return True

    def _envelope(self, query: str, data: dict[str, Any]) -> Reply:
        body: dict[str, Any] = {"status": "success", "data": data}
        if self.warnings.get(query):
            body["warnings"] = self.warnings[query]
        return json_reply(body)

    def _instant(self, params: dict[str, str]) -> Reply:
        query = params.get("query", "")
        if not query:
            return bad_data('invalid parameter "query": unknown position: parse error: '
                            "no expression found in input")
        answer = self.answers.get(query)
        if answer is None:
            return bad_data(f'invalid parameter "query": 1:1: parse error: unknown query {query!r}')
        if isinstance(answer, Reply):
            return answer
        return self._envelope(query, answer)

    def _range(self, params: dict[str, str]) -> Reply:
        query = params.get("query", "")
        try:
            start, end, step = (float(params[k]) for k in ("start", "end", "step"))
        except (KeyError, ValueError):
            return bad_data('invalid parameter "start": cannot parse')
        if end < start:
            return bad_data('invalid parameter "end": end timestamp must not be before start time')
        if step <= 0:
            return bad_data('invalid parameter "step": zero or negative query resolution step '
                            "widths are not accepted. Try a positive integer")
        # Go: end.Sub(start) / step, integer division of durations
        if int((end - start) * 1000) // int(step * 1000) > 11_000:
            return bad_data("exceeded maximum resolution of 11,000 points per timeseries. "
                            "Try decreasing the query resolution (?step=XX)")
        answer = self.answers.get(query)
        if answer is None:
            return bad_data(f'invalid parameter "query": 1:1: parse error: unknown query {query!r}')
        if isinstance(answer, Reply):
            return answer
        points = []
        t = start
        while t <= end:
            ms = round(t * 1000)
            stamp: float = ms // 1000 if ms % 1000 == 0 else ms / 1000
            points.append([stamp, str(round(t - start, 3))])
            t += step
        data = {"resultType": "matrix", "result": [{"metric": {"job": "x"}, "values": points}]}
        return self._envelope(query, data)
