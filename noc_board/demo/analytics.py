"""GA4-style figures of the simulated marketplace: realtime users, and report figures for a range.

Derived from the simulator's frame so they agree with Prometheus and Stripe: sessions follow the
active users (a session lasts `session_seconds` on average), key events are the orders, and
engagement, pages per session and session length wobble by (seed, minute) like every figure.
Nothing exists before the scenario starts.

Pages (`PAGES`) and the paths between them (`FLOWS`, referrer → page) share a range's page
views and users in fixed proportions, with the order confirmation page seen by the buyers, so
the funnel home → product → cart → checkout → confirmation narrows as a shop's does.
Realtime users split by country in fixed shares (`COUNTRIES`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from noc_board.demo.noise import FloatArray, smooth_noise

if TYPE_CHECKING:
    from noc_board.demo.simulator import MarketSimulator

SESSIONS_PER_USER = 1.35  # sessions a daily user has in a day
PAGES_PER_SESSION = 5.4
ENGAGEMENT_RATE = 0.62
EVENTS_PER_PAGE = 3.2
# share of realtime users seeing each screen (a user sees several, so it sums past 1)
SCREENS = (
    ("Home", 0.55), ("Product", 0.6), ("Search results", 0.42), ("Cart", 0.18),
    ("Checkout", 0.07), ("Order confirmation", 0.025),
)
SITE = "https://shop.example"
# path, and the share of a range's active users who view it (the confirmation: the buyers)
PAGES = (("/", 0.72), ("/search", 0.45), ("/product", 0.64), ("/cart", 0.21),
         ("/checkout", 0.09), ("/order-confirmation", 0.0))
# referrer ("" = none: an entrance), page, share of page views (the confirmation: orders)
FLOWS = (
    ("", "/", 0.13), ("https://www.google.com/", "/", 0.05),
    ("https://www.google.com/", "/product", 0.06), ("https://www.instagram.com/", "/product",
                                                    0.02),
    (f"{SITE}/", "/search", 0.12), (f"{SITE}/", "/product", 0.11),
    (f"{SITE}/search", "/product", 0.17), (f"{SITE}/search", "/search", 0.05),
    (f"{SITE}/product", "/product", 0.12), (f"{SITE}/product", "/cart", 0.07),
    (f"{SITE}/product", "/", 0.04), (f"{SITE}/cart", "/checkout", 0.03),
    (f"{SITE}/cart", "/product", 0.02), (f"{SITE}/checkout", "/order-confirmation", 0.0),
)
COUNTRIES = (
    ("United States", 0.34), ("Germany", 0.14), ("United Kingdom", 0.11), ("France", 0.08),
    ("Canada", 0.06), ("Japan", 0.05), ("Netherlands", 0.04), ("Spain", 0.04),
    ("Italy", 0.04), ("Australia", 0.03), ("Brazil", 0.03), ("Kuwait", 0.02), ("India", 0.02),
)
PURCHASES_PER_BUYER = 1.08


@dataclass(frozen=True, slots=True)
class AnalyticsFigures:
    """What a GA4 standard report says about a range (zeros when it has no data)."""

    active_users: int
    sessions: int
    average_session_duration: float  # seconds
    pages_per_session: float
    bounce_rate: float  # 0..1, = 1 - engagement rate (GA4's definition)
    engagement_rate: float
    page_views: int
    key_events: int  # purchases
    revenue: float  # in the baseline currency
    engaged_sessions: int = 0
    purchasers: int = 0  # users who bought at least once

    def page_users(self) -> list[tuple[str, float]]:
        """Active users who viewed each page of `PAGES`."""
        return [(path, float(self.purchasers) if path == "/order-confirmation"
                 else round(self.active_users * share)) for path, share in PAGES]

    def flows(self) -> list[tuple[str, str, float]]:
        """(referrer, page, views) of each path of `FLOWS`."""
        out = []
        for referrer, path, share in FLOWS:
            views = self.key_events if path == "/order-confirmation" else round(
                self.page_views * share)
            out.append((referrer, path, float(views)))
        return out


@dataclass(frozen=True, slots=True)
class RealtimeWindow:
    """Realtime figures per minute, newest last; `minutes_ago[i]` labels position i."""

    minutes_ago: tuple[int, ...]
    users: FloatArray  # users active in each minute
    page_views: FloatArray
    events: FloatArray
    key_events: FloatArray
    total_users: int  # distinct users over the whole window


class Analytics:
    """GA4 figures of one simulator."""

    def __init__(self, sim: MarketSimulator) -> None:
        self._sim = sim

    def _wobble(self, name: str, minutes: FloatArray, scale: float) -> FloatArray:
        noise = self._sim.scenario.baseline.noise * scale
        result: FloatArray = np.clip(
            1 + noise * smooth_noise(self._sim.seed, name, minutes), 0.05, None)
        return result

    def figures(self, t0: float, t1: float) -> AnalyticsFigures:
        """Report figures for [t0, t1), counting only time after the scenario starts."""
        lo, hi = max(t0, self._sim.scenario.start), t1
        if hi <= lo:
            return AnalyticsFigures(0, 0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0.0)
        res = 60.0 if hi - lo <= 6 * 3600 else 300.0
        edges = np.arange(lo, hi, res)
        widths = np.minimum(edges + res, hi) - edges
        mids = edges + widths / 2
        f = self._sim.frame(mids)
        minutes = mids / 60
        sessions_by = f.sessions_per_hour * widths / 3600
        orders_by = f.orders_per_hour * widths / 3600
        sessions = float(sessions_by.sum())
        if sessions <= 0:
            return AnalyticsFigures(0, 0, 0.0, 0.0, 0.0, 0.0, 0, 0, 0.0)

        def mean(values: FloatArray) -> float:
            return float((values * sessions_by).sum() / sessions)

        duration = mean(self._sim.session_seconds * self._wobble("ga4.duration", minutes, 1.0))
        pages = mean(PAGES_PER_SESSION * self._wobble("ga4.pages", minutes, 0.5))
        engaged = mean(np.clip(ENGAGEMENT_RATE * self._wobble("ga4.engaged", minutes, 0.5),
                               0.05, 0.98))
        days = (hi - lo) / 86400
        users = sessions / SESSIONS_PER_USER / (1 + 0.12 * max(0.0, days - 1))
        orders = round(float(orders_by.sum()))
        return AnalyticsFigures(
            active_users=round(users),
            sessions=round(sessions),
            average_session_duration=duration,
            pages_per_session=pages,
            bounce_rate=1 - engaged,
            engagement_rate=engaged,
            page_views=round(sessions * pages),
            key_events=orders,
            revenue=float((orders_by * f.average_order_value).sum()),
            engaged_sessions=round(sessions * engaged),
            purchasers=min(round(users), round(orders / PURCHASES_PER_BUYER)),
        )

    def realtime(self, t: float, start_ago: int = 29, end_ago: int = 0) -> RealtimeWindow:
        """The realtime window ending `end_ago` minutes and starting `start_ago` minutes before
        the minute containing t (GA4's minuteRanges)."""
        now_minute = math.floor(t / 60)
        ago = np.arange(start_ago, end_ago - 1, -1)
        starts = (now_minute - ago) * 60.0
        times = np.minimum(starts + 30, t)
        f = self._sim.frame(times)
        alive = starts + 60 > self._sim.scenario.start
        per_min = 60.0 / self._sim.session_seconds
        users = np.where(alive, f.active_users * (1 + per_min), 0.0)
        sessions = np.where(alive, f.sessions_per_hour / 60, 0.0)
        pages = sessions * PAGES_PER_SESSION * self._wobble("ga4.pages", times / 60, 0.5)
        width = len(ago)
        mean_users = float(np.where(alive, f.active_users, 0.0).mean()) if width else 0.0
        return RealtimeWindow(
            minutes_ago=tuple(int(a) for a in ago),
            users=users,
            page_views=pages,
            events=pages * EVENTS_PER_PAGE,
            key_events=np.where(alive, f.orders_per_hour / 60, 0.0),
            total_users=round(mean_users * (1 + width * per_min)),
        )

    def realtime_users(self, t: float, start_ago: int = 29, end_ago: int = 0) -> int:
        return self.realtime(t, start_ago, end_ago).total_users
