"""User behaviour trends: when engagement and orders peak and dip, and where users leave.

Time patterns: the mean of a KPI by local hour of day, and by day of week. Day-of-week means are
means of *daily* means, so a weekday with more hours of data (a period starting on a Tuesday
afternoon) does not weigh more, and they need `min_days_for_weekday` days (one week by default):
with fewer, a "peak day" would only be the one day that happened to be there. The caller passes
local hours, weekdays and day ordinals (this module knows no time zones).

Exit pages: from the behaviour flow (GA4 `pageReferrer` → `pagePath` with views), the pages of
our own site where users most often end their visit, with the exit rate and its change since the
previous period. The reading of the flow is the flow panel's (core.panel_models.flow): a page is
anything that appears as a "to"; a "from" that is not one ("(entrance)", "(direct)", another
site's host) is an entrance; exits are views minus the onward views, or explicit "(exit)" rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from noc_board.core.panel_models.flow import transitions
from noc_board.core.samples import Breakdown

HOURS = 24
WEEKDAYS = 7
_ARROW = " → "  # what flow.split_edge reads


@dataclass(frozen=True, slots=True)
class Pattern:
    """A KPI's mean by hour of day and day of week, with its peaks and dips.

    `by_weekday` is all NaN (and the days None) with fewer than `min_days_for_weekday` days;
    `missing` says why a part is not given ("" when complete).
    """

    label: str
    by_hour: tuple[float, ...]  # 24 means, local hour 0..23, NaN where no data
    by_weekday: tuple[float, ...]  # 7 means, Monday first
    peak_hour: int | None
    dip_hour: int | None
    peak_day: int | None  # 0 = Monday
    dip_day: int | None
    days: int  # distinct days with data
    missing: str


def _extremes(means: np.ndarray) -> tuple[int | None, int | None]:
    """(index of the highest, index of the lowest) finite mean; the earliest on ties."""
    known = np.isfinite(means)
    if not known.any():
        return None, None
    filled_high = np.where(known, means, -np.inf)
    filled_low = np.where(known, means, np.inf)
    return int(np.argmax(filled_high)), int(np.argmin(filled_low))


def time_pattern(label: str, values: Sequence[float], hours: Sequence[int],
                 weekdays: Sequence[int], days: Sequence[int],
                 min_days_for_weekday: int = 7) -> Pattern:
    """The hour-of-day and day-of-week pattern of `values` (one per local hour or sample)."""
    v = np.asarray(values, dtype=float)
    h = np.asarray(hours, dtype=np.int64)
    w = np.asarray(weekdays, dtype=np.int64)
    d = np.asarray(days, dtype=np.int64)
    if not v.shape == h.shape == w.shape == d.shape or v.ndim != 1:
        raise ValueError("values, hours, weekdays and days must be aligned sequences")
    known = np.isfinite(v)
    v, h, w, d = v[known], h[known], w[known], d[known]
    if ((h < 0) | (h >= HOURS)).any() or ((w < 0) | (w >= WEEKDAYS)).any():
        raise ValueError("hours run 0..23 and weekdays 0..6")
    nan_hours = (math.nan,) * HOURS
    nan_days = (math.nan,) * WEEKDAYS
    if v.size == 0:
        return Pattern(label, nan_hours, nan_days, None, None, None, None, 0, "no data")

    by_hour = np.full(HOURS, np.nan)
    for hour in np.unique(h):
        by_hour[hour] = float(v[h == hour].mean())
    peak_hour, dip_hour = _extremes(by_hour)
    notes: list[str] = []
    empty_hours = int(np.isnan(by_hour).sum())
    if empty_hours:
        notes.append(f"no data at {empty_hours} of the 24 hours")

    day_ids = np.unique(d)
    by_weekday = np.full(WEEKDAYS, np.nan)
    peak_day = dip_day = None
    if day_ids.size >= min_days_for_weekday:
        daily: dict[int, list[float]] = {}
        for day in day_ids:
            at = d == day
            daily.setdefault(int(w[at][0]), []).append(float(v[at].mean()))
        for weekday, means in daily.items():
            by_weekday[weekday] = sum(means) / len(means)
        peak_day, dip_day = _extremes(by_weekday)
    else:
        notes.append(f"day of week needs {min_days_for_weekday} days of data; "
                     f"has {day_ids.size}")
    return Pattern(label, tuple(float(x) for x in by_hour), tuple(float(x) for x in by_weekday),
                   peak_hour, dip_hour, peak_day, dip_day, int(day_ids.size), "; ".join(notes))


@dataclass(frozen=True, slots=True)
class ExitPage:
    """A page where visits end: its views, exits, exit rate, and the rate's change.

    `change` is `exit_rate - previous_rate`, an absolute difference of shares: above 0 more
    visits end there than before (worse).
    """

    page: str
    views: float  # views of the page in the flow (sum of rows leading to it)
    exits: float  # views - onward views (sum of rows leaving it), at least 0
    exit_rate: float  # exits / views
    previous_rate: float | None
    change: float | None

    @property
    def trend(self) -> str:
        """"worse" (more visits end here), "better", "unchanged", or "" without a previous."""
        if self.change is None:
            return ""
        return "worse" if self.change > 0 else "better" if self.change < 0 else "unchanged"


@dataclass(frozen=True, slots=True)
class ExitRanking:
    """The pages with the most exits, or why there are none."""

    pages: tuple[ExitPage, ...]  # most exits first, at most `limit`
    missing: str = ""


def _exits(flow: Sequence[tuple[str, str, float]]) -> dict[str, tuple[float, float]]:
    """page -> (views, exits), read as the flow panel reads it."""
    rows = tuple((f"{origin}{_ARROW}{to}", float(views)) for origin, to, views in flow
                 if to.strip())
    edges, views = transitions(Breakdown("flow", 0.0, rows))
    return {page: (seen, edges.get((page, None), 0.0)) for page, seen in views.items()}


def exit_pages(flow: Sequence[tuple[str, str, float]],
               previous: Sequence[tuple[str, str, float]] = (), limit: int = 10,
               min_views: float = 1.0) -> ExitRanking:
    """The pages of our own site where most visits end, with the change of their exit rate.

    `flow` rows: (from, to, views). Pages with fewer than `min_views` views are left out (their
    rate is noise), in both periods.
    """
    now = _exits(flow)
    if not now:
        return ExitRanking((), "no behaviour flow in the period")
    before = {page: exits / seen for page, (seen, exits) in _exits(previous).items()
              if seen >= min_views}
    pages: list[ExitPage] = []
    for page, (seen, exits) in now.items():
        if seen < min_views or exits <= 0:
            continue
        rate = exits / seen
        prev = before.get(page)
        pages.append(ExitPage(page, seen, exits, rate, prev,
                              None if prev is None else rate - prev))
    if not pages:
        return ExitRanking((), "no page of the flow ends a visit" if any(
            seen >= min_views for seen, _ in now.values())
            else f"no page with at least {min_views:g} views")
    pages.sort(key=lambda p: (-p.exits, -p.exit_rate, p.page))
    return ExitRanking(tuple(pages[:max(0, limit)]))
