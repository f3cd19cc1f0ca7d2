"""Stripe v1 wire types (msgspec): the fields of each listed object the board reads.

Objects carry many more fields (api-facts.md section 3); msgspec skips them while decoding, so
a page of full charge objects decodes at hundreds of MB/s. Every list has the same envelope,
`{"object": "list", "data": [...], "has_more": bool}`, newest first.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    """One page of a list endpoint, newest first; `has_more` is about the paging direction."""

    data: list[T]
    has_more: bool = False


class StripeCharge(msgspec.Struct):
    """A charge: one attempt to take a payment (`status` succeeded, pending or failed)."""

    id: str
    created: int
    amount: int
    currency: str
    status: str
    payment_intent: str | None = None
    failure_code: str | None = None
    description: str | None = None
    metadata: dict[str, Any] | None = None

    def attempt_key(self) -> str:
        """What a retry shares: the payment intent, or the charge itself without one."""
        return self.payment_intent or self.id


class StripeRefund(msgspec.Struct):
    """A refund of (part of) a charge; counted by its own `created`, the refund date."""

    id: str
    created: int
    amount: int
    currency: str
    status: str | None = None
    reason: str | None = None


class StripeDispute(msgspec.Struct):
    """A dispute (chargeback) of a charge; counted by its `created`."""

    id: str
    created: int
    amount: int
    currency: str
    status: str | None = None
    reason: str | None = None


class PaymentError(msgspec.Struct):
    """`last_payment_error` of a payment intent (only the codes are read)."""

    code: str | None = None
    decline_code: str | None = None


class StripeIntent(msgspec.Struct):
    """A payment intent: one payment, whatever number of charges (retries) it took."""

    id: str
    created: int
    amount: int
    currency: str
    status: str
    last_payment_error: PaymentError | None = None


class Price(msgspec.Struct):
    """A line item's price; `product` is an id, or the product object when expanded."""

    id: str | None = None
    product: Any = None


class LineItem(msgspec.Struct):
    """One line of a checkout session: what was sold, how many, for how much (minor units)."""

    id: str | None = None
    description: str | None = None
    quantity: int | None = None
    amount_total: int = 0
    currency: str | None = None
    price: Price | None = None

    def label(self) -> str | None:
        """The product's name: the description, else the product's name or id."""
        if self.description and self.description.strip():
            return self.description.strip()[:80]
        product = self.price.product if self.price is not None else None
        if isinstance(product, dict):
            name = product.get("name")
            product = name if isinstance(name, str) else product.get("id")
        if isinstance(product, str) and product.strip():
            return product.strip()[:80]
        return None


class LineItems(msgspec.Struct):
    """An expanded `line_items` list (the first handful of items) or a line_items page."""

    data: list[LineItem] = []
    has_more: bool = False


class CheckoutSession(msgspec.Struct):
    """A Stripe Checkout session; `line_items` only when expanded."""

    id: str
    created: int
    status: str | None = None
    payment_status: str | None = None
    currency: str | None = None
    amount_total: int | None = None
    line_items: LineItems | None = None


StripeObject = StripeCharge | StripeRefund | StripeDispute | StripeIntent | CheckoutSession

# statuses that may still change: such objects are counted only once they settle (or are old)
UNSETTLED: dict[str, frozenset[str]] = {
    "charges": frozenset({"pending"}),
    "refunds": frozenset({"pending", "requires_action"}),
    "disputes": frozenset(),
    "intents": frozenset({"requires_payment_method", "requires_confirmation", "requires_action",
                          "processing", "requires_capture"}),
    "sessions": frozenset({"open"}),
}


def status_of(obj: StripeObject) -> str:
    """The object's status ("" when it has none)."""
    return getattr(obj, "status", None) or ""
