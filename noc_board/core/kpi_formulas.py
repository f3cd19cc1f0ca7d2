"""The arithmetic of the KPI catalogue: each formula once, pure, with its source in the docstring.

Ratios are kept as a numerator and a denominator as long as possible (kpi-and-alarms.md 1.4:
a ratio then re-aggregates correctly over a day, a week or a month) and divided last, by
`ratio`, which gives NaN ("no number") for an empty denominator rather than zero or an error:
no sessions means no bounce rate, not a bounce rate of 0 %.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

ENGAGED_SESSION_SECONDS = 10.0  # GA4's default; adjustable per data stream
APDEX_TOLERATING_FACTOR = 4.0


def ratio(part: float, whole: float) -> float:
    """`part / whole`, NaN when `whole` is 0 (or either is NaN)."""
    if whole == 0 or math.isnan(whole) or math.isnan(part):
        return math.nan
    return part / whole


# -- GA4 users and sessions (kpi-and-alarms.md 1.1, 1.2) -----------------------------------


def is_engaged_session(
    duration_s: float, key_events: int, page_views: int,
    min_seconds: float = ENGAGED_SESSION_SECONDS,
) -> bool:
    """GA4: a session is engaged when it lasted longer than 10 s, or had a key event, or had
    at least 2 page or screen views (any one of the three is enough)."""
    return duration_s > min_seconds or key_events > 0 or page_views >= 2


def engagement_rate(engaged_sessions: float, sessions: float) -> float:
    """GA4 `engagementRate` = engaged sessions ÷ sessions (a fraction)."""
    return ratio(engaged_sessions, sessions)


def bounce_rate(sessions: float, engaged_sessions: float) -> float:
    """GA4 `bounceRate` = (sessions − engaged sessions) ÷ sessions = 1 − engagement rate.

    Not Universal Analytics' single-page-session rate: a user who read one page for five
    minutes is engaged, not a bounce.
    """
    return ratio(sessions - engaged_sessions, sessions)


def pages_per_session(page_views: float, sessions: float) -> float:
    """GA4 `screenPageViewsPerSession` = (page_view + screen_view events) ÷ sessions."""
    return ratio(page_views, sessions)


def stickiness(daily_users: float, period_users: float) -> float:
    """DAU ÷ MAU (or DAU ÷ WAU): the share of the period's users active today. Name the
    window: GA4's `active28DayUsers` is 28 days, its own `dauPerMau` 30."""
    return ratio(daily_users, period_users)


# -- conversion and orders (kpi-and-alarms.md 1.3, 1.4) ------------------------------------


def conversion_rate_session(orders: float, sessions: float) -> float:
    """Session-based conversion: orders (or sessions with a purchase) ÷ sessions."""
    return ratio(orders, sessions)


def conversion_rate_user(purchasers: float, active_users: float) -> float:
    """User-based conversion: purchasers ÷ active users (GA4 `purchaserConversionRate`);
    higher than the session-based rate for the same traffic."""
    return ratio(purchasers, active_users)


def average_order_value(revenue: float, orders: float) -> float:
    """AOV = revenue ÷ number of orders (gross: refunds not deducted)."""
    return ratio(revenue, orders)


def refund_rate_by_count(refunds: float, orders: float) -> float:
    """Refunds ÷ orders, both counted in the same period (refunds by refund date)."""
    return ratio(refunds, orders)


def refund_rate_by_value(refunded_value: float, gross_revenue: float) -> float:
    """Refunded value ÷ gross revenue, both in the same period and currency."""
    return ratio(refunded_value, gross_revenue)


def unique_attempts(charges: Iterable[tuple[str, bool]]) -> tuple[int, int]:
    """(declined, attempts) over unique payment attempts.

    `charges` are (payment key, succeeded) pairs, where the key is the charge's payment
    intent (or the charge id when it has none). Stripe advises analysing unique declines and
    excluding failed retries: all charges of one payment intent are one attempt, declined only
    when none of them succeeded. Three declines and then a success are no decline at all.
    """
    outcome: dict[str, bool] = {}
    for key, succeeded in charges:
        outcome[key] = outcome.get(key, False) or succeeded
    attempts = len(outcome)
    return attempts - sum(outcome.values()), attempts


def decline_rate_unique(charges: Iterable[tuple[str, bool]]) -> float:
    """Declined unique attempts ÷ unique attempts (see `unique_attempts`)."""
    declined, attempts = unique_attempts(charges)
    return ratio(declined, attempts)


# -- availability, Apdex, latency (kpi-and-alarms.md 1.6) ----------------------------------


def availability(good: float, total: float) -> float:
    """Request-based: good requests ÷ all requests; time-based: good minutes ÷ all minutes."""
    return ratio(good, total)


def uptime_percent(up_seconds: float, period_seconds: float) -> float:
    """Time-based uptime in percent: time up ÷ the period × 100."""
    return ratio(up_seconds, period_seconds) * 100.0


def downtime_seconds(availability_ratio: float, period_seconds: float) -> float:
    """(1 − availability) × period: 99.9 % over 30 days is 43.2 minutes."""
    return (1.0 - availability_ratio) * period_seconds


def apdex(satisfied: float, tolerating: float, total: float) -> float:
    """Apdex = (satisfied + tolerating ÷ 2) ÷ total, from 0 to 1."""
    return ratio(satisfied + tolerating / 2.0, total)


def apdex_of(durations: Iterable[float], target: float, errors: int = 0) -> float:
    """Apdex of response times against the target T: satisfied ≤ T, tolerating ≤ 4T,
    frustrated above; `errors` (failed requests) count as frustrated."""
    satisfied = tolerating = total = 0
    for d in durations:
        total += 1
        if d <= target:
            satisfied += 1
        elif d <= APDEX_TOLERATING_FACTOR * target:
            tolerating += 1
    return apdex(satisfied, tolerating, total + errors)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks (numpy's
    default); NaN for no values. Report p50/p95/p99, never the mean alone."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside 0..1")
    data = sorted(v for v in values if not math.isnan(v))
    if not data:
        return math.nan
    pos = q * (len(data) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float:
    """Prometheus `histogram_quantile`: the q-quantile from cumulative buckets (upper bound
    `le`, count of observations ≤ le), interpolating linearly inside the bucket that holds it.

    The last bucket must be +Inf; a quantile landing in it returns the largest finite bound.
    NaN without observations.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside 0..1")
    ordered = sorted(buckets)
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return math.nan
    total = ordered[-1][1]
    if total <= 0:
        return math.nan
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for le, count in ordered:
        if count >= rank:
            if math.isinf(le):
                return lower_bound
            if count == lower_count:
                return le
            return lower_bound + (le - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = le, count
    return lower_bound


# -- funnels --------------------------------------------------------------------------------


def funnel_dropoff(counts: Sequence[float]) -> list[float]:
    """Drop-off between consecutive funnel steps: 1 − step(i) ÷ step(i−1), for i ≥ 1.

    An open funnel (users counted at a step whether or not they passed the earlier ones) may
    grow from one step to the next: the drop-off is then negative, and shown as it is.
    """
    return [1.0 - ratio(after, before) for before, after in itertools.pairwise(counts)]


def funnel_completion(counts: Sequence[float]) -> float:
    """Last step ÷ first step; NaN for fewer than two steps or an empty first step."""
    if len(counts) < 2:
        return math.nan
    return ratio(counts[-1], counts[0])
