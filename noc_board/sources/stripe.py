"""The Stripe connector: payment KPIs computed from the charges and refunds list endpoints.

Stripe has no metrics API. The first poll lists everything since local midnight in the board's
time zone (or since an hour ago, when that is earlier): `created[gte]`, `limit=100`, newest
first, following `starting_after` while `has_more`. Later polls list only from the newest
`created` seen (or an older charge still pending, whose status may since have changed); the
ledger dedupes by id. A failed poll changes nothing, so the next one loses nothing.

Breakdowns: `<source>.revenue_by_currency` (today's paid charges per currency, in that
currency's major units) and `<source>.top_products` (by `metadata.product`, else
`description`, in the reporting currency), so `stripe.revenue_by_currency` for a source named
`stripe`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for
from noc_board.sources.error_shapes import stripe_error
from noc_board.sources.http import HttpFetcher
from noc_board.sources.policy import policy_for
from noc_board.sources.stripe_ledger import (
    MEASURES,
    ChargePage,
    Ledger,
    RefundPage,
    compute,
)
from noc_board.sources.stripe_money import Converter

PAGE_LIMIT = 100  # Stripe's maximum
MAX_PAGES = 200  # per list per poll: 20,000 payments


def zone(name: str) -> tuple[tzinfo, str | None]:
    """The time zone called `name`, or UTC and a note saying why not."""
    try:
        return ZoneInfo(name), None
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return UTC, f"unknown time zone {name[:60]!r}; 'today' is the UTC day"


def local_midnight(now: float, tz: tzinfo) -> float:
    """Unix seconds of the midnight that starts the local day containing `now`."""
    local = datetime.fromtimestamp(now, tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class StripeSource:
    """Polls Stripe (or a server speaking its v1 list API) with a restricted, read-only key.

    `rates` converts other currencies into the reporting currency (`cfg.currency`): one unit
    of the key's currency is worth that many reporting units. Without a rate a currency is
    counted in `revenue_by_currency` and named in a note, but left out of money totals.
    """

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        secret: str | None,
        timezone: str,
        rates: Mapping[str, float] | None = None,
        *,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.name = cfg.name
        self._metrics = metrics_for(cfg, metrics)
        self._http = http.derive(
            policy=policy_for(http.policy, cfg.timeout, cfg.max_body_mb),
            service="Stripe",
            error_hook=stripe_error,
        )
        self._clock = clock
        self._secret = secret
        self._secret_name = cfg.secret
        self._tz, self._tz_note = zone(timezone)
        self._money = Converter(cfg.currency, rates)
        self._ledger = Ledger()
        self._base = (cfg.url or "https://api.stripe.com").rstrip("/")
        self._max_pages = max_pages
        self._truncated_day: float | None = None  # the midnight of a day whose totals are cut

    async def poll(self) -> PollResult:
        """Fetch what is new since the last poll and compute every configured measure."""
        if not self._secret:
            where = f"keyring entry {self._secret_name!r}" if self._secret_name else "a secret"
            raise SourceError(f"Stripe needs an API key: set {where}")
        now = self._clock.now()
        midnight = local_midnight(now, self._tz)
        window_start = math.floor(min(midnight, now - 3600.0))
        charges, notes = await self._list(
            "/v1/charges", self._ledger.charges.fetch_from(window_start), ChargePage
        )
        refunds, refund_notes = await self._list(
            "/v1/refunds", self._ledger.refunds.fetch_from(window_start), RefundPage
        )
        # both lists arrived: only now does the ledger change
        self._ledger.add_charges(charges)
        self._ledger.add_refunds(refunds)
        self._ledger.prune(window_start)
        figures = compute(self._ledger, now, midnight, self._money)
        notes += refund_notes + figures.notes
        if notes and any("stopped after" in n for n in notes):
            self._truncated_day = midnight
        elif self._truncated_day == midnight:
            notes.append(f"more than {self._max_pages} pages today: totals are incomplete")
        if self._tz_note:
            notes.append(self._tz_note)
        samples = []
        for metric in self._metrics:
            value = figures.values.get(metric.measure)
            if value is None:
                value = math.nan
                notes.append(
                    f"{metric.id}: unknown Stripe measure {metric.measure!r}; "
                    f"known: {', '.join(MEASURES)}"
                )
            samples.append(Sample(metric.id, now, value))
        breakdowns = [Breakdown(f"{self.name}.revenue_by_currency", now,
                                tuple(figures.by_currency))]
        if figures.products:
            breakdowns.append(Breakdown(f"{self.name}.top_products", now, tuple(figures.products)))
        return PollResult(self.name, now, samples, breakdowns, tuple(notes))

    async def _list(self, path: str, since: int, shape: Any) -> tuple[list[Any], list[str]]:
        """Every object created at or after `since`, newest first, across pages."""
        headers = {"Authorization": f"Bearer {self._secret}"}
        params: dict[str, str | int] = {"limit": PAGE_LIMIT, "created[gte]": since}
        items: list[Any] = []
        for _ in range(self._max_pages):
            page = await self._http.get_json(
                f"{self._base}{path}", params=params, headers=headers, shape=shape
            )
            items.extend(page.data)
            if not page.has_more or not page.data:
                return items, []
            last = page.data[-1].id
            if params.get("starting_after") == last:
                raise SourceError(f"Stripe {path} paging did not advance past {last[:40]!r}")
            params["starting_after"] = last
        return items, [f"{path}: stopped after {self._max_pages} pages; totals are incomplete"]
