"""Stripe money: integer minor units to major units, per currency, and conversion to one currency.

Stripe writes every amount as an integer in the currency's smallest unit: cents for USD, whole
yen for JPY (zero-decimal), thousandths for KWD (three-decimal). Sums are kept in integers per
currency and converted once, so totals carry no float drift from thousands of additions.
"""

from __future__ import annotations

from collections.abc import Mapping

ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def decimals(currency: str) -> int:
    """How many decimals the minor unit of `currency` has (0, 2 or 3)."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_major(amount: int, currency: str) -> float:
    """Minor units to major units: usd 2599 -> 25.99, jpy 1200 -> 1200, kwd 1230 -> 1.23."""
    places = decimals(currency)
    return float(amount) if places == 0 else amount / 10**places


class Converter:
    """Converts major amounts into the reporting currency with a fixed rates table.

    `rates` maps a currency code to how many reporting-currency units one unit of it is worth
    (EUR -> 1.08 when reporting in USD). A currency without a rate cannot be converted: its
    amounts are left out of money totals and reported separately.
    """

    def __init__(self, reporting: str, rates: Mapping[str, float] | None = None) -> None:
        self.reporting = reporting.lower()
        self._rates = {k.lower(): float(v) for k, v in (rates or {}).items()}
        self._rates[self.reporting] = 1.0

    def can_convert(self, currency: str) -> bool:
        return currency.lower() in self._rates

    def convert(self, minor: int, currency: str) -> float | None:
        """`minor` units of `currency` in reporting major units, or None without a rate."""
        rate = self._rates.get(currency.lower())
        return None if rate is None else to_major(minor, currency) * rate
