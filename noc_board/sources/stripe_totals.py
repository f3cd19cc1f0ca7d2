"""Stripe day totals: what one local day's payments add up to, in integers, per currency.

A `DayTotals` is what the connector persists per local day (as JSON, with msgspec), so week
and month figures survive a restart without listing a month of payments again. Money stays in
integer minor units per currency; conversion into the reporting currency happens when figures
are shown, so a changed exchange rate applies to the past too and sums carry no float drift.
Product tables are capped per day (`MAX_PRODUCTS`): the smallest rows merge into "(other)".
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

import msgspec

from noc_board.sources.stripe_wire import (
    CheckoutSession,
    StripeCharge,
    StripeDispute,
    StripeIntent,
    StripeObject,
    StripeRefund,
)

MAX_PRODUCTS = 200
OTHER = "(other)"
RETURN_REASON = "requested_by_customer"  # a refund the customer asked for: a return
_NOT_REFUNDED = ("failed", "canceled")

Money = dict[str, int]  # currency (lower case) -> minor units


class Product(msgspec.Struct, array_like=True):
    """Units sold and money taken for one product in one day."""

    units: int = 0
    money: Money = {}


class DayTotals(msgspec.Struct, omit_defaults=True):
    """One local day of payments, attributed by each object's own `created` (so a refund
    counts on the day it was made, not on its charge's day)."""

    orders: int = 0  # succeeded charges
    gross: Money = {}  # succeeded charges, before refunds
    paid: dict[str, int] = {}  # succeeded charges by currency (for AOV in one currency)
    failed: int = 0  # failed charges (every attempt, retries included)
    codes: dict[str, int] = {}  # failed charges by failure_code
    labels: dict[str, Money] = {}  # succeeded charges by metadata.product or description
    refunds: int = 0
    refunded: Money = {}
    returns: int = 0  # refunds with reason requested_by_customer
    reasons: dict[str, int] = {}
    disputes: int = 0
    disputed: Money = {}
    intents: int = 0  # payment intents created
    intents_ok: int = 0
    intents_failed: int = 0  # not succeeded, with a last_payment_error
    sessions: int = 0  # checkout sessions created
    sessions_complete: int = 0
    products: dict[str, Product] = {}  # from complete checkout sessions' line items

    def merge(self, other: DayTotals) -> None:
        """Add `other` into this day."""
        self.orders += other.orders
        self.failed += other.failed
        self.refunds += other.refunds
        self.returns += other.returns
        self.disputes += other.disputes
        self.intents += other.intents
        self.intents_ok += other.intents_ok
        self.intents_failed += other.intents_failed
        self.sessions += other.sessions
        self.sessions_complete += other.sessions_complete
        for mine, theirs in ((self.gross, other.gross), (self.refunded, other.refunded),
                             (self.disputed, other.disputed)):
            add_money(mine, theirs)
        for counts, more in ((self.codes, other.codes), (self.reasons, other.reasons),
                             (self.paid, other.paid)):
            for key, n in more.items():
                counts[key] = counts.get(key, 0) + n
        for label, money in other.labels.items():
            add_money(self.labels.setdefault(label, {}), money)
        for label, product in other.products.items():
            mine_p = self.products.setdefault(label, Product(0, {}))
            mine_p.units += product.units
            add_money(mine_p.money, product.money)
        cap_products(self)


def add_money(into: Money, more: Money) -> None:
    for currency, minor in more.items():
        into[currency] = into.get(currency, 0) + minor


def _bump(money: Money, currency: str, minor: int) -> None:
    money[currency] = money.get(currency, 0) + minor


def _label(charge: StripeCharge) -> str | None:
    product = (charge.metadata or {}).get("product")
    if isinstance(product, str) and product.strip():
        return product.strip()[:80]
    if charge.description and charge.description.strip():
        return charge.description.strip()[:80]
    return None


def add_object(day: DayTotals, kind: str, obj: StripeObject) -> None:
    """Count one listed object of list `kind` into `day`."""
    if kind == "charges" and isinstance(obj, StripeCharge):
        currency = obj.currency.lower()
        if obj.status == "succeeded":
            day.orders += 1
            _bump(day.gross, currency, obj.amount)
            _bump(day.paid, currency, 1)
            label = _label(obj)
            if label is not None:
                _bump(day.labels.setdefault(label, {}), currency, obj.amount)
        elif obj.status == "failed":
            day.failed += 1
            code = (obj.failure_code or "unknown")[:60]
            day.codes[code] = day.codes.get(code, 0) + 1
    elif kind == "refunds" and isinstance(obj, StripeRefund):
        if (obj.status or "succeeded") in _NOT_REFUNDED:
            return
        day.refunds += 1
        _bump(day.refunded, obj.currency.lower(), obj.amount)
        reason = (obj.reason or "unspecified")[:60]
        day.reasons[reason] = day.reasons.get(reason, 0) + 1
        if obj.reason == RETURN_REASON:
            day.returns += 1
    elif kind == "disputes" and isinstance(obj, StripeDispute):
        day.disputes += 1
        _bump(day.disputed, obj.currency.lower(), obj.amount)
    elif kind == "intents" and isinstance(obj, StripeIntent):
        day.intents += 1
        if obj.status == "succeeded":
            day.intents_ok += 1
        elif obj.last_payment_error is not None:
            day.intents_failed += 1
    elif kind == "sessions" and isinstance(obj, CheckoutSession):
        day.sessions += 1
        if obj.status == "complete":
            day.sessions_complete += 1
            _add_line_items(day, obj)


def _add_line_items(day: DayTotals, session: CheckoutSession) -> None:
    if session.line_items is None:
        return
    for item in session.line_items.data:
        label = item.label() or "(unnamed)"
        product = day.products.setdefault(label, Product(0, {}))
        product.units += max(0, item.quantity if item.quantity is not None else 1)
        currency = (item.currency or session.currency or "").lower()
        if currency:
            _bump(product.money, currency, item.amount_total)


def cap_products(day: DayTotals) -> None:
    """Keep the `MAX_PRODUCTS` best-selling products of each table; merge the rest."""
    if len(day.products) > MAX_PRODUCTS:
        ranked = sorted(day.products.items(), key=lambda kv: (-kv[1].units, kv[0]))
        kept = dict(ranked[: MAX_PRODUCTS - 1])
        other = kept.pop(OTHER, None) or Product(0, {})
        for label, product in ranked[MAX_PRODUCTS - 1:]:
            if label != OTHER:
                other.units += product.units
                add_money(other.money, product.money)
        kept[OTHER] = other
        day.products = kept
    if len(day.labels) > MAX_PRODUCTS:
        ranked_l = sorted(day.labels.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        kept_l = dict(ranked_l[: MAX_PRODUCTS - 1])
        rest = kept_l.pop(OTHER, None) or {}
        for label, money in ranked_l[MAX_PRODUCTS - 1:]:
            if label != OTHER:
                add_money(rest, money)
        kept_l[OTHER] = rest
        day.labels = kept_l


class LocalDays:
    """Maps unix seconds to the local date ("YYYY-MM-DD") in one time zone; remembers the
    days it met, so a page of payments (one or two days) costs a bisect per payment."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._keys: list[str] = []

    def midnight(self, key: str) -> int:
        """Unix seconds at the start of the local day `key`."""
        day = datetime.fromisoformat(key).replace(tzinfo=self.tz)
        return int(day.timestamp())

    def key(self, ts: float) -> str:
        at = int(ts // 1)
        i = bisect.bisect_right(self._starts, at) - 1
        if i >= 0 and at < self._ends[i]:
            return self._keys[i]
        local = datetime.fromtimestamp(at, self.tz).date()
        key = local.isoformat()
        start = self.midnight(key)
        end = self.midnight((local + timedelta(days=1)).isoformat())
        j = bisect.bisect_left(self._starts, start)
        self._starts.insert(j, start)
        self._ends.insert(j, end)
        self._keys.insert(j, key)
        if len(self._starts) > 400:  # bounded: a board running for years meets a day a day
            drop = 0 if j > 0 else len(self._starts) - 1
            del self._starts[drop], self._ends[drop], self._keys[drop]
        return key


def totals_by_day(
    kind: str, objects: Iterable[StripeObject], days: LocalDays
) -> dict[str, DayTotals]:
    """The objects of one list counted into the local days they were created on."""
    out: dict[str, DayTotals] = {}
    last_key = ""
    last_day: DayTotals | None = None
    for obj in objects:
        key = days.key(obj.created)
        if key != last_key or last_day is None:
            last_day = out.setdefault(key, DayTotals())
            last_key = key
        add_object(last_day, kind, obj)
    for day in out.values():
        cap_products(day)
    return out
