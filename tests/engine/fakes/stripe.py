"""A fake Stripe v1 list API, with its pagination, auth and errors.

Charges, refunds, disputes, payment intents and checkout sessions (whose `line_items` are
left out unless `expand[]=data.line_items` asks, and then only the first `expand_items`; the
rest come from `/v1/checkout/sessions/{id}/line_items`). Lists are newest first, `limit`
1-100, `created[gt|gte|lt|lte]` filters (brackets raw or %-encoded), `starting_after` cursors
and `has_more`. A wrong key gets the 401 error shape; `errors` holds replies to serve before
anything else (429s, 500s with Stripe-Should-Retry); `delay` slows every list page.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.engine.fakes.loopback import Reply, Request, json_reply

_seq = itertools.count()
_OPS = {"created": "eq", "created[gt]": "gt", "created[gte]": "gte", "created[lt]": "lt",
        "created[lte]": "lte"}


def charge(
    cid: str, created: int, amount: int, currency: str = "usd", status: str = "succeeded",
    **extra: Any,
) -> dict[str, Any]:
    """A charge with the fields a real one carries (most of them null here)."""
    failed = status == "failed"
    return {
        "id": cid, "object": "charge", "amount": amount,
        "amount_captured": 0 if failed else amount, "amount_refunded": 0,
        "currency": currency, "created": created, "livemode": False, "status": status,
        "paid": status == "succeeded", "captured": status == "succeeded", "refunded": False,
        "disputed": False, "failure_code": "card_declined" if failed else None,
        "failure_message": "Your card was declined." if failed else None,
        "payment_intent": f"pi_{cid}", "customer": None, "description": None, "metadata": {},
        "outcome": {"type": "issuer_declined" if failed else "authorized",
                    "network_status": "declined_by_network" if failed else "approved_by_network",
                    "reason": "insufficient_funds" if failed else None, "risk_level": "normal"},
        "_seq": next(_seq), **extra,
    }


def refund(rid: str, created: int, amount: int, currency: str = "usd",
           status: str = "succeeded") -> dict[str, Any]:
    return {"id": rid, "object": "refund", "amount": amount, "currency": currency,
            "created": created, "status": status, "charge": None, "payment_intent": None,
            "reason": None, "_seq": next(_seq)}


def dispute(did: str, created: int, amount: int, currency: str = "usd",
            status: str = "needs_response") -> dict[str, Any]:
    return {"id": did, "object": "dispute", "amount": amount, "currency": currency,
            "created": created, "status": status, "reason": "fraudulent", "charge": None,
            "_seq": next(_seq)}


def intent(pid: str, created: int, amount: int, status: str = "succeeded",
           error_code: str | None = None, currency: str = "usd") -> dict[str, Any]:
    error = None if error_code is None else {"type": "card_error", "code": error_code,
                                               "decline_code": "insufficient_funds"}
    return {"id": pid, "object": "payment_intent", "amount": amount, "currency": currency,
            "created": created, "status": status, "last_payment_error": error,
            "_seq": next(_seq)}


def line_item(description: str, quantity: int, amount_total: int,
              currency: str = "usd") -> dict[str, Any]:
    return {"id": f"li_{next(_seq)}", "object": "item", "description": description,
            "quantity": quantity, "amount_total": amount_total, "amount_subtotal": amount_total,
            "amount_discount": 0, "amount_tax": 0, "currency": currency,
            "price": {"id": "price_1", "object": "price", "product": "prod_1"}}


def session(sid: str, created: int, items: list[dict[str, Any]], status: str = "complete",
            currency: str = "usd") -> dict[str, Any]:
    return {"id": sid, "object": "checkout.session", "created": created, "status": status,
            "payment_status": "paid" if status == "complete" else "unpaid", "mode": "payment",
            "currency": currency, "amount_total": sum(i["amount_total"] for i in items),
            "_items": items, "_seq": next(_seq)}


def stripe_error(status: int, kind: str, message: str, **extra: Any) -> Reply:
    return json_reply({"error": {"type": kind, "message": message, **extra}}, status)


@dataclass
class FakeStripe:
    """Charges and refunds, served like `GET /v1/charges` and `GET /v1/refunds`."""

    key: str = "rk_test_wallboard_0123"
    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    disputes: list[dict[str, Any]] = field(default_factory=list)
    intents: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Reply] = field(default_factory=list)
    expand_items: int = 2
    delay: float = 0.0

    def __call__(self, request: Request) -> Reply:
        if self.errors:
            return self.errors.pop(0)
        reply = self._answer(request)
        reply.delay = self.delay
        return reply

    def _answer(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            shown = request.headers.get("authorization", "").removeprefix("Bearer ")
            return stripe_error(401, "invalid_request_error",
                                f"Invalid API Key provided: {shown[:8]}****{shown[-4:]}")
        if request.path.startswith("/v1/checkout/sessions/") and request.path.endswith(
                "/line_items"):
            return self._line_items(request.path.split("/")[4], dict(request.query))
        objects = {"/v1/charges": self.charges, "/v1/refunds": self.refunds,
                   "/v1/disputes": self.disputes, "/v1/payment_intents": self.intents,
                   "/v1/checkout/sessions": self.sessions}.get(request.path)
        if objects is None:
            return stripe_error(404, "invalid_request_error",
                                f"Unrecognized request URL (GET: {request.path}).")
        return self._list(request.path, objects, dict(request.query))

    def _line_items(self, session_id: str, params: dict[str, str]) -> Reply:
        found = [s for s in self.sessions if s["id"] == session_id]
        if not found:
            return stripe_error(404, "invalid_request_error",
                                f"No such checkout session: '{session_id}'",
                                code="resource_missing")
        items = found[0]["_items"]
        after = params.get("starting_after")
        start = next((i + 1 for i, it in enumerate(items) if it["id"] == after), 0)
        limit = int(params.get("limit", "10"))
        page = items[start:start + limit]
        return json_reply({"object": "list", "url": f"/v1/checkout/sessions/{session_id}/"
                           "line_items", "has_more": start + limit < len(items), "data": page})

    def _list(self, path: str, objects: list[dict[str, Any]], params: dict[str, str]) -> Reply:
        expand = [params.pop(k) for k in [k for k in params if k.startswith("expand[")]]
        unknown = set(params) - {"limit", "starting_after", "ending_before", *_OPS}
        if unknown:
            return stripe_error(400, "invalid_request_error",
                                f"Received unknown parameter: {sorted(unknown)[0]}")
        limit = int(params.get("limit", "10"))
        if not 1 <= limit <= 100:
            return stripe_error(400, "invalid_request_error",
                                "Invalid integer: must be between 1 and 100", param="limit")
        ordered = sorted(objects, key=lambda o: (o["created"], o["_seq"]), reverse=True)
        after = params.get("starting_after")
        if after is not None:
            ids = [o["id"] for o in ordered]
            if after not in ids:
                return stripe_error(400, "invalid_request_error",
                                    f"No such object: '{after}'", code="resource_missing")
            ordered = ordered[ids.index(after) + 1 :]
        for key, op in _OPS.items():
            if key in params:
                bound = int(params[key])
                ordered = [o for o in ordered if _compare(o["created"], op, bound)]
        page = ordered[:limit]
        data = [{k: v for k, v in o.items() if not k.startswith("_")} for o in page]
        if "data.line_items" in expand:
            for shown, original in zip(data, page, strict=True):
                items = original["_items"]
                shown["line_items"] = {"object": "list", "data": items[:self.expand_items],
                                       "has_more": len(items) > self.expand_items}
        return json_reply({"object": "list", "url": path, "has_more": len(ordered) > limit,
                           "data": data})


def _compare(value: int, op: str, bound: int) -> bool:
    return {"eq": value == bound, "gt": value > bound, "gte": value >= bound,
            "lt": value < bound, "lte": value <= bound}[op]
