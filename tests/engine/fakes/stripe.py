"""A fake Stripe v1 list API for charges and refunds, with its pagination, auth and errors.

Lists are newest first, `limit` 1-100, `created[gt|gte|lt|lte]` filters (brackets raw or
%-encoded), `starting_after` cursors and `has_more`. A wrong key gets the 401 error shape;
`errors` holds replies to serve before anything else (429s, 500s with Stripe-Should-Retry).
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


def stripe_error(status: int, kind: str, message: str, **extra: Any) -> Reply:
    return json_reply({"error": {"type": kind, "message": message, **extra}}, status)


@dataclass
class FakeStripe:
    """Charges and refunds, served like `GET /v1/charges` and `GET /v1/refunds`."""

    key: str = "rk_test_wallboard_0123"
    charges: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Reply] = field(default_factory=list)

    def __call__(self, request: Request) -> Reply:
        if self.errors:
            return self.errors.pop(0)
        if request.headers.get("authorization") != f"Bearer {self.key}":
            shown = request.headers.get("authorization", "").removeprefix("Bearer ")
            return stripe_error(401, "invalid_request_error",
                                f"Invalid API Key provided: {shown[:8]}****{shown[-4:]}")
        objects = {"/v1/charges": self.charges, "/v1/refunds": self.refunds}.get(request.path)
        if objects is None:
            return stripe_error(404, "invalid_request_error",
                                f"Unrecognized request URL (GET: {request.path}).")
        return self._list(request.path, objects, dict(request.query))

    def _list(self, path: str, objects: list[dict[str, Any]], params: dict[str, str]) -> Reply:
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
        data = [{k: v for k, v in o.items() if k != "_seq"} for o in page]
        return json_reply({"object": "list", "url": path, "has_more": len(ordered) > limit,
                           "data": data})


def _compare(value: int, op: str, bound: int) -> bool:
    return {"eq": value == bound, "gt": value > bound, "gte": value >= bound,
            "lt": value < bound, "lte": value <= bound}[op]
