"""The demo server's Stripe face: charges, refunds, payment intents, disputes and checkout
sessions (lists and single objects), and a session's line items.

Wire format as in shared/reference/api-facts.md section 3: bearer (or basic) auth with any key
starting sk_ or rk_, else 401; lists newest first with `object`, `url`, `has_more`, `data`;
`limit` 1-100 (default 10); `created[gt|gte|lt|lte]` or `created=`, raw or %-encoded brackets;
`starting_after` / `ending_before` cursors; amounts in minor units; errors in Stripe's shape.
Nothing created after the clock's now is listed. While the `stripe` source is down every call
answers 503 with an `api_error`. Checkout session lists honour `expand[]=data.line_items`.
"""

from __future__ import annotations

import base64
import itertools
import math
import threading
from typing import Any

import msgspec

from noc_board.core.clock import Clock
from noc_board.demo.payments import Payments
from noc_board.demo.simulator import MarketSimulator
from noc_board.demo.transactions import Charge, Refund
from noc_board.demo.wire import Request, Response, json_response

_LIST_PARAMS = {"limit", "starting_after", "ending_before", "created", "created[gt]",
                "created[gte]", "created[lt]", "created[lte]"}
_FILTERS = {"/v1/charges": {"payment_intent"}, "/v1/refunds": {"charge", "payment_intent"},
            "/v1/payment_intents": set(), "/v1/disputes": set(), "/v1/checkout/sessions": set()}
# list path -> the kind `Payments` renders
_PAYMENT_LISTS = {"/v1/payment_intents": "intents", "/v1/disputes": "disputes",
                  "/v1/checkout/sessions": "sessions"}
_NOUNS = {"charges": "charge", "refunds": "refund", "intents": "payment_intent",
          "disputes": "dispute", "sessions": "checkout session"}


class StripeError(Exception):
    """An error answer in Stripe's shape."""

    def __init__(self, status: int, message: str, *, kind: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.code, self.param = status, kind, code, param

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.kind, "message": str(self)}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://docs.stripe.com/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        return {"error": error}


class StripeApi:
    """Answers Stripe requests from the simulator's charges at the clock's time."""

    def __init__(self, sim: MarketSimulator, clock: Clock) -> None:
        self._sim = sim
        self._clock = clock
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._payments = Payments(sim.transactions, sim.seed)

    def handle(self, req: Request) -> Response | None:
        """The response, or None when the path is not a Stripe one."""
        if not req.path.startswith("/v1/"):
            return None
        with self._lock:
            request_id = f"req_demo{next(self._ids):010d}"
        headers = {"Request-Id": request_id}
        try:
            key = self._key(req)
            if self._sim.source_down("stripe", self._clock.now()):
                headers["Stripe-Should-Retry"] = "true"
                raise StripeError(503, "The Stripe API is temporarily unavailable (demo "
                                  "source_down incident).", kind="api_error")
            payload = self._route(req, key.startswith(("sk_live_", "rk_live_")))
        except StripeError as exc:
            return json_response(exc.status, exc.body(), headers)
        # msgspec: a page of 100 full charges encodes 4x faster than with json.dumps (Stripe
        # objects hold no floats, so nothing NaN can reach the client)
        return Response(200, msgspec.json.encode(payload), "application/json", headers)

    @staticmethod
    def _key(req: Request) -> str:
        auth = req.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        key = value.strip()
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(key).decode().partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        elif scheme.lower() != "bearer":
            key = ""
        if not key:
            raise StripeError(401, "You did not provide an API key. You need to provide your "
                              "API key in the Authorization header, using Bearer auth (e.g. "
                              "'Authorization: Bearer YOUR_SECRET_KEY').")
        if not key.startswith(("sk_", "rk_")):
            shown = key[:8] + "*" * (len(key) - 12) + key[-4:] if len(key) > 12 else key[:3] + "***"
            raise StripeError(401, f"Invalid API Key provided: {shown}")
        return key

    def _route(self, req: Request, live: bool) -> dict[str, Any]:
        path = req.path.rstrip("/")
        parts = path.split("/")
        if parts[2:4] == ["checkout", "sessions"]:  # /v1/checkout/sessions[/{id}[/line_items]]
            parts = ["", "v1", "checkout/sessions", *parts[4:]]
        unknown = StripeError(404, f"Unrecognized request URL ({req.method}: {req.path}). "
                              "Please see https://stripe.com/docs or we can help at "
                              "https://support.stripe.com/.")
        kinds = {"charges": "charges", "refunds": "refunds", "payment_intents": "intents",
                 "disputes": "disputes", "checkout/sessions": "sessions"}
        if req.method not in ("GET", "HEAD") or len(parts) not in (3, 4, 5) or (
                parts[2] not in kinds):
            raise unknown
        now = self._clock.now()
        kind = kinds[parts[2]]
        if len(parts) == 5:
            if kind != "sessions" or parts[4] != "line_items":
                raise unknown
            return self._line_items(parts[3], req, now)
        if len(parts) == 4:
            return self._retrieve(kind, parts[3], now, live)
        return self._list("/v1/" + parts[2], req, now, live)

    def _line_items(self, session_id: str, req: Request, now: float) -> dict[str, Any]:
        items = self._payments.line_items(session_id, now)
        if items is None:
            raise StripeError(404, f"No such checkout session: '{session_id}'",
                              code="resource_missing", param="id")
        limit = _integer(dict(req.query), "limit", 10)
        after = req.param("starting_after")
        start = next((n + 1 for n, item in enumerate(items) if item["id"] == after), 0)
        page = items[start:start + limit]
        return {"object": "list", "data": page, "has_more": start + limit < len(items),
                "url": f"/v1/checkout/sessions/{session_id}/line_items"}

    def _retrieve(self, kind: str, object_id: str, now: float, live: bool) -> dict[str, Any]:
        book = self._sim.transactions
        if kind in ("intents", "disputes", "sessions"):
            found = self._payments.find(kind, object_id, now)
            if found is not None:
                return found
        elif kind == "charges":
            charge = book.find_charge(object_id, now)
            if charge is not None and charge.created <= now:
                return charge_json(charge, live)
        else:
            refund = book.find_refund(object_id, now)
            if refund is not None:
                return refund_json(refund)
        raise StripeError(404, f"No such {_NOUNS[kind]}: '{object_id}'",
                          code="resource_missing", param="id")

    def _list(self, path: str, req: Request, now: float, live: bool) -> dict[str, Any]:
        params: dict[str, str] = {}
        expand: set[str] = set()
        for name, value in req.query:
            if name == "expand" or name.startswith("expand["):
                expand.add(value)  # only data.line_items of sessions does anything here
                continue
            if name not in _LIST_PARAMS and name not in _FILTERS[path]:
                raise StripeError(400, f"Received unknown parameter: {name}", param=name)
            params[name] = value
        limit = _integer(params, "limit", 10)
        if not 1 <= limit <= 100:
            bound = "greater than or equal to 1" if limit < 1 else "less than or equal to 100"
            raise StripeError(400, f"This value must be {bound} (it currently is {limit}).",
                              param="limit")
        lo, hi = 0, math.floor(now)
        if "created" in params:
            lo = _integer(params, "created", 0)
            hi = min(lo, hi)
        lo = max(lo, _integer(params, "created[gte]", lo),
                 _integer(params, "created[gt]", lo - 1) + 1)
        hi = min(hi, _integer(params, "created[lte]", hi),
                 _integer(params, "created[lt]", hi + 1) - 1)
        after, before = params.get("starting_after"), params.get("ending_before")
        if after and before:
            raise StripeError(400, "You may only specify one of these parameters: "
                              "ending_before, starting_after.")
        book = self._sim.transactions
        data: list[dict[str, Any]]
        try:
            if path in _PAYMENT_LISTS:
                data, more = self._payments.page(
                    _PAYMENT_LISTS[path], lo, hi, limit, after, before, now,
                    expand_items="data.line_items" in expand)
            elif path == "/v1/charges":
                if "payment_intent" in params:
                    charges, more = self._one_charge(params["payment_intent"], lo, hi, now)
                else:
                    charges, more = book.page_charges(lo, hi, limit, after, before, now)
                data = [charge_json(c, live) for c in charges]
            else:
                if "charge" in params or "payment_intent" in params:
                    refunds, more = self._one_refund(params, lo, hi, now)
                else:
                    refunds, more = book.page_refunds(lo, hi, limit, after, before)
                data = [refund_json(r) for r in refunds]
        except KeyError as exc:
            which = "starting_after" if after else "ending_before"
            noun = _NOUNS.get(_PAYMENT_LISTS.get(path, path.rsplit("/", 1)[-1]), "object")
            raise StripeError(400, f"No such {noun}: '{exc.args[0]}'", code="resource_missing",
                              param=which) from None
        return {"object": "list", "data": data, "has_more": more, "url": path}

    def _one_charge(self, intent: str, lo: int, hi: int, now: float
                    ) -> tuple[list[Charge], bool]:
        charges = self._payments.charges_of(intent, now)
        return [c for c in charges if lo <= c.created <= hi], False

    def _one_refund(self, params: dict[str, str], lo: int, hi: int, now: float
                    ) -> tuple[list[Refund], bool]:
        if "charge" in params:
            one = self._sim.transactions.find_charge(params["charge"], now)
            charges = [one] if one is not None else []
        else:
            charges = self._payments.charges_of(params["payment_intent"], now)
        refunds = []
        for charge in charges:
            if charge.refund_id is not None:
                refund = self._sim.transactions.find_refund(charge.refund_id, now)
                if refund is not None and lo <= refund.created <= hi:
                    refunds.append(refund)
        return refunds, False


def _integer(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise StripeError(400, f"Invalid integer: {raw}", param=name) from None


def charge_json(c: Charge, live: bool) -> dict[str, Any]:
    """A charge object with every field a real one carries (most of them null)."""
    ok = c.status == "succeeded"
    core = c.id[3:]
    outcome: dict[str, Any]
    if ok:
        outcome = {"type": "authorized", "network_status": "approved_by_network",
                   "reason": None, "seller_message": "Payment complete."}
    else:
        outcome = {"type": "issuer_declined", "network_status": "declined_by_network",
                   "reason": c.outcome_reason,
                   "seller_message": f"The bank returned the decline code `{c.outcome_reason}`."}
    outcome |= {"risk_level": "normal" if c.risk_score < 65 else "elevated",
                "risk_score": c.risk_score, "advice_code": None, "network_advice_code": None,
                "network_decline_code": None, "rule": None}
    return {
        "id": c.id, "object": "charge", "amount": c.amount,
        "amount_captured": c.amount if ok else 0, "amount_refunded": c.amount_refunded,
        "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": "txn_" + core if ok else None,
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "calculated_statement_descriptor": "NOC MARKET", "captured": ok, "created": c.created,
        "currency": c.currency, "customer": c.customer, "description": c.description,
        "destination": None, "dispute": None, "disputed": False,
        "failure_balance_transaction": None, "failure_code": c.failure_code,
        "failure_message": c.failure_message, "fraud_details": {}, "invoice": None,
        "livemode": live, "metadata": {"product": c.description, "order_id": "ord_" + core},
        "on_behalf_of": None, "outcome": outcome, "paid": ok,
        "payment_intent": c.payment_intent, "payment_method": "pm_" + core,
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242",
                                                            "funding": "credit"}},
        "receipt_email": None, "receipt_number": None, "receipt_url": None,
        "refunded": c.refunded, "review": None, "shipping": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": c.status, "transfer_data": None, "transfer_group": None,
    }


def refund_json(r: Refund) -> dict[str, Any]:
    """A refund object."""
    return {
        "id": r.id, "object": "refund", "amount": r.amount,
        "balance_transaction": "txn_" + r.id[3:], "charge": r.charge, "created": r.created,
        "currency": r.currency, "destination_details": None, "metadata": {},
        "payment_intent": r.payment_intent, "reason": r.reason, "receipt_number": None,
        "source_transfer_reversal": None, "status": r.status, "transfer_reversal": None,
    }
