"""A fake GA4 Data API v1beta: runReport and runRealtimeReport with string values by type.

It checks the bearer token and the property, refuses metrics the realtime schema lacks with
400 INVALID_ARGUMENT, omits `rows` when there is no data (proto3 JSON drops empty fields), and
reports `propertyQuota`. `errors` holds replies to serve before anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.engine.fakes.loopback import Reply, Request, json_reply

REALTIME_METRICS = {"activeUsers", "eventCount", "keyEvents", "screenPageViews"}
_PATH = re.compile(r"^/v1beta/properties/(\w+):(runReport|runRealtimeReport)$")


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


@dataclass
class FakeGA4:
    """`report` and `realtime` map a metric name to (type, string value)."""

    property_id: str = "123456789"
    token: str = "ya29.test-token"
    report: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "activeUsers": ("TYPE_INTEGER", "1532"),
        "sessions": ("TYPE_INTEGER", "2010"),
        "averageSessionDuration": ("TYPE_SECONDS", "187.4123"),
        "screenPageViewsPerSession": ("TYPE_FLOAT", "4.25"),
        "bounceRate": ("TYPE_FLOAT", "0.4211"),
        "engagementRate": ("TYPE_FLOAT", "0.5789"),
    })
    realtime: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "activeUsers": ("TYPE_INTEGER", "87"),
    })
    no_rows: bool = False
    quota: dict[str, Any] = field(default_factory=quota)
    errors: list[Reply] = field(default_factory=list)

    def __call__(self, request: Request) -> Reply:
        if self.errors:
            return self.errors.pop(0)
        if request.headers.get("authorization") != f"Bearer {self.token}":
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
        table = self.realtime if realtime else self.report
        for name in names:
            if name not in table or (realtime and name not in REALTIME_METRICS):
                return google_error(400, "INVALID_ARGUMENT",
                                    f"Field {name} is not a valid metric.")
        if not realtime and "dateRanges" not in body:
            return google_error(400, "INVALID_ARGUMENT", "dateRanges is required")
        answer: dict[str, Any] = {
            "metricHeaders": [{"name": n, "type": table[n][0]} for n in names],
            "kind": "analyticsData#runRealtimeReport" if realtime else "analyticsData#runReport",
        }
        if not realtime:
            answer["metadata"] = {"currencyCode": "USD", "timeZone": "Europe/Berlin"}
        if not self.no_rows:
            answer["rows"] = [{"metricValues": [{"value": table[n][1]} for n in names]}]
            answer["rowCount"] = 1
        if body.get("returnPropertyQuota"):
            answer["propertyQuota"] = self.quota
        return json_reply(answer)
