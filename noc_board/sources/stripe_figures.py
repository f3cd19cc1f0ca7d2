"""Stripe measures: the numbers and tables a `[[metrics]]` entry can ask for (`measure = ...`).

Computed from the book's day totals (today, this week since Monday, this month since the 1st,
all in the board's time zone) and its last hour of charges, with the KPI catalogue's formulas
(`noc_board.core.kpi_formulas`). Money is in the reporting currency; a currency without an
exchange rate is left out of money totals and named in a note, and still counted in counts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from noc_board.core import kpi_formulas as kf
from noc_board.sources.stripe_ledger import HOUR, StripeBook
from noc_board.sources.stripe_money import Converter, to_major
from noc_board.sources.stripe_totals import DayTotals, Money

# measure -> the lists it needs
NUMBERS: dict[str, frozenset[str]] = {
    "orders_today": frozenset({"charges"}),
    "orders_week": frozenset({"charges"}),
    "orders_month": frozenset({"charges"}),
    "orders_last_hour": frozenset({"charges"}),
    "revenue_today": frozenset({"charges"}),
    "revenue_week": frozenset({"charges"}),
    "revenue_month": frozenset({"charges"}),
    "revenue_last_hour": frozenset({"charges"}),
    "net_revenue_today": frozenset({"charges", "refunds", "disputes"}),
    "aov_today": frozenset({"charges"}),
    "refunds_today": frozenset({"refunds"}),
    "refund_value_today": frozenset({"refunds"}),
    "refund_rate_today": frozenset({"charges", "refunds"}),
    "refund_value_rate_today": frozenset({"charges", "refunds"}),
    "returns_today": frozenset({"refunds"}),
    "failed_payments_today": frozenset({"charges"}),
    "decline_rate_1h": frozenset({"charges"}),
    "disputes_today": frozenset({"disputes"}),
    "dispute_value_today": frozenset({"disputes"}),
    "payment_intents_today": frozenset({"intents"}),
    "payment_intents_succeeded_today": frozenset({"intents"}),
    "payment_intents_failed_today": frozenset({"intents"}),
}
# measure -> lists; each gives a table (a Breakdown under the metric's id) and a number
TABLES: dict[str, frozenset[str]] = {
    "revenue_by_currency": frozenset({"charges"}),  # number: revenue today
    "top_products": frozenset({"sessions"}),  # number: the best seller's revenue
    "top_products_units": frozenset({"sessions"}),  # number: the best seller's units
    "failure_codes": frozenset({"charges"}),  # number: failed payments today
    "refund_reasons": frozenset({"refunds"}),  # number: refunds today
}
MEASURES = tuple(NUMBERS) + tuple(TABLES)
ALWAYS = frozenset({"charges", "refunds"})  # the source-named tables need these
LAST_HOUR = frozenset({"orders_last_hour", "revenue_last_hour", "decline_rate_1h"})
PERIODS = frozenset({"orders_week", "orders_month", "revenue_week", "revenue_month"})


@dataclass(frozen=True, slots=True)
class Windows:
    """The local days that make today, this week (from Monday) and this month."""

    today: str
    week: str
    month: str
    midnight: float
    week_midnight: float
    month_midnight: float

    @staticmethod
    def at(now: float, tz: tzinfo) -> Windows:
        local = datetime.fromtimestamp(now, tz)
        today = local.date()
        monday = today - timedelta(days=today.weekday())
        first = today.replace(day=1)

        def midnight(d: date) -> float:
            return datetime(d.year, d.month, d.day, tzinfo=tz).timestamp()

        return Windows(today.isoformat(), monday.isoformat(), first.isoformat(),
                       midnight(today), midnight(monday), midnight(first))


@dataclass(slots=True)
class Figures:
    """Numbers by measure, tables by measure, the source-named tables, and notes."""

    values: dict[str, float] = field(default_factory=dict)
    tables: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def needed_lists(measures: set[str]) -> list[str]:
    """The lists to fetch for these measures, in a fixed order."""
    wanted = set(ALWAYS)
    for m in measures:
        wanted |= NUMBERS.get(m, TABLES.get(m, frozenset()))
    return [k for k in ("charges", "refunds", "disputes", "intents", "sessions") if k in wanted]


class _Money:
    """Conversion into the reporting currency that remembers what it could not convert."""

    def __init__(self, converter: Converter) -> None:
        self.converter = converter
        self.left_out: set[str] = set()

    def total(self, money: Money) -> float:
        out = 0.0
        for currency, minor in money.items():
            value = self.converter.convert(minor, currency)
            if value is None:
                self.left_out.add(currency)
            else:
                out += value
        return out

    def priced(self, counts: Mapping[str, int]) -> int:
        return sum(n for c, n in counts.items() if self.converter.can_convert(c))


def compute(book: StripeBook, now: float, win: Windows, converter: Converter, top: int,
            periods: bool = True) -> Figures:
    """Every measure at `now` (the book must be caught up to the tail). `periods`: week or
    month measures are shown, so say when their totals are partial."""
    money = _Money(converter)
    tail = book.tail_days()
    day = book.total(win.today, win.today, tail)
    week = book.total(win.week, win.today, tail)
    month = book.total(win.month, win.today, tail)
    revenue = money.total(day.gross)
    refunded = money.total(day.refunded)
    disputed = money.total(day.disputed)
    hour = [c for c in book.recent.values() if c.created >= now - HOUR]
    hour_paid: dict[str, int] = defaultdict(int)
    for c in hour:
        if c.succeeded:
            hour_paid[c.currency] += c.amount
    out = Figures()
    out.values = {
        "orders_today": float(day.orders),
        "orders_week": float(week.orders),
        "orders_month": float(month.orders),
        "orders_last_hour": float(sum(c.succeeded for c in hour)),
        "revenue_today": revenue,
        "revenue_week": money.total(week.gross),
        "revenue_month": money.total(month.gross),
        "revenue_last_hour": money.total(hour_paid),
        "net_revenue_today": revenue - refunded - disputed,
        "aov_today": kf.average_order_value(revenue, money.priced(day.paid)),
        "refunds_today": float(day.refunds),
        "refund_value_today": refunded,
        "refund_rate_today": kf.refund_rate_by_count(day.refunds, day.orders),
        "refund_value_rate_today": kf.refund_rate_by_value(refunded, revenue),
        "returns_today": float(day.returns),
        "failed_payments_today": float(day.failed),
        "decline_rate_1h": kf.decline_rate_unique(
            (c.attempt, c.succeeded) for c in hour if c.succeeded or c.failed),
        "disputes_today": float(day.disputes),
        "dispute_value_today": disputed,
        "payment_intents_today": float(day.intents),
        "payment_intents_succeeded_today": float(day.intents_ok),
        "payment_intents_failed_today": float(day.intents_failed),
    }
    out.tables = _tables(day, money, top)
    by_product = out.tables["top_products"]
    out.values["revenue_by_currency"] = revenue
    out.values["top_products"] = by_product[0][1] if by_product else math.nan
    units = out.tables["top_products_units"]
    out.values["top_products_units"] = units[0][1] if units else math.nan
    out.values["failure_codes"] = float(day.failed)
    out.values["refund_reasons"] = float(day.refunds)
    out.tables["charge_products"] = _ranked(
        {label: money.total(m) for label, m in day.labels.items()}, top)
    if money.left_out:
        codes = ", ".join(sorted(c.upper() for c in money.left_out))
        out.notes.append(f"payments in {codes} left out of "
                         f"{converter.reporting.upper()} totals (no exchange rate)")
    since = book.covered_from()
    if periods and since > win.month_midnight:
        began = datetime.fromtimestamp(since, book.days_of.tz).strftime("%Y-%m-%d %H:%M")
        which = "week and month totals" if since > win.week_midnight else "month totals"
        out.notes.append(f"{which} count from {began}, when counting began")
    return out


def _tables(day: DayTotals, money: _Money, top: int) -> dict[str, list[tuple[str, float]]]:
    by_currency = sorted((code.upper(), to_major(minor, code)) for code, minor in day.gross.items())
    return {
        "revenue_by_currency": by_currency,  # amounts in different currencies: ordered by code
        "top_products": _ranked(
            {label: money.total(p.money) for label, p in day.products.items()}, top),
        "top_products_units": _ranked(
            {label: float(p.units) for label, p in day.products.items()}, top),
        "failure_codes": _ranked({k: float(v) for k, v in day.codes.items()}, top),
        "refund_reasons": _ranked({k: float(v) for k, v in day.reasons.items()}, top),
    }


def _ranked(values: Mapping[str, float], top: int) -> list[tuple[str, float]]:
    rows = sorted(((k, v) for k, v in values.items() if v > 0), key=lambda r: (-r[1], r[0]))
    return rows[:top]
