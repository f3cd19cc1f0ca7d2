"""Listing Stripe objects by `created`, and the background catch-up over a backlog.

`StripeLister` pages one list endpoint over a `created` range: `limit=100`, newest first,
following `starting_after` while `has_more` (api-facts.md section 3); checkout sessions come
with their line items expanded, and a session with more items than the expansion holds gets
them from `/v1/checkout/sessions/{id}/line_items`. `CatchUp` walks a backlog (the first day,
or the hours a board was off) slice by slice in a background task, committing each slice to
the book as it completes, so the board keeps polling meanwhile and a stop loses at most the
slice in flight, which the next run lists again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher
from noc_board.sources.stripe_ledger import StripeBook
from noc_board.sources.stripe_wire import (
    CheckoutSession,
    LineItems,
    Page,
    StripeCharge,
    StripeDispute,
    StripeIntent,
    StripeObject,
    StripeRefund,
)

PAGE_LIMIT = 100  # Stripe's maximum
LISTS: dict[str, tuple[str, Any]] = {
    "charges": ("/v1/charges", Page[StripeCharge]),
    "refunds": ("/v1/refunds", Page[StripeRefund]),
    "disputes": ("/v1/disputes", Page[StripeDispute]),
    "intents": ("/v1/payment_intents", Page[StripeIntent]),
    "sessions": ("/v1/checkout/sessions", Page[CheckoutSession]),
}
MAX_LINE_ITEM_PAGES = 20
MAX_SLICE = 86400
_LINE_ITEM_CACHE = 5000


class TooManyPages(Exception):
    """A range held more pages than allowed; the caller narrows it."""


class StripeLister:
    """Lists objects of one Stripe account; counts the pages it fetched (`pages`)."""

    def __init__(self, http: HttpFetcher, base: str, key: str) -> None:
        self._http = http
        self._base = base
        self._headers = {"Authorization": f"Bearer {key}"}
        self.pages = 0
        self._items: OrderedDict[str, LineItems] = OrderedDict()

    async def objects(self, kind: str, lo: int, hi: int | None, max_pages: int
                      ) -> list[StripeObject]:
        """Every object of list `kind` created in [lo, hi) (hi None: up to now), newest first."""
        path, shape = LISTS[kind]
        params: dict[str, str | int] = {"limit": PAGE_LIMIT, "created[gte]": lo}
        if hi is not None:
            params["created[lt]"] = hi
        if kind == "sessions":
            params["expand[]"] = "data.line_items"
        items: list[StripeObject] = []
        for _ in range(max_pages):
            page = await self._http.get_json(
                f"{self._base}{path}", params=params, headers=self._headers, shape=shape
            )
            self.pages += 1
            items.extend(page.data)
            if not page.has_more or not page.data:
                if kind == "sessions":
                    await self._complete_line_items(items)
                return items
            last = page.data[-1].id
            if params.get("starting_after") == last:
                raise SourceError(f"Stripe {path} paging did not advance past {last[:40]!r}")
            params["starting_after"] = last
        raise TooManyPages(f"{path}: more than {max_pages} pages")

    async def _complete_line_items(self, sessions: Sequence[StripeObject]) -> None:
        """Give each complete session all its line items (the expansion holds a handful)."""
        for session in sessions:
            if not isinstance(session, CheckoutSession) or session.status != "complete":
                continue
            expanded = session.line_items
            if expanded is not None and not expanded.has_more:
                continue
            cached = self._items.get(session.id)
            if cached is None:
                cached = await self._line_items(session.id)
                self._items[session.id] = cached
                while len(self._items) > _LINE_ITEM_CACHE:
                    self._items.popitem(last=False)
            session.line_items = cached

    async def _line_items(self, session_id: str) -> LineItems:
        url = f"{self._base}/v1/checkout/sessions/{session_id}/line_items"
        params: dict[str, str | int] = {"limit": PAGE_LIMIT}
        out = LineItems([], False)
        for _ in range(MAX_LINE_ITEM_PAGES):
            page = await self._http.get_json(url, params=params, headers=self._headers,
                                              shape=LineItems)
            self.pages += 1
            out.data.extend(page.data)
            if not page.has_more or not page.data:
                return out
            last_id = getattr(page.data[-1], "id", None)
            if not isinstance(last_id, str):
                return out  # items without ids cannot be paged further: keep what came
            params["starting_after"] = last_id
        return out


class CatchUp:
    """Lists a backlog slice by slice up to `target` and commits each slice to the book;
    the lists run side by side.

    A slice is a `created` range of one list; it starts at `slice_seconds`, doubles (up to a
    day) while slices take few pages and halves (down to a minute) when one would take more
    than `slice_pages`, so a quiet account catches up in few requests and a busy one in
    slices whose loss on a stop is small."""

    def __init__(
        self,
        lister: StripeLister,
        book: StripeBook,
        kinds: Sequence[str],
        target: int,
        today: Callable[[], str],
        now: Callable[[], float],
        *,
        slice_seconds: int = 3600,
        slice_pages: int = 50,
    ) -> None:
        self._lister = lister
        self._book = book
        self._kinds = list(kinds)
        self.target = target
        self._today = today
        self._now = now
        self._slice = dict.fromkeys(kinds, slice_seconds)
        self._slice_pages = slice_pages
        self.slices = 0

    def position(self) -> int:
        """Every list is counted up to here."""
        return min(self._book.cursors[k] for k in self._kinds)

    async def run(self) -> None:
        """Every list catches up at once, each slice by slice; the first failure stops all."""
        try:
            async with asyncio.TaskGroup() as group:
                for kind in self._kinds:
                    group.create_task(self._run_list(kind), name=f"stripe-catch-up:{kind}")
        except BaseExceptionGroup as group_error:
            errors = group_error.exceptions
            first = next((e for e in errors if isinstance(e, SourceError)), errors[0])
            raise first from None

    async def _run_list(self, kind: str) -> None:
        while self._book.cursors[kind] < self.target:
            lo = self._book.cursors[kind]
            hi = min(lo + self._slice[kind], self.target)
            pages = self._lister.pages
            try:
                objects = await self._lister.objects(kind, lo, hi, self._slice_pages)
            except TooManyPages:
                if self._slice[kind] <= 60:
                    raise SourceError(
                        f"Stripe {kind}: more than {self._slice_pages * 100} objects in one "
                        "minute; cannot page through them"
                    ) from None
                self._slice[kind] = max(60, self._slice[kind] // 2)
                continue
            if self._lister.pages - pages <= max(1, self._slice_pages // 8):
                self._slice[kind] = min(MAX_SLICE, self._slice[kind] * 2)
            self._book.commit({kind: (objects, hi)}, self._today())
            if kind == "charges":
                self._book.feed_recent(
                    (o for o in objects if isinstance(o, StripeCharge)), self._now())
            self.slices += 1
