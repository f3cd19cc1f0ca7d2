"""The PayPal transactions the board has seen, and the measures computed from them.

Transactions are kept by id and event code, so fetching a window twice (to catch late arrivals
and status changes) never counts one twice. Measures are computed as of the data time: the
day (or month) is the local one containing it, and only transactions started by then count, so
a value and its timestamp always agree however far PayPal lags.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from noc_board.sources.paypal_wire import Transaction

MEASURES: dict[str, str] = {
    "sales_today": "completed sales (T00nn payments received, status S) started today",
    "revenue_today": "their gross amount, in the reporting currency",
    "aov_today": "revenue_today / sales_today",
    "refunds_today": "refunds the merchant made (T1107) today",
    "refunded_today": "their amount (positive), in the reporting currency",
    "refund_rate_today": "refunds_today / sales_today (by count)",
    "pending_today": "sales still pending (status P) started today",
    "denied_today": "sales denied (status D) today",
    "reversals_today": "reversals and chargebacks (T1106, T12nn) today",
    "sales_month": "completed sales this month",
    "revenue_month": "their gross amount this month, in the reporting currency",
    "data_lag": "seconds between now and the time PayPal's data is complete to",
}
MONTH_MEASURES = frozenset({"sales_month", "revenue_month"})


@dataclass
class Figures:
    """Measure values, today's sales per currency (major units), and notes."""

    values: dict[str, float] = field(default_factory=dict)
    by_currency: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Ledger:
    """Transactions by key since a start; `oldest_pending` is where a refetch must reach."""

    def __init__(self) -> None:
        self._items: dict[str, Transaction] = {}

    def __len__(self) -> int:
        return len(self._items)

    def merge(self, transactions: Iterable[Transaction]) -> None:
        for txn in transactions:
            self._items[txn.key] = txn

    def prune(self, start: float) -> None:
        """Forget what started before `start`."""
        self._items = {k: t for k, t in self._items.items() if t.ts >= start}

    def oldest_pending(self) -> float | None:
        pending = [t.ts for t in self._items.values() if t.status == "P"]
        return min(pending) if pending else None

    def newest(self) -> float | None:
        return max((t.ts for t in self._items.values()), default=None)

    def between(self, start: float, end: float) -> list[Transaction]:
        return [t for t in self._items.values() if start <= t.ts <= end]


class Money:
    """Sums per currency in `Decimal`, converted to the reporting currency once at the end."""

    def __init__(self, reporting: str, rates: Mapping[str, float]) -> None:
        self.reporting = reporting.upper()
        self._rates = {k.upper(): float(v) for k, v in rates.items()}
        self._rates[self.reporting] = 1.0

    def total(self, sums: Mapping[str, Decimal], unconverted: set[str]) -> float:
        """The sum in the reporting currency; currencies without a rate go to `unconverted`."""
        out = 0.0
        for currency, amount in sums.items():
            rate = self._rates.get(currency)
            if rate is None:
                unconverted.add(currency)
            else:
                out += float(amount) * rate
        return out


def _sums(transactions: Iterable[Transaction]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for t in transactions:
        sums[t.currency] = sums.get(t.currency, Decimal(0)) + abs(t.amount)
    return sums


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def compute(
    ledger: Ledger, data_ts: float, now: float, day_start: float, month_start: float,
    money: Money,
) -> Figures:
    """Every measure as of `data_ts` (the day and month are those containing it)."""
    today = ledger.between(day_start, data_ts)
    sales = [t for t in today if t.kind == "sale" and t.status == "S"]
    refunds = [t for t in today if t.kind == "refund" and t.status in ("S", "P")]
    month_sales = [t for t in ledger.between(month_start, data_ts)
                   if t.kind == "sale" and t.status == "S"]
    unconverted: set[str] = set()
    sales_by_currency = _sums(sales)
    revenue = money.total(sales_by_currency, unconverted)
    refunded = money.total(_sums(refunds), unconverted)
    month_revenue = money.total(_sums(month_sales), unconverted)
    figures = Figures()
    figures.values = {
        "sales_today": float(len(sales)),
        "revenue_today": revenue,
        "aov_today": _ratio(revenue, len(sales)),
        "refunds_today": float(len(refunds)),
        "refunded_today": refunded,
        "refund_rate_today": _ratio(len(refunds), len(sales)),
        "pending_today": float(sum(1 for t in today if t.kind == "sale" and t.status == "P")),
        "denied_today": float(sum(1 for t in today if t.kind == "sale" and t.status == "D")),
        "reversals_today": float(sum(1 for t in today if t.kind == "reversal")),
        "sales_month": float(len(month_sales)),
        "revenue_month": month_revenue,
        "data_lag": max(0.0, now - data_ts),
    }
    figures.by_currency = sorted(
        ((c, float(a)) for c, a in sales_by_currency.items()), key=lambda row: -row[1]
    )
    if unconverted:
        figures.notes.append(
            f"no rate to {money.reporting} for {', '.join(sorted(unconverted))}: left out of "
            "money totals (set `rates` on the source)"
        )
    return figures
