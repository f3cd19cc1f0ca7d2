"""The demo server's PayPal face: OAuth2 client credentials and Transaction Search.

Wire format as in shared/reference/api-facts.md section 4. `POST /v1/oauth2/token` grants a
bearer token to any client id and secret sent with basic auth; `GET /v1/reporting/transactions`
needs one, takes RFC 3339 `start_date` / `end_date` (seconds and a zone required, at most 31
days apart), `page` and `page_size` (1-500), and answers PayPal's shape with decimal-string
amounts, `+0000` offsets, `total_pages` and `last_refreshed_datetime`. Errors come in PayPal's
REST shape (`name`, `message`, `details`, `debug_id`), or its OAuth shape for tokens.

One simulated order in four is paid with PayPal: those charges appear here as T0006 payments
(status S, or D when declined; a sale of the last half hour is sometimes still P) and their
refunds as T1107 with negative amounts. Data lags by `LAG` (PayPal's lag is up to three hours;
the demo keeps it short so the board stays lively). While the `paypal` source is down every
search answers 503.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from noc_board.core.clock import Clock
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.transactions import Charge, Refund, minor_per_unit
from noc_board.demo.wire import Request, Response, json_response

LAG = 20 * 60.0
PENDING_FOR = 30 * 60.0
MAX_RANGE = 31 * 86400
MAX_RESULTS = 10_000
_TOKEN_PREFIX = "A21AA"
_SYNTAX = "Request is not well-formed, syntactically incorrect, or violates schema."


class PayPalError(Exception):
    """An error answer in PayPal's REST shape."""

    def __init__(self, status: int, name: str, message: str, **detail: str) -> None:
        super().__init__(message)
        self.status, self.name, self.detail = status, name, detail

    def body(self, debug_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name, "message": str(self), "debug_id": debug_id,
            "links": [{"href": "https://developer.paypal.com/docs/api/transaction-search/v1/"
                               f"#error-{self.name}", "rel": "information_link"}],
        }
        if self.detail:
            body["details"] = [dict(self.detail, location="query")]
        return body


def stamp(ts: float) -> str:
    """A time as PayPal writes it in responses: `2024-06-09T21:04:11+0000`."""
    return datetime.fromtimestamp(math.floor(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=9).digest()


def paid_with_paypal(charge_id: str) -> bool:
    """Whether a simulated charge went through PayPal (one in four, fixed by its id)."""
    return _digest(charge_id)[0] % 4 == 0


def transaction_id(object_id: str) -> str:
    """A 17-character PayPal transaction id derived from a simulator id."""
    return _digest(object_id).hex().upper()[:17]


def _money(minor: int, currency: str) -> dict[str, str]:
    places = {1: 0, 100: 2, 1000: 3}[minor_per_unit(currency)]
    value = Decimal(minor).scaleb(-places)
    return {"currency_code": currency.upper(), "value": f"{value:.{places}f}"}


def _info(tid: str, code: str, ts: float, minor: int, currency: str, status: str
          ) -> dict[str, Any]:
    fee = -round(abs(minor) * 0.029) - (30 if minor_per_unit(currency) == 100 else 0)
    return {
        "paypal_account_id": "6STWC2LSUYYYE", "transaction_id": tid,
        "transaction_event_code": code, "transaction_initiation_date": stamp(ts),
        "transaction_updated_date": stamp(ts), "transaction_amount": _money(minor, currency),
        "fee_amount": _money(fee if minor > 0 else 0, currency),
        "transaction_status": status, "transaction_subject": "NOC Market order",
        "protection_eligibility": "01",
    }


def sale_json(charge: Charge, data_time: float) -> dict[str, Any]:
    status = "S" if charge.status == "succeeded" else "D"
    if status == "S" and charge.created > data_time - PENDING_FOR and \
            _digest(charge.id)[1] % 5 == 0:
        status = "P"  # settles once the data time has moved on
    return _info(transaction_id(charge.id), "T0006", charge.created, charge.amount,
                 charge.currency, status)


def refund_json(refund: Refund) -> dict[str, Any]:
    return _info(transaction_id(refund.id), "T1107", refund.created, -refund.amount,
                 refund.currency, "S")


def _time(req: Request, name: str) -> float:
    raw = req.param(name)
    try:
        if raw is None or len(raw) < 20 or raw[10] != "T":
            raise ValueError(raw)
        when = datetime.fromisoformat(raw)
        if when.tzinfo is None:
            raise ValueError(raw)
    except ValueError:
        raise PayPalError(400, "INVALID_REQUEST", _SYNTAX, field=name, value=raw or "",
                          issue="INVALID_PARAMETER_SYNTAX") from None
    return when.timestamp()


def _integer(req: Request, name: str, default: int, low: int, high: int) -> int:
    raw = req.param(name)
    try:
        value = default if raw is None else int(raw)
        if not low <= value <= high:
            raise ValueError(raw)
    except ValueError:
        raise PayPalError(400, "INVALID_REQUEST", _SYNTAX, field=name, value=raw or "",
                          issue="INVALID_PARAMETER_VALUE") from None
    return value


class PayPalApi:
    """Answers PayPal token and Transaction Search requests from the simulator."""

    def __init__(self, sim: MarketSimulator, clock: Clock) -> None:
        self._sim = sim
        self._clock = clock
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the path is not a PayPal one."""
        if req.path == "/v1/oauth2/token":
            return self._token(req)
        if req.path != "/v1/reporting/transactions":
            return None
        with self._lock:
            debug_id = f"demo{next(self._ids):08x}"
        headers = {"Paypal-Debug-Id": debug_id}
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip().startswith(_TOKEN_PREFIX):
            return json_response(401, {"error": "invalid_token",
                                       "error_description": "Access Token not found in cache"},
                                 headers)
        try:
            if req.method != "GET":
                raise PayPalError(405, "METHOD_NOT_SUPPORTED", "The server does not implement "
                                  "the requested HTTP method.")
            now = self._clock.now()
            if self._sim.source_down("paypal", now):
                raise PayPalError(503, "SERVICE_UNAVAILABLE", "Service Unavailable (demo "
                                  "source_down incident).")
            return json_response(200, self._search(req, now), headers)
        except PayPalError as exc:
            return json_response(exc.status, exc.body(debug_id), headers)

    @staticmethod
    def _token(req: Request) -> Response:
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        try:
            client, _, secret = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client = secret = ""
        if req.method != "POST" or req.param("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type",
                                       "error_description": "Grant Type is NULL"})
        if scheme.lower() != "basic" or not client or not secret:
            return json_response(401, {"error": "invalid_client",
                                       "error_description": "Client Authentication failed"})
        token = _TOKEN_PREFIX + _digest(f"{client}:{secret}").hex()
        return json_response(200, {
            "scope": "https://uri.paypal.com/services/reporting/search/read",
            "access_token": token, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
            "expires_in": 32400, "nonce": stamp(0) + "demo",
        })

    def _search(self, req: Request, now: float) -> dict[str, Any]:
        start, end = _time(req, "start_date"), _time(req, "end_date")
        if end < start:
            raise PayPalError(400, "INVALID_REQUEST", _SYNTAX, field="end_date",
                              issue="end_date must be after start_date")
        if end - start > MAX_RANGE:
            raise PayPalError(400, "INVALID_REQUEST", _SYNTAX, field="end_date",
                              issue="Date range is greater than 31 days")
        size = _integer(req, "page_size", 100, 1, 500)
        page = _integer(req, "page", 1, 1, 10**6)
        data_time = math.floor(now - LAG)
        found = self._transactions(start, min(end, data_time), data_time)
        if len(found) > MAX_RESULTS:
            raise PayPalError(400, "RESULTSET_TOO_LARGE", "Result set size is greater than "
                              "the maximum limit. Change the filter criteria and try again.")
        return {
            "transaction_details": [{"transaction_info": t}
                                    for t in found[(page - 1) * size:page * size]],
            "account_number": "XZXSPECPDZHZU", "start_date": stamp(start),
            "end_date": stamp(end), "last_refreshed_datetime": stamp(data_time),
            "page": page, "total_items": len(found),
            "total_pages": math.ceil(len(found) / size), "links": [],
        }

    def _transactions(self, start: float, end: float, data_time: float) -> list[dict[str, Any]]:
        if end < start:
            return []
        upper = math.floor(end) + 1  # the simulator's windows are [t0, t1)
        sales = [sale_json(c, data_time)
                 for c in self._sim.charges_between(start, upper, data_time)
                 if paid_with_paypal(c.id)]
        refunds = [refund_json(r) for r in self._sim.refunds_between(start, upper)
                   if paid_with_paypal(r.charge)]
        return sorted(sales + refunds, key=lambda t: (t["transaction_initiation_date"],
                                                      t["transaction_id"]))
