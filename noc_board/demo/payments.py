"""Payment intents, disputes and checkout sessions of the demo marketplace, as Stripe JSON.

All three derive from the charge book's columns (`noc_board.demo.transactions`), so they agree
with the charges: one payment intent (and one Checkout session) per first attempt, succeeded
once a charge of it succeeded (a declined attempt and its retry share the intent); a session
is complete when its intent is paid, open for an hour otherwise, then expired; its line items
split the charge's amount over the product sold and, sometimes, a second one. Disputes are
dated days after their charge, needs_response for a week, under_review for two more, then won
or lost. Statuses are as of the time asked, like refunds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from noc_board.demo.noise import uniform
from noc_board.demo.transactions import DAY, PRODUCTS, Charge, ChargeBook, Rows

SESSION_OPEN = 3600  # the demo's sessions expire after an hour (Stripe's default is 24 h)
_DISPUTE_REASONS = (("fraudulent", 0.5), ("product_not_received", 0.25),
                    ("product_unacceptable", 0.15), ("duplicate", 0.1))


class Payments:
    """Renders the intents, disputes and checkout sessions of one charge book."""

    def __init__(self, book: ChargeBook, seed: int) -> None:
        self._book = book
        self._seed = seed

    def page(self, kind: str, lo: int, hi: int, limit: int, after: str | None,
             before: str | None, as_of: float, expand_items: bool = False
             ) -> tuple[list[dict[str, Any]], bool]:
        """One page of list `kind` (intents, disputes, sessions), newest first, as JSON."""
        rows, more = self._book.page_rows(kind, lo, hi, limit, after, before)
        if kind == "intents":
            return self._intents(rows, as_of), more
        if kind == "disputes":
            return self._disputes(rows, as_of), more
        return self._sessions(rows, as_of, expand_items), more

    def find(self, kind: str, object_id: str, as_of: float) -> dict[str, Any] | None:
        prefix, tag = {"intents": ("pi_", "id.charge"), "sessions": ("cs_", "id.charge"),
                       "disputes": ("dp_", "id.dispute")}[kind]
        row = self._book.find_row(object_id, prefix, tag)
        if row is None:
            return None
        time = row.dispute_created if kind == "disputes" else row.created
        if int(time[0]) > as_of:
            return None
        found = self.render(kind, row, as_of)
        return found[0] if found else None

    def render(self, kind: str, rows: Rows, as_of: float) -> list[dict[str, Any]]:
        if kind == "intents":
            return self._intents(rows, as_of)
        if kind == "disputes":
            return self._disputes(rows, as_of)
        return self._sessions(rows, as_of, False)

    def line_items(self, session_id: str, as_of: float) -> list[dict[str, Any]] | None:
        row = self._book.find_row(session_id, "cs_", "id.charge")
        if row is None or int(row.created[0]) > as_of:
            return None
        return self._items(row)[0]

    def charges_of(self, intent_id: str, as_of: float) -> list[Charge]:
        """The charges of a payment intent, newest first (a retry, then the declined one)."""
        row = self._book.find_row(intent_id, "pi_", "id.charge")
        if row is None:
            return []
        out = []
        retry = self._book.retry_of(row)
        if retry is not None and int(retry.created[0]) <= as_of:
            out += self._book.charges_from(retry, as_of)
        if int(row.created[0]) <= as_of:
            out += self._book.charges_from(row, as_of)
        return out

    # -- payment intents ------------------------------------------------------------------

    def _paid(self, rows: Rows, as_of: float) -> np.ndarray[Any, np.dtype[np.bool_]]:
        retried = (rows.retried_at >= 0) & (rows.retried_at <= as_of)
        paid: np.ndarray[Any, np.dtype[np.bool_]] = (rows.status == 0) | retried
        return paid

    def _intents(self, rows: Rows, as_of: float) -> list[dict[str, Any]]:
        book = self._book
        ids = book.ids_for("pi_", rows.minute, rows.j, "id.charge")
        charge_ids = book.ids_for("ch_", rows.minute, rows.j, "id.charge")
        retry_ids = book.ids_for("ch_", rows.minute, rows.j + 1, "id.charge")
        declines = book.declines_of(rows)
        paid = self._paid(rows, as_of).tolist()
        retried = ((rows.retried_at >= 0) & (rows.retried_at <= as_of)).tolist()
        products = book.products_of(rows).tolist()
        out = []
        for n in range(len(rows)):
            decline = declines[n]
            error = None
            if not paid[n] and decline is not None:
                error = {"type": "api_error" if decline[0] == "processing_error"
                         else "card_error", "code": decline[0],
                         "decline_code": decline[1] if decline[0] == "card_declined" else None,
                         "message": decline[2], "charge": charge_ids[n]}
            amount = int(rows.amount[n])
            out.append({
                "id": ids[n], "object": "payment_intent", "amount": amount,
                "amount_received": amount if paid[n] else 0, "capture_method": "automatic",
                "confirmation_method": "automatic", "canceled_at": None,
                "cancellation_reason": None, "client_secret": None,
                "created": int(rows.created[n]),
                "currency": book.currencies[int(rows.currency[n])], "customer": None,
                "description": PRODUCTS[products[n]], "last_payment_error": error,
                "latest_charge": retry_ids[n] if retried[n] else charge_ids[n],
                "livemode": False, "metadata": {}, "payment_method_types": ["card"],
                "status": "succeeded" if paid[n] else "requires_payment_method",
            })
        return out

    # -- disputes ---------------------------------------------------------------------------

    def _disputes(self, rows: Rows, as_of: float) -> list[dict[str, Any]]:
        book = self._book
        ids = book.ids_for("dp_", rows.minute, rows.j, "id.dispute")
        charge_ids = book.ids_for("ch_", rows.minute, rows.j, "id.charge")
        intents = book.ids_for("pi_", rows.minute, rows.intent_j, "id.charge")
        won = uniform(self._seed, "dispute.outcome", rows.minute, rows.j) < 0.4
        weights = np.cumsum([w for _, w in _DISPUTE_REASONS])
        why = np.searchsorted(weights, uniform(self._seed, "dispute.reason", rows.minute, rows.j)
                              * weights[-1])
        out = []
        for n in range(len(rows)):
            created = int(rows.dispute_created[n])
            age = as_of - created
            status = ("needs_response" if age < 7 * DAY else "under_review" if age < 21 * DAY
                      else "won" if won[n] else "lost")
            out.append({
                "id": ids[n], "object": "dispute", "amount": int(rows.amount[n]),
                "balance_transactions": [], "charge": charge_ids[n], "created": created,
                "currency": book.currencies[int(rows.currency[n])],
                "evidence_details": {"due_by": created + 7 * DAY, "has_evidence": False,
                                     "past_due": age >= 7 * DAY, "submission_count": 0},
                "is_charge_refundable": False, "livemode": False, "metadata": {},
                "payment_intent": intents[n], "reason": _DISPUTE_REASONS[int(why[n])][0],
                "status": status,
            })
        return out

    # -- checkout sessions ------------------------------------------------------------------

    def _sessions(self, rows: Rows, as_of: float, expand: bool) -> list[dict[str, Any]]:
        book = self._book
        ids = book.ids_for("cs_", rows.minute, rows.j, "id.charge")
        intents = book.ids_for("pi_", rows.minute, rows.j, "id.charge")
        paid = self._paid(rows, as_of).tolist()
        items = self._items(rows) if expand else []
        out = []
        for n in range(len(rows)):
            created = int(rows.created[n])
            status = ("complete" if paid[n] else "open" if as_of - created < SESSION_OPEN
                      else "expired")
            amount = int(rows.amount[n])
            session: dict[str, Any] = {
                "id": ids[n], "object": "checkout.session", "amount_subtotal": amount,
                "amount_total": amount, "created": created,
                "currency": book.currencies[int(rows.currency[n])], "customer": None,
                "expires_at": created + SESSION_OPEN, "livemode": False, "metadata": {},
                "mode": "payment", "payment_intent": intents[n],
                "payment_status": "paid" if paid[n] else "unpaid", "status": status,
                "success_url": "https://shop.example/order-confirmation", "url": None,
            }
            if expand:
                session["line_items"] = {"object": "list", "data": items[n], "has_more": False,
                                         "url": f"/v1/checkout/sessions/{ids[n]}/line_items"}
            out.append(session)
        return out

    def _items(self, rows: Rows) -> list[list[dict[str, Any]]]:
        """Line items per session: the product of its intent, and sometimes a second one."""
        book = self._book
        m, j = rows.minute, rows.j
        first = book.products_of(rows)
        two = uniform(self._seed, "session.items", m, j) < 0.3
        second = (first + 1 + (uniform(self._seed, "session.other", m, j)
                               * (len(PRODUCTS) - 1)).astype(np.int64)) % len(PRODUCTS)
        quantity = 1 + (uniform(self._seed, "session.quantity", m, j) < 0.2).astype(np.int64)
        base = book.ids_for("li_", m, j, "id.item")
        out = []
        for n in range(len(rows)):
            currency = book.currencies[int(rows.currency[n])]
            amount = int(rows.amount[n])
            step = 10 if currency in ("bhd", "jod", "kwd", "omr", "tnd") else 1
            main = amount if not two[n] else max(step, int(amount * 0.7) // step * step)
            parts = [(int(first[n]), int(quantity[n]), main)]
            if two[n] and amount - main > 0:
                parts.append((int(second[n]), 1, amount - main))
            out.append([_item(f"{base[n]}{k}", p, q, a, currency)
                        for k, (p, q, a) in enumerate(parts)])
        return out


def _item(item_id: str, product: int, quantity: int, amount: int, currency: str
          ) -> dict[str, Any]:
    return {
        "id": item_id, "object": "item", "amount_discount": 0, "amount_subtotal": amount,
        "amount_tax": 0, "amount_total": amount, "currency": currency,
        "description": PRODUCTS[product], "quantity": quantity,
        "price": {"id": f"price_demo{product:02d}", "object": "price", "currency": currency,
                  "product": f"prod_demo{product:02d}", "unit_amount": amount // quantity,
                  "type": "one_time"},
    }
