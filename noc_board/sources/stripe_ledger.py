"""The Stripe day ledger: charges and refunds seen since the window start, and the measures.

Stripe has no metrics API, so the connector keeps the charges and refunds of the current day
(plus the last hour, which crosses midnight for an hour) in memory, keyed by id so a charge
seen twice counts once and a status change replaces the old record. What falls out of the
window is dropped, so memory stays bounded by one day of payments.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from noc_board.sources.stripe_money import Converter, to_major

MEASURES = (
    "orders_today",
    "revenue_today",
    "aov_today",
    "refunds_today",
    "refund_value_today",
    "refund_rate_today",
    "failed_payments_today",
    "decline_rate_1h",
    "orders_last_hour",
    "revenue_last_hour",
)
TOP_PRODUCTS = 10
_NOT_REFUNDED = ("failed", "canceled")
_UNSETTLED = ("pending", "requires_action")


class StripeCharge(msgspec.Struct):
    """The fields of a Stripe charge the board reads (others are ignored)."""

    id: str
    created: int
    amount: int
    currency: str
    status: str
    description: str | None = None
    metadata: dict[str, Any] | None = None


class StripeRefund(msgspec.Struct):
    """The fields of a Stripe refund the board reads."""

    id: str
    created: int
    amount: int
    currency: str
    status: str | None = None


class ChargePage(msgspec.Struct):
    """One page of `GET /v1/charges`, newest first."""

    data: list[StripeCharge]
    has_more: bool = False


class RefundPage(msgspec.Struct):
    """One page of `GET /v1/refunds`, newest first."""

    data: list[StripeRefund]
    has_more: bool = False


@dataclass(frozen=True, slots=True)
class Payment:
    """A charge or refund as the ledger keeps it."""

    created: int
    amount: int
    currency: str
    status: str
    label: str | None = None


def _label(charge: StripeCharge) -> str | None:
    product = (charge.metadata or {}).get("product")
    if isinstance(product, str) and product.strip():
        return product.strip()[:80]
    if charge.description and charge.description.strip():
        return charge.description.strip()[:80]
    return None


@dataclass(slots=True)
class _Book:
    """Payments by id, the newest `created` seen, and which are not settled yet."""

    items: dict[str, Payment] = field(default_factory=dict)
    newest: int | None = None

    def add(self, key: str, payment: Payment) -> None:
        self.items[key] = payment
        self.newest = payment.created if self.newest is None else max(self.newest, payment.created)

    def fetch_from(self, window_start: int) -> int:
        """`created[gte]` for the next fetch: the newest seen, or an older unsettled one."""
        if self.newest is None:
            return window_start
        since = self.newest
        unsettled = [p.created for p in self.items.values() if p.status in _UNSETTLED]
        if unsettled:
            since = min(since, min(unsettled))
        return max(window_start, since)

    def prune(self, before: int) -> None:
        for key in [k for k, p in self.items.items() if p.created < before]:
            del self.items[key]


class Ledger:
    """Charges and refunds in the window [window start, now]."""

    def __init__(self) -> None:
        self.charges = _Book()
        self.refunds = _Book()

    def add_charges(self, charges: Iterable[StripeCharge]) -> None:
        for c in charges:
            self.charges.add(
                c.id, Payment(c.created, c.amount, c.currency.lower(), c.status, _label(c))
            )

    def add_refunds(self, refunds: Iterable[StripeRefund]) -> None:
        for r in refunds:
            self.refunds.add(
                r.id, Payment(r.created, r.amount, r.currency.lower(), r.status or "succeeded")
            )

    def prune(self, before: int) -> None:
        self.charges.prune(before)
        self.refunds.prune(before)


@dataclass(slots=True)
class Figures:
    """The measures, the per-currency and per-product tables, and notes for one poll."""

    values: dict[str, float]
    by_currency: list[tuple[str, float]]
    products: list[tuple[str, float]]
    notes: list[str]


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def compute(ledger: Ledger, now: float, midnight: float, money: Converter) -> Figures:
    """Every measure at `now`; "today" starts at `midnight`, the last hour at now - 3600."""
    hour_ago = now - 3600.0
    charges = list(ledger.charges.items.values())
    today = [c for c in charges if c.created >= midnight]
    hour = [c for c in charges if c.created >= hour_ago]
    paid_today = [c for c in today if c.status == "succeeded"]
    paid_hour = [c for c in hour if c.status == "succeeded"]
    refunds = [
        r for r in ledger.refunds.items.values()
        if r.created >= midnight and r.status not in _NOT_REFUNDED
    ]
    left_out: set[str] = set()

    def total(payments: list[Payment]) -> tuple[float, int]:
        minor: dict[str, int] = defaultdict(int)
        counted = 0
        for p in payments:
            if money.can_convert(p.currency):
                minor[p.currency] += p.amount
                counted += 1
            else:
                left_out.add(p.currency)
        return sum(money.convert(v, k) or 0.0 for k, v in minor.items()), counted

    revenue, priced_orders = total(paid_today)
    refund_value, _ = total(refunds)
    revenue_hour, _ = total(paid_hour)
    values = {
        "orders_today": float(len(paid_today)),
        "revenue_today": revenue,
        "aov_today": _ratio(revenue, priced_orders),
        "refunds_today": float(len(refunds)),
        "refund_value_today": refund_value,
        "refund_rate_today": _ratio(len(refunds), len(paid_today)),
        "failed_payments_today": float(sum(c.status == "failed" for c in today)),
        "decline_rate_1h": _ratio(sum(c.status == "failed" for c in hour), len(hour)),
        "orders_last_hour": float(len(paid_hour)),
        "revenue_last_hour": revenue_hour,
    }
    notes = []
    if left_out:
        codes = ", ".join(sorted(c.upper() for c in left_out))
        notes.append(
            f"payments in {codes} left out of {money.reporting.upper()} totals (no exchange rate)"
        )
    return Figures(values, _by_currency(paid_today), _products(paid_today, money), notes)


def _by_currency(paid: list[Payment]) -> list[tuple[str, float]]:
    minor: dict[str, int] = defaultdict(int)
    for p in paid:
        minor[p.currency] += p.amount
    # amounts in different currencies do not compare: ordered by code
    return sorted((code.upper(), to_major(amount, code)) for code, amount in minor.items())


def _products(paid: list[Payment], money: Converter) -> list[tuple[str, float]]:
    revenue: dict[str, float] = defaultdict(float)
    for p in paid:
        value = money.convert(p.amount, p.currency)
        if p.label is not None and value is not None:
            revenue[p.label] += value
    rows = sorted(revenue.items(), key=lambda row: (-row[1], row[0]))
    return rows[:TOP_PRODUCTS]
