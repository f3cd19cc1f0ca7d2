"""The PayPal connector: sales, revenue and refunds from Transaction Search (REST, OAuth2).

Authentication is OAuth2 client credentials: `POST /v1/oauth2/token` with the app's client id
and secret (basic auth), and the bearer token is cached until a minute before `expires_in`
runs out; a 401 from the API drops it and the request is tried once more with a new one.

Transactions come from `GET /v1/reporting/transactions`: the window is split into pieces of at
most 31 days (the API's limit), each piece read page by page (`page`, `page_size=500`, up to
`total_pages`), and a piece PayPal calls too large (`RESULTSET_TOO_LARGE`, or more pages than
`max_pages`) is split in two. The first poll reads from the start of the day (the month, when
a month measure is configured) in the board's time zone; later polls re-read from three hours
(PayPal's documented lag) before the data time, or the oldest pending sale, so late arrivals
and status changes are caught. A failed poll changes nothing.

PayPal's data lags by up to three hours: every sample carries the data time (the response's
`last_refreshed_datetime`, else the newest transaction, else the end of the window), so a panel
shows its real age, and the `data_lag` measure says it in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for
from noc_board.sources.http import HttpFetcher
from noc_board.sources.paypal_ledger import MEASURES, MONTH_MEASURES, Ledger, Money, compute
from noc_board.sources.paypal_wire import (
    TokenReply,
    Transaction,
    TransactionPage,
    parse_time,
    paypal_error,
    read_transaction,
)
from noc_board.sources.policy import policy_for

LIVE_URL = "https://api-m.paypal.com"
SANDBOX_URL = "https://api-m.sandbox.paypal.com"
MAX_WINDOW = 31 * 86400  # the API refuses longer ranges
LAG = 3 * 3600.0  # "executed transactions take up to 3 hours to appear"
PAGE_SIZE = 500  # the API's maximum
MAX_PAGES = 20  # per window; more is split (PayPal caps a result set near 10,000 rows)
MIN_SPLIT = 60  # seconds: a window this short is not split further
MAX_REQUESTS = 200  # per poll, whatever the splitting and paging
TOKEN_MARGIN = 60.0  # renew this long before the token expires


def rfc3339(ts: float) -> str:
    """`2024-06-01T00:00:00Z`: seconds and a zone, as the API requires."""
    return datetime.fromtimestamp(math.floor(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def split_window(start: int, end: int, longest: int = MAX_WINDOW) -> list[tuple[int, int]]:
    """[start, end] (whole seconds, both inclusive) in consecutive pieces of at most `longest`."""
    pieces: list[tuple[int, int]] = []
    while start <= end:
        stop = min(end, start + longest)
        pieces.append((start, stop))
        start = stop + 1
    return pieces


def zone(name: str) -> tuple[tzinfo, str | None]:
    """The time zone called `name`, or UTC and a note saying why not."""
    try:
        return ZoneInfo(name), None
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return UTC, f"unknown time zone {name[:60]!r}; 'today' is the UTC day"


def local_midnight(ts: float, tz: tzinfo) -> float:
    """Unix seconds of the local midnight that starts the day containing `ts`."""
    local = datetime.fromtimestamp(ts, tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def month_start(ts: float, tz: tzinfo) -> float:
    """Unix seconds of the local midnight that starts the month containing `ts`."""
    local = datetime.fromtimestamp(ts, tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


class _Fetch:
    """What one poll read: transactions, unreadable rows, the data time PayPal gave, notes."""

    def __init__(self) -> None:
        self.transactions: list[Transaction] = []
        self.unreadable = 0
        self.refreshed: list[float] = []
        self.notes: list[str] = []
        self.requests = 0


class PayPalSource:
    """Polls PayPal's Transaction Search with a REST app's client credentials."""

    def __init__(
        self,
        cfg: SourceConfig,
        metrics: Sequence[MetricConfig],
        http: HttpFetcher,
        clock: Clock,
        secret: str | None,
        timezone: str,
        *,
        max_window: int = MAX_WINDOW,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.name = cfg.name
        self._cfg = cfg
        self._metrics = metrics_for(cfg, metrics)
        self._http = http.derive(
            policy=policy_for(http.policy, cfg.timeout, cfg.max_body_mb),
            service="PayPal",
            error_hook=paypal_error,
        )
        self._clock = clock
        self._secret = secret
        self._tz, self._tz_note = zone(timezone)
        self._base = (cfg.url or (SANDBOX_URL if cfg.sandbox else LIVE_URL)).rstrip("/")
        self._money = Money(cfg.currency, cfg.rates)
        self._ledger = Ledger()
        self._watermark: float | None = None  # the data time of the last good poll
        self._covered: float | None = None  # the ledger is complete from here on
        self._token: str | None = None
        self._token_expiry = 0.0
        self._max_window = max_window
        self._max_pages = max_pages
        self._month = any(m.measure in MONTH_MEASURES for m in self._metrics)

    async def poll(self) -> PollResult:
        """Read what is new since the last poll and compute every configured measure."""
        now = self._clock.now()
        if self._covered is None or self._watermark is None:
            since = self._period_start(now - LAG)
        else:
            pending = self._ledger.oldest_pending()
            reread = self._watermark if pending is None else min(self._watermark, pending)
            since = max(self._covered, reread - LAG)
        fetch = _Fetch()
        await self._read_range(since, now, fetch)
        covered = since if self._covered is None else self._covered
        data_ts = self._data_time(fetch, now)
        need = self._period_start(data_ts)
        if need < covered:  # PayPal lags more than usual: read the rest of the data's day
            await self._read_range(need, covered - 1, fetch)
            covered = need
            data_ts = self._data_time(fetch, now)
        # everything arrived: only now does the ledger change
        self._ledger.merge(fetch.transactions)
        self._ledger.prune(need)
        self._covered = max(covered, need)
        self._watermark = data_ts
        day = local_midnight(data_ts, self._tz)
        figures = compute(self._ledger, data_ts, now, day, month_start(data_ts, self._tz),
                          self._money)
        notes = fetch.notes + figures.notes
        if fetch.unreadable:
            notes.append(f"{fetch.unreadable} transactions with unreadable fields were skipped")
        if self._tz_note:
            notes.append(self._tz_note)
        samples = []
        for metric in self._metrics:
            value = figures.values.get(metric.measure)
            if value is None:
                notes.append(f"{metric.id}: unknown PayPal measure {metric.measure!r}; "
                             f"known: {', '.join(MEASURES)}")
                value = math.nan
            ts = now if metric.measure == "data_lag" else data_ts
            samples.append(Sample(metric.id, ts, value))
        breakdowns = [Breakdown(f"{self.name}.revenue_by_currency", data_ts,
                                tuple(figures.by_currency))]
        return PollResult(self.name, now, samples, breakdowns, tuple(notes))

    def _period_start(self, ts: float) -> float:
        """The start of what the measures need for data at `ts`: its local day, or month."""
        return month_start(ts, self._tz) if self._month else local_midnight(ts, self._tz)

    def _data_time(self, fetch: _Fetch, now: float) -> float:
        """When the data is complete to: PayPal's refresh time, else the newest transaction,
        else the end of the window read."""
        if fetch.refreshed:
            return min(now, *fetch.refreshed)
        newest = max((t.ts for t in fetch.transactions), default=self._ledger.newest())
        return min(now, newest) if newest is not None else now

    async def _read_range(self, start: float, end: float, fetch: _Fetch) -> None:
        for lo, hi in split_window(math.floor(start), math.floor(end), self._max_window):
            await self._window(lo, hi, fetch)

    # -- Transaction Search -----------------------------------------------------------------

    async def _window(self, lo: int, hi: int, fetch: _Fetch) -> None:
        """Every page of [lo, hi], splitting it in two when PayPal finds it too large."""
        try:
            first = await self._page(lo, hi, 1, fetch)
        except SourceError as exc:
            if "RESULTSET_TOO_LARGE" in str(exc) and hi - lo >= MIN_SPLIT:
                await self._halves(lo, hi, fetch)
                return
            raise
        total = first.total_pages if first.total_pages is not None else 1
        if total > self._max_pages and hi - lo >= MIN_SPLIT:
            await self._halves(lo, hi, fetch)
            return
        pages = [first]
        for number in range(2, min(total, self._max_pages) + 1):
            pages.append(await self._page(lo, hi, number, fetch))
        if total > self._max_pages:
            fetch.notes.append(f"{rfc3339(lo)}: more than {self._max_pages} pages in one "
                               "minute; totals are incomplete")
        for page in pages:
            self._read(page, fetch)

    async def _halves(self, lo: int, hi: int, fetch: _Fetch) -> None:
        middle = lo + (hi - lo) // 2
        await self._window(lo, middle, fetch)
        await self._window(middle + 1, hi, fetch)

    def _read(self, page: TransactionPage, fetch: _Fetch) -> None:
        for detail in page.transaction_details:
            txn = read_transaction(detail.transaction_info)
            if txn is False:
                fetch.unreadable += 1
            elif txn is not None:
                fetch.transactions.append(txn)
        if page.last_refreshed_datetime:
            try:
                fetch.refreshed.append(parse_time(page.last_refreshed_datetime))
            except (ValueError, OverflowError):
                fetch.notes.append("unreadable last_refreshed_datetime "
                                   f"{page.last_refreshed_datetime[:40]!r}")

    async def _page(self, lo: int, hi: int, number: int, fetch: _Fetch) -> TransactionPage:
        fetch.requests += 1
        if fetch.requests > MAX_REQUESTS:
            raise SourceError(f"PayPal took more than {MAX_REQUESTS} requests in one poll; "
                              "too many transactions to count this way")
        params = {
            "start_date": rfc3339(lo), "end_date": rfc3339(hi), "fields": "transaction_info",
            "balance_affecting_records_only": "N", "page_size": PAGE_SIZE, "page": number,
        }
        url = f"{self._base}/v1/reporting/transactions"
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {await self._bearer()}"}
            try:
                page: TransactionPage = await self._http.get_json(
                    url, params=params, headers=headers, shape=TransactionPage)
            except SourceError as exc:
                if exc.status == 401 and attempt == 0:
                    self._token = None  # expired or revoked early: one more try with a new one
                    continue
                raise
            if page.total_pages is not None and page.total_pages < 0:
                raise SourceError(f"PayPal answered total_pages {page.total_pages}")
            return page
        raise AssertionError("unreachable")  # pragma: no cover

    # -- OAuth2 -----------------------------------------------------------------------------

    async def _bearer(self) -> str:
        now = self._clock.now()
        if self._token is not None and now < self._token_expiry:
            return self._token
        if not self._cfg.client_id:
            raise SourceError("PayPal needs the app's client id: set client_id on the source")
        if not self._secret:
            where = f"keyring entry {self._cfg.secret!r}" if self._cfg.secret else "a secret"
            raise SourceError(f"PayPal needs the app's secret: set {where}")
        try:
            reply: TokenReply = await self._http.post_json(
                f"{self._base}/v1/oauth2/token", data={"grant_type": "client_credentials"},
                auth=(self._cfg.client_id, self._secret), shape=TokenReply,
                headers={"Accept": "application/json"},
            )
        except SourceError as exc:
            raise SourceError(f"token request: {exc}", exc.retry_after,
                              status=exc.status) from None
        if not reply.access_token.strip() or reply.token_type.lower() != "bearer":
            raise SourceError(f"PayPal gave no bearer token (token_type "
                              f"{reply.token_type[:20]!r})")
        lifetime = max(0.0, reply.expires_in) if math.isfinite(reply.expires_in) else 0.0
        self._token = reply.access_token.strip()
        self._token_expiry = now + lifetime - min(TOKEN_MARGIN, lifetime / 2)
        return self._token
