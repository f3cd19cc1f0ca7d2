"""The Stripe connector: payment KPIs counted from the list endpoints, incrementally by `created`.

Stripe has no metrics API. The connector lists charges and refunds (and, when a configured
measure needs them, disputes, payment intents and checkout sessions with their line items) by
`created`, newest first, 100 a page, and counts them into per-day totals kept in the store
(`stripe_ledger`): a restart resumes at the saved cursors, neither losing nor double counting.

The first run counts from local midnight (`backfill_days` days back, today included); a backlog
of more than an hour (the first day, or a board that was off) is listed in a background task
slice by slice while polls return at once with "catching up" and no numbers, so the board keeps
going; a poll waits for it at most `timeout`. A failed poll or slice changes nothing saved.

Measures are in `stripe_figures.MEASURES`. Tables are published under the metric's id when a
metric asks for one, and always as `<source>.<table>` (`stripe.revenue_by_currency`,
`stripe.top_products`, ...) for panels that name a breakdown.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import Clock
from noc_board.core.samples import Breakdown, PollResult, Sample
from noc_board.sources.base import SourceError, metrics_for
from noc_board.sources.error_shapes import stripe_error
from noc_board.sources.http import HttpFetcher
from noc_board.sources.policy import policy_for
from noc_board.sources.source_state import MemoryState, SourceState
from noc_board.sources.stripe_figures import (
    LAST_HOUR,
    MEASURES,
    PERIODS,
    TABLES,
    Figures,
    Windows,
    compute,
    needed_lists,
)
from noc_board.sources.stripe_ledger import HOUR, StripeBook
from noc_board.sources.stripe_money import Converter
from noc_board.sources.stripe_sync import CatchUp, StripeLister, TooManyPages
from noc_board.sources.stripe_totals import LocalDays
from noc_board.sources.stripe_wire import UNSETTLED, StripeCharge, StripeObject, status_of

log = logging.getLogger(__name__)

MAX_PAGES = 200  # per list per poll: 20,000 objects since the cursor
SETTLE = 60  # seconds: objects younger than this may still be appearing in lists
MAX_BACKLOG_DAYS = 35  # a cursor older than this jumps forward (nothing older is shown)
TOP_ROWS = 20


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
    of the key's currency is worth that many reporting units. `state` is where the cursors
    and day totals persist (the store's `source_state`; in memory when None). Call `aclose()`
    at the end: it stops a catch-up still running.
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
        state: SourceState | None = None,
        max_pages: int = MAX_PAGES,
        catchup_wait: float | None = None,
        slice_seconds: int = 6 * 3600,
        settle: int = SETTLE,
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
        self._base = (cfg.url or "https://api.stripe.com").rstrip("/")
        tz_name = getattr(self._tz, "key", "UTC")
        self._book = StripeBook(state if state is not None else MemoryState(),
                                f"{self._base} {tz_name}", LocalDays(self._tz))
        self._backfill_days = max(1, cfg.backfill_days)
        wanted = {m.measure for m in self._metrics}
        self._lists = needed_lists(wanted)
        self._last_hour = bool(wanted & LAST_HOUR)
        self._periods = bool(wanted & PERIODS)
        self._coverage_noted = False
        self._max_pages = max_pages
        self._wait = cfg.timeout if catchup_wait is None else catchup_wait
        self._slice = slice_seconds
        self._settle = settle
        self._task: asyncio.Task[None] | None = None
        self._catch_up: CatchUp | None = None
        self._lister: StripeLister | None = None
        self._load_notes: list[str] = []

    async def aclose(self) -> None:
        """Stop a catch-up in flight (what it committed stays committed)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def poll(self) -> PollResult:
        """Count what is new since the saved cursors and compute every configured measure."""
        if not self._secret:
            where = f"keyring entry {self._secret_name!r}" if self._secret_name else "a secret"
            raise SourceError(f"Stripe needs an API key: set {where}")
        if self._lister is None:
            self._lister = StripeLister(self._http, self._base, self._secret)
        now = self._clock.now()
        try:
            self._start(now)
        except SourceError:
            raise
        except Exception as exc:  # the store failed (disk full, locked): say so, go on later
            raise SourceError(f"cannot read or save the Stripe cursor: {exc}") from None
        if self._task is None and self._behind(now):
            self._start_catch_up(now)
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=self._wait)
            if not done:
                return self._catching_up(now)
            task, self._task = self._task, None
            error = task.exception()
            if error is not None:
                raise error if isinstance(error, SourceError) else SourceError(
                    f"Stripe catch-up failed: {type(error).__name__}: {error}")
            self._book.recent_from = None  # the last hour is filled in again below
        win = Windows.at(now, self._tz)
        await self._sync(now, win)
        # partial week and month totals are said once (a note on every poll would keep the
        # source's health "degraded" for up to a month)
        figures = compute(self._book, now, win, self._money, TOP_ROWS,
                          self._periods and not self._coverage_noted)
        self._coverage_noted = True
        return self._result(now, figures)

    # -- counting ----------------------------------------------------------------------

    def _start(self, now: float) -> None:
        if not self._book.loaded:
            self._load_notes = self._book.load()
        midnight = local_midnight(now, self._tz)
        first = datetime.fromtimestamp(midnight, self._tz) - timedelta(
            days=self._backfill_days - 1)
        oldest = math.floor(now) - MAX_BACKLOG_DAYS * 86400
        since = math.floor(local_midnight(first.timestamp() + 7200, self._tz))
        self._book.begin(since, self._lists, oldest)
        stale = {k: oldest for k in self._lists if self._book.cursors[k] < oldest}
        if stale:  # off for over a month: nothing that old is shown, so skip it
            self._book.commit({k: ((), v) for k, v in stale.items()},
                              Windows.at(now, self._tz).today)

    def _behind(self, now: float) -> bool:
        target = math.floor(now) - HOUR
        return any(self._book.cursors[k] < target - 300 for k in self._lists)

    def _start_catch_up(self, now: float) -> None:
        assert self._lister is not None
        self._catch_up = CatchUp(
            self._lister, self._book, self._lists, math.floor(now) - HOUR,
            lambda: Windows.at(self._clock.now(), self._tz).today, self._clock.now,
            slice_seconds=self._slice,
        )
        self._task = asyncio.create_task(self._run_catch_up(self._catch_up),
                                         name=f"stripe-catch-up:{self.name}")

    async def _run_catch_up(self, catch_up: CatchUp) -> None:
        try:
            await catch_up.run()
        except (SourceError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("Stripe catch-up of %s failed", self.name)
            raise

    async def _sync(self, now: float, win: Windows) -> None:
        """List every list since its cursor, commit what has settled, keep the rest as tail."""
        assert self._lister is not None
        start_cursor = self._book.cursors["charges"]
        fetched: dict[str, list[StripeObject]] = {}
        for kind in self._lists:
            try:
                fetched[kind] = await self._lister.objects(
                    kind, self._book.cursors[kind], None, self._max_pages)
            except TooManyPages:
                raise SourceError(f"Stripe {kind}: more than {self._max_pages} pages since the "
                                  "last poll; will catch up in the background") from None
        hour_ago = math.floor(now) - HOUR
        if self._last_hour and (self._book.recent_from is None
                                or self._book.recent_from > hour_ago):
            if start_cursor > hour_ago:  # after a restart: the counted part of the last hour
                fill = await self._lister.objects("charges", hour_ago, start_cursor,
                                                  self._max_pages)
                self._book.feed_recent(_charges(fill), now)
            self._book.recent_from = hour_ago
        horizon = math.floor(now) - self._settle
        batches: dict[str, tuple[list[StripeObject], int]] = {}
        for kind, objects in fetched.items():
            upto = horizon
            open_ = [o.created for o in objects
                     if status_of(o) in UNSETTLED[kind] and o.created < horizon]
            if open_:  # a payment that may still change holds its list back (an hour at most)
                upto = max(min(open_), hour_ago)
            batches[kind] = (objects, max(upto, self._book.cursors[kind]))
        try:
            self._book.commit(batches, win.today)  # all lists at once, or none
        except Exception as exc:  # the store failed: nothing was counted; the next poll retries
            raise SourceError(f"cannot save the Stripe cursor: {exc}") from None
        for kind, objects in fetched.items():
            self._book.set_tail(kind, objects)
        self._book.feed_recent(_charges(fetched.get("charges", [])), now)

    # -- results -----------------------------------------------------------------------

    def _catching_up(self, now: float) -> PollResult:
        assert self._catch_up is not None and self._lister is not None
        at = datetime.fromtimestamp(self._catch_up.position(), self._tz).strftime("%Y-%m-%d %H:%M")
        note = (f"catching up with Stripe: counted up to {at} ({self._lister.pages} pages so "
                "far); figures follow when done")
        samples = [Sample(m.id, now, math.nan) for m in self._metrics]
        return PollResult(self.name, now, samples, (), (*self._load_notes, note))

    def _result(self, now: float, figures: Figures) -> PollResult:
        notes = list(self._load_notes) + figures.notes
        self._load_notes = []
        if self._tz_note:
            notes.append(self._tz_note)
        samples = []
        breakdowns = []
        for metric in self._metrics:
            value = figures.values.get(metric.measure)
            if value is None:
                value = math.nan
                notes.append(f"{metric.id}: unknown Stripe measure {metric.measure!r}; "
                             f"known: {', '.join(MEASURES)}")
            samples.append(Sample(metric.id, now, value))
            if metric.measure in TABLES:
                breakdowns.append(Breakdown(metric.id, now, tuple(figures.tables[metric.measure])))
        for table, rows in figures.tables.items():
            if table == "charge_products" or table.startswith("top_products"):
                continue
            breakdowns.append(Breakdown(f"{self.name}.{table}", now, tuple(rows)))
        products: list[tuple[str, float]] = (
            figures.tables["top_products"] if "sessions" in self._lists
            else figures.tables["charge_products"])
        if products:
            breakdowns.append(Breakdown(f"{self.name}.top_products", now, tuple(products)))
        if "sessions" in self._lists and figures.tables["top_products_units"]:
            breakdowns.append(Breakdown(f"{self.name}.top_products_units", now,
                                        tuple(figures.tables["top_products_units"])))
        return PollResult(self.name, now, samples, breakdowns, tuple(notes))


def _charges(objects: Sequence[StripeObject]) -> list[StripeCharge]:
    return [o for o in objects if isinstance(o, StripeCharge)]
