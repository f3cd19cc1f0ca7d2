"""A fake GA4 Data API v1beta: runReport and runRealtimeReport with string values by type.

It checks the bearer token and the property, refuses metrics the realtime schema lacks with
400 INVALID_ARGUMENT, and more than 10 metrics in a request; omits `rows` when there is no
data (proto3 JSON drops empty fields), and reports `propertyQuota`. Requests with dimensions
are answered from `tables` (keyed by the dimension names), honouring a `pagePath`
inListFilter, `orderBys` on the metric and `limit`. `errors` holds replies to serve before
anything else. `POST /token` is an OAuth token endpoint that checks the service-account JWT
(signature, audience, scope) against `public_key` when one is set.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from tests.engine.fakes.loopback import Reply, Request, json_reply

REALTIME_METRICS = {"activeUsers", "eventCount", "keyEvents", "screenPageViews"}
_PATH = re.compile(r"^/v1beta/properties/(\w+):(runReport|runRealtimeReport)$")
_tokens = itertools.count(1)
Row = tuple[list[str], dict[str, str]]


def google_error(code: int, status: str, message: str, **extra: Any) -> Reply:
    return json_reply({"error": {"code": code, "message": message, "status": status, **extra}},
                      code)


def quota(remaining_per_hour: int = 39_980) -> dict[str, Any]:
    return {
        "tokensPerDay": {"consumed": 3, "remaining": 199_950},
        "tokensPerHour": {"consumed": 3, "remaining": remaining_per_hour},
        "concurrentRequests": {"remaining": 10},
        "serverErrorsPerProjectPerHour": {"remaining": 10},
        "potentiallyThresholdedRequestsPerHour": {"remaining": 120},
        "tokensPerProjectPerHour": {"consumed": 3, "remaining": 13_990},
    }


def _types() -> dict[str, str]:
    return {"activeUsers": "TYPE_INTEGER", "screenPageViews": "TYPE_INTEGER"}


@dataclass
class FakeGA4:
    """`report` and `realtime` map a metric name to (type, string value) for totals;
    `tables` and `realtime_tables` map dimension names to rows of (values, {metric: value})."""

    property_id: str = "123456789"
    token: str = "ya29.test-token"
    report: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "activeUsers": ("TYPE_INTEGER", "1532"),
        "active1DayUsers": ("TYPE_INTEGER", "1532"),
        "active7DayUsers": ("TYPE_INTEGER", "6100"),
        "active28DayUsers": ("TYPE_INTEGER", "15320"),
        "sessions": ("TYPE_INTEGER", "2010"),
        "engagedSessions": ("TYPE_INTEGER", "1164"),
        "averageSessionDuration": ("TYPE_SECONDS", "187.4123"),
        "screenPageViewsPerSession": ("TYPE_FLOAT", "4.25"),
        "bounceRate": ("TYPE_FLOAT", "0.4211"),
        "engagementRate": ("TYPE_FLOAT", "0.5789"),
        "keyEvents": ("TYPE_INTEGER", "61"),
        "sessionKeyEventRate": ("TYPE_FLOAT", "0.0299"),
        "ecommercePurchases": ("TYPE_INTEGER", "50"),
        "purchaseRevenue": ("TYPE_CURRENCY", "2104.5"),
        "purchaserConversionRate": ("TYPE_FLOAT", "0.031"),
    })
    realtime: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "activeUsers": ("TYPE_INTEGER", "87"),
    })
    tables: dict[tuple[str, ...], list[Row]] = field(default_factory=dict)
    realtime_tables: dict[tuple[str, ...], list[Row]] = field(default_factory=dict)
    no_rows: bool = False
    quota: dict[str, Any] = field(default_factory=quota)
    errors: list[Reply] = field(default_factory=list)
    public_key: bytes | None = None  # PEM; set to check service-account JWTs at /token
    expires_in: int = 3599
    issued: list[str] = field(default_factory=list)

    def __call__(self, request: Request) -> Reply:
        if self.errors:
            return self.errors.pop(0)
        if request.path == "/token":
            return self._token(request)
        if request.headers.get("authorization") not in {
                f"Bearer {t}" for t in (self.token, *self.issued)}:
            return google_error(401, "UNAUTHENTICATED", "Request had invalid authentication "
                                "credentials. Expected OAuth 2 access token.")
        match = _PATH.match(request.path)
        if request.method != "POST" or match is None:
            return google_error(404, "NOT_FOUND", f"Requested entity was not found: {request.path}")
        if match.group(1) != self.property_id:
            return google_error(403, "PERMISSION_DENIED", "User does not have sufficient "
                                "permissions for this property.")
        realtime = match.group(2) == "runRealtimeReport"
        body = request.json()
        names = [m["name"] for m in body.get("metrics", [])]
        dims = tuple(d["name"] for d in body.get("dimensions", []))
        if len(names) > 10:
            return google_error(400, "INVALID_ARGUMENT",
                                f"Requested {len(names)} metrics; only 10 are allowed.")
        table = self.realtime if realtime else self.report
        for name in names:
            known = name in _types() if dims else name in table
            if not known or (realtime and name not in REALTIME_METRICS):
                return google_error(400, "INVALID_ARGUMENT",
                                    f"Field {name} is not a valid metric.")
        if not realtime and "dateRanges" not in body:
            return google_error(400, "INVALID_ARGUMENT", "dateRanges is required")
        answer: dict[str, Any] = {
            "metricHeaders": [{"name": n, "type": (_types().get(n) if dims else table[n][0])}
                              for n in names],
            "kind": "analyticsData#runRealtimeReport" if realtime else "analyticsData#runReport",
        }
        if not realtime:
            answer["metadata"] = {"currencyCode": "USD", "timeZone": "Europe/Berlin"}
        rows = self._rows(body, names, dims, realtime, table)
        if dims:
            answer["dimensionHeaders"] = [{"name": d} for d in dims]
        if rows and not self.no_rows:
            answer["rows"] = rows
            answer["rowCount"] = len(rows)
        if body.get("returnPropertyQuota"):
            answer["propertyQuota"] = self.quota
        return json_reply(answer)

    def _rows(self, body: dict[str, Any], names: list[str], dims: tuple[str, ...],
              realtime: bool, table: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
        if not dims:
            return [{"metricValues": [{"value": table[n][1]} for n in names]}]
        source = (self.realtime_tables if realtime else self.tables).get(dims, [])
        wanted = (body.get("dimensionFilter", {}).get("filter", {}).get("inListFilter", {})
                  .get("values"))
        rows = [r for r in source if wanted is None or r[0][0] in wanted]
        for order in body.get("orderBys", []):
            metric = order.get("metric", {}).get("metricName")
            rows.sort(key=lambda r: float(r[1].get(metric, "0")), reverse=order.get("desc"))
        rows = rows[: int(body.get("limit", 10_000))]
        return [{"dimensionValues": [{"value": v} for v in values],
                 "metricValues": [{"value": metrics.get(n, "0")} for n in names]}
                for values, metrics in rows]

    def _token(self, request: Request) -> Reply:
        form = dict(parse_qsl(request.body.decode()))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return json_reply({"error": "unsupported_grant_type"}, 400)
        if self.public_key is not None:
            from google.auth import jwt  # the test's own check of what the board signed

            try:
                # google-auth always addresses the grant to Google's endpoint, whatever the
                # key file's token_uri says
                claims = jwt.decode(  # type: ignore[no-untyped-call]
                    form.get("assertion", ""), certs=self.public_key,
                                    audience="https://oauth2.googleapis.com/token")
            except ValueError as exc:
                return json_reply({"error": "invalid_grant", "error_description": str(exc)},
                                  400)
            if "analytics.readonly" not in claims.get("scope", ""):
                return json_reply({"error": "invalid_scope"}, 400)
        token = f"ya29.issued-{next(_tokens)}"
        self.issued.append(token)
        return json_reply({"access_token": token, "expires_in": self.expires_in,
                           "token_type": "Bearer"})
