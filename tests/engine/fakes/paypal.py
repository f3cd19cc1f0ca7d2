"""A fake PayPal: OAuth2 client credentials and Transaction Search, in the documented format.

Tokens are issued for the right client id and secret (basic auth) and can be revoked; the
search enforces RFC 3339 dates with seconds, the 31-day range, `page_size` 1-500, a result-set
cap (400 RESULTSET_TOO_LARGE) and the reporting lag (a transaction is visible only once it is
older than `lag`; `last_refreshed_datetime` says up to when). Errors come in PayPal's two
shapes: OAuth `{"error", "error_description"}` and REST `{"name", "message", "details"}`.
"""

from __future__ import annotations

import base64
import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.engine.fakes.loopback import Reply, Request, json_reply

_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")
DAY = 86400


def stamp(ts: float) -> str:
    """PayPal's response form of a time: `2024-06-09T21:04:11+0000`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def txn(tid: str, ts: float, value: str, currency: str = "USD", code: str = "T0006",
        status: str = "S") -> dict[str, Any]:
    """A `transaction_info` object."""
    return {
        "paypal_account_id": "6STWC2LSUYYYE", "transaction_id": tid,
        "transaction_event_code": code, "transaction_initiation_date": stamp(ts),
        "transaction_updated_date": stamp(ts),
        "transaction_amount": {"currency_code": currency, "value": value},
        "fee_amount": {"currency_code": currency, "value": "-0.30"},
        "transaction_status": status, "transaction_subject": "Order",
        "protection_eligibility": "01",
    }


def rest_error(status: int, name: str, message: str, **detail: str) -> Reply:
    body: dict[str, Any] = {"name": name, "message": message, "debug_id": "f1a2b3c4d5e6",
                            "links": [{"href": "https://developer.paypal.com/docs/api/",
                                       "rel": "information_link"}]}
    if detail:
        body["details"] = [dict(detail, location="query")]
    return json_reply(body, status)


def oauth_error(status: int, error: str, description: str) -> Reply:
    return json_reply({"error": error, "error_description": description}, status)


@dataclass
class FakePayPal:
    """`now` is the fake's clock; `transactions` are `transaction_info` objects."""

    now: float
    transactions: list[dict[str, Any]] = field(default_factory=list)
    client_id: str = "AcL13nt-1d"
    secret: str = "s3cr3t-app-secret"
    lag: float = 3600.0
    expires_in: Any = 32400
    max_results: int = 10_000
    report_refreshed: bool = True
    queued: list[Reply] = field(default_factory=list)  # answers for the next searches
    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    searches: list[dict[str, str]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __call__(self, request: Request) -> Reply:
        if request.path == "/v1/oauth2/token":
            return self._token(request)
        if request.path == "/v1/reporting/transactions":
            return self._search(request)
        return rest_error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.")

    def revoke(self) -> None:
        self.tokens.clear()

    def _token(self, request: Request) -> Reply:
        self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        if request.method != "POST" or request.params().get("grant_type") != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
        if request.headers.get("authorization") != f"Basic {expected}":
            return oauth_error(401, "invalid_client", "Client Authentication failed")
        token = f"A21AA{next(self._ids):08d}fake"
        self.tokens.add(token)
        return json_reply({
            "scope": "https://uri.paypal.com/services/reporting/search/read",
            "access_token": token, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
            "expires_in": self.expires_in, "nonce": "2024-06-10T08:00:00Zabc",
        })

    def _search(self, request: Request) -> Reply:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return oauth_error(401, "invalid_token", "Access Token not found in cache")
        params = request.params()
        self.searches.append(params)
        if self.queued:
            return self.queued.pop(0)
        for name in ("start_date", "end_date"):
            if not _RFC3339.match(params.get(name, "")):
                return rest_error(400, "INVALID_REQUEST", "Request is not well-formed, "
                                  "syntactically incorrect, or violates schema.", field=name,
                                  value=params.get(name, ""), issue="INVALID_PARAMETER_SYNTAX")
        start = datetime.fromisoformat(params["start_date"]).timestamp()
        end = datetime.fromisoformat(params["end_date"]).timestamp()
        if end < start or end - start > 31 * DAY:
            return rest_error(400, "INVALID_REQUEST", "Request is not well-formed, "
                              "syntactically incorrect, or violates schema.", field="end_date",
                              issue="Date range is greater than 31 days" if end >= start
                              else "end_date must not be before start_date")
        size, page = int(params.get("page_size", "100")), int(params.get("page", "1"))
        if not 1 <= size <= 500 or page < 1:
            return rest_error(400, "INVALID_REQUEST", "Request is not well-formed.",
                              field="page_size", issue="INVALID_PARAMETER_VALUE")
        visible_to = self.now - self.lag
        found = sorted(
            (t for t in self.transactions
             if start <= _ts(t) <= end and _ts(t) <= visible_to), key=_ts)
        if len(found) > self.max_results:
            return rest_error(400, "RESULTSET_TOO_LARGE", "Result set size is greater than the "
                              "maximum limit. Change the filter criteria and try again.")
        pages = math.ceil(len(found) / size)
        body: dict[str, Any] = {
            "transaction_details": [{"transaction_info": t}
                                    for t in found[(page - 1) * size:page * size]],
            "account_number": "XZXSPECPDZHZU", "start_date": stamp(start),
            "end_date": stamp(end), "page": page, "total_items": len(found),
            "total_pages": pages, "links": [],
        }
        if self.report_refreshed:
            body["last_refreshed_datetime"] = stamp(visible_to)
        return json_reply(body)


def _ts(t: dict[str, Any]) -> float:
    return datetime.fromisoformat(t["transaction_initiation_date"]).timestamp()
