"""The demo server's New Relic face: NRQL through NerdGraph, `POST /graphql`.

Wire format as in shared/reference/api-facts.md section 7: the `API-Key` header (none: HTTP
401; one not starting NRAK-: HTTP 200 with a `BAD_API_KEY` error), GraphQL errors inside HTTP
200 with `data` null at the failed path (a NRQL syntax error is `INVALID_INPUT`; while the
`newrelic` source is down every query fails with `INTERNAL_SERVER_ERROR`), results keyed by
`AS` alias or New Relic's default name, percentiles as objects keyed by percentile, apdex as
`{score, s, t, f, count}`, TIMESERIES rows with `beginTimeSeconds`/`endTimeSeconds`, FACET
rows with `facet`, `metadata.timeWindow` in milliseconds.

The account's events: `Transaction` (appName = each marketplace service, `duration` in seconds
with the simulator's p95 latency) and `PageView` (appName web, `duration` the page load time,
slower when the web service is). Durations are log-normal, so each aggregate has a closed form.
The GraphQL document is not parsed in full: `account(id:)` and `nrql(query:)` are read from it
(literals or variables), which is what the board and the examples send.
"""

from __future__ import annotations

import json
import math
import re
from statistics import NormalDist
from typing import Any

import numpy as np

from noc_board.core.clock import Clock
from noc_board.core.scenario import SERVICES
from noc_board.demo import nrql
from noc_board.demo.noise import FloatArray
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.wire import Request, Response, json_response

_ACCOUNT = re.compile(r"account\s*\(\s*id\s*:\s*(\$\w+|-?\d+)\s*\)")
_NRQL = re.compile(r'nrql\s*\(\s*query\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*")')
_PATH = ["actor", "account", "nrql"]
_NORMAL = NormalDist()
# event type -> (log-normal sigma, apps)
EVENT_TYPES = {"Transaction": (0.5, SERVICES), "PageView": (0.6, ("web",))}


class _GraphQLError(Exception):
    def __init__(self, message: str, extensions: dict[str, str]) -> None:
        super().__init__(message)
        self.extensions = extensions


class NewRelicApi:
    """Answers NerdGraph NRQL queries from the simulator at the clock's time."""

    def __init__(self, sim: MarketSimulator, clock: Clock) -> None:
        self._sim = sim
        self._clock = clock

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the path is not NerdGraph's."""
        if req.path != "/graphql":
            return None
        if req.method != "POST":
            return json_response(405, {"errors": [{"message": "Use POST for NerdGraph"}]})
        key = req.headers.get("api-key", "").strip()
        if not key:
            return json_response(401, {"errors": [{"message": "Unauthorized: the API-Key "
                                                   "header is missing"}]})
        try:
            body = json.loads(req.body or b"null")
            document = body["query"]
            variables = body.get("variables") or {}
            if not isinstance(document, str) or not isinstance(variables, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            return json_response(400, {"errors": [{"message": "Expected a JSON body with a "
                                                   "GraphQL `query` and `variables`"}]})
        if not key.startswith("NRAK-"):
            return _failed(None, "Invalid API key", {"error_code": "BAD_API_KEY"})
        try:
            account, text = _account_and_nrql(document, variables)
            now = self._clock.now()
            if self._sim.source_down("newrelic", now):
                raise _GraphQLError("An error occurred resolving this field",
                                    {"errorClass": "INTERNAL_SERVER_ERROR"})
            try:
                result = self._run(nrql.parse(text), now)
            except nrql.NrqlError as exc:
                raise _GraphQLError(str(exc), {"errorClass": "INVALID_INPUT"}) from None
        except _GraphQLError as exc:
            return _failed({"actor": {"account": {"nrql": None}}}, str(exc), exc.extensions)
        del account  # every account id sees the one demo marketplace
        return json_response(200, {"data": {"actor": {"account": {"nrql": result}}}})

    # -- evaluation --------------------------------------------------------------------------

    def _run(self, query: nrql.Query, now: float) -> dict[str, Any]:
        begin = now - query.since
        sigma, apps = EVENT_TYPES.get(query.event_type, (0.5, ()))
        apps = tuple(a for a in apps if query.app in (None, a))
        stamps = np.arange(begin, now, 60.0, dtype=np.float64) + 30.0
        stamps = np.minimum(stamps, now) if stamps.size else np.array([now])
        frame = self._sim.frame(stamps)
        per_app = {app: self._events(query.event_type, app, frame) for app in apps}
        if query.bucket is None:
            edges = [(begin, now)]
        else:
            width = query.bucket or max(60.0, math.ceil(query.since / 60 / 60) * 60)
            count = max(1, math.ceil(query.since / width - 1e-9))
            edges = [(begin + i * width, min(begin + (i + 1) * width, now)) for i in range(count)]
        rows: list[dict[str, Any]] = []
        for start, end in edges:
            inside = (stamps >= start) & (stamps < end) if len(edges) > 1 else slice(None)
            groups = [(app,) for app in apps] if query.facet else [apps]
            bucket_rows = []
            for group in groups:
                mus = [per_app[a][1][inside] for a in group]
                counts = [per_app[a][0][inside] for a in group]
                row: dict[str, Any] = {}
                for select in query.selects:
                    row[select.key] = _aggregate(select, counts, mus, sigma)
                if query.facet:
                    row = {"facet": group[0], query.facet: group[0], **row}
                bucket_rows.append(row)
            if query.facet:
                first = query.selects[0].key
                bucket_rows.sort(key=lambda r: -_sortable(r[first]))
                bucket_rows = bucket_rows[:query.limit]
            if query.bucket is not None:
                bucket_rows = [{"beginTimeSeconds": int(start), "endTimeSeconds": int(end), **r}
                               for r in bucket_rows]
            rows += bucket_rows
        return {"results": rows, "metadata": {
            "timeWindow": {"begin": int(begin * 1000), "end": int(now * 1000)},
            "facets": [query.facet] if query.facet else None,
            "eventTypes": [query.event_type]}}

    @staticmethod
    def _events(event_type: str, app: str, frame: Any) -> tuple[FloatArray, FloatArray]:
        """(events per minute, log-median duration) of one app for each minute."""
        sigma = EVENT_TYPES[event_type][0]
        if event_type == "Transaction":
            count = frame.requests_per_second[app] * 60.0
            p95 = frame.p95_latency[app]
        else:  # PageView: every active user loads about a page a minute
            count = frame.active_users * 0.9
            p95 = 0.9 + 2.5 * frame.p95_latency["web"]
        dead = np.isnan(p95) | (p95 <= 0)
        count = np.where(dead, 0.0, count)
        mu = np.where(dead, 0.0, np.log(np.where(dead, 1.0, p95)) - 1.6449 * sigma)
        return count, mu


def _aggregate(select: nrql.Select, counts: list[FloatArray], mus: list[FloatArray],
               sigma: float) -> Any:
    n = np.concatenate(counts) if counts else np.zeros(0)
    mu = np.concatenate(mus) if mus else np.zeros(0)
    total = float(n.sum())
    if select.func == "count":
        return round(total)
    if select.attribute != "duration" or total <= 0:
        if select.func == "percentile":
            return {_pct(p): None for p in select.args}
        if select.func == "apdex":
            return {"score": None, "s": 0, "t": 0, "f": 0, "count": 0}
        return None
    centre = float((n * mu).sum() / total)
    if select.func == "average":
        return round(float((n * np.exp(mu + sigma**2 / 2)).sum() / total), 6)
    if select.func in ("max", "min"):
        return round(math.exp(centre + (3.5 if select.func == "max" else -3.5) * sigma), 6)
    if select.func == "percentile":
        return {_pct(p): round(math.exp(centre + _NORMAL.inv_cdf(p / 100) * sigma), 6)
                for p in select.args}
    t = select.args[0]
    cdf = np.vectorize(_NORMAL.cdf)
    satisfied = float((n * cdf((math.log(t) - mu) / sigma)).sum())
    within = float((n * cdf((math.log(4 * t) - mu) / sigma)).sum())
    s, tolerating = round(satisfied), round(within - satisfied)
    frustrated = max(0, round(total) - s - tolerating)
    return {"score": round((satisfied + (within - satisfied) / 2) / total, 4), "s": s,
            "t": tolerating, "f": frustrated, "count": round(total)}


def _pct(p: float) -> str:
    return str(int(p)) if float(p).is_integer() else str(p)


def _sortable(value: Any) -> float:
    if isinstance(value, dict):
        value = next(iter(value.values()), None)
    return float(value) if isinstance(value, int | float) else -math.inf


def _account_and_nrql(document: str, variables: dict[str, Any]) -> tuple[int, str]:
    account = _ACCOUNT.search(document)
    query = _NRQL.search(document)
    if account is None or query is None:
        raise _GraphQLError("The demo NerdGraph answers { actor { account(id:) { nrql(query:) "
                            "{ results } } } } only", {"errorClass": "INVALID_INPUT"})
    raw_id: Any = account.group(1)
    raw_id = variables.get(raw_id[1:]) if raw_id.startswith("$") else int(raw_id)
    raw_nrql: Any = query.group(1)
    raw_nrql = variables.get(raw_nrql[1:]) if raw_nrql.startswith("$") else json.loads(raw_nrql)
    if not isinstance(raw_id, int) or isinstance(raw_id, bool) or raw_id <= 0:
        raise _GraphQLError("Variable $accountId: expected a positive Int",
                            {"errorClass": "INVALID_INPUT"})
    if not isinstance(raw_nrql, str) or not raw_nrql.strip():
        raise _GraphQLError("Variable $nrql: expected a non-empty Nrql string",
                            {"errorClass": "INVALID_INPUT"})
    return raw_id, raw_nrql


def _failed(data: Any, message: str, extensions: dict[str, str]) -> Response:
    error: dict[str, Any] = {"message": message, "extensions": extensions}
    if data is not None:
        error["path"] = _PATH
        error["locations"] = [{"line": 1, "column": 42}]
    return json_response(200, {"data": data, "errors": [error]})
