"""Drop or spike against a seasonal baseline: the same time of week over the past weeks.

For a point at t, each past season k = 1 .. `seasons` (a week by default) contributes the points
in a `window` centred on t - k x `season`, read through a `HistoryProvider`:

- the baseline is the median of the seasons' own medians, so one past incident cannot move it;
- the spread adds, in quadrature, the noise of points around their season's median and the
  variation between seasons (a MAD with the small-sample correction), both pooled over the five
  neighbouring windows: four seasons give four values per window, too few to divide by;
- the spread has a floor, a share of the baseline (`floor`) and an absolute one (`min_spread`),
  so a flawless history cannot make every wiggle an alarm.

A point is anomalous when its score (value - baseline) / spread passes `deviations` in the
watched direction; the alarm raises after `points` anomalous points in a row and clears after as
many points back within `clear_deviations` (hysteresis).

With fewer than `min_seasons` past seasons (a new board, a new metric) the rule falls back to
the same time of day over the past `fallback_seasons` days, and without even that to a rolling
baseline, the median and MAD of the last `rolling` seconds; its note, which the alarm shows,
says which and why; the rolling baseline is used once its points reach back half of `rolling`.

A figure "since midnight" (a "today" ratio: refunds over orders) restarts every day: no number
at midnight (nothing over nothing), then zero, then ratios over a handful of orders. After such a
restart the rule only watches for `rolling` seconds, and its rolling baseline counts only points
since: the last hours of yesterday, or windows straddling midnight, would make every early ratio
an anomaly (the demo week's false refund alarms on a new board).

kpi-and-alarms.md section 3.7 describes the method; the defaults are those
`bench/bench_detectors.py` measures (NAB files and the demo week).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from noc_board.core.rules.base import NOTHING, Decision, PointRule
from noc_board.core.rules.history import FloatArray, HistoryProvider
from noc_board.core.rules.recent import RecentPoints

DAY = 86_400.0
WEEK = 7 * DAY
MAD_TO_SIGMA = 1.4826
MIN_ROLLING_POINTS = 5
MIN_SPAN = 0.5  # of `rolling`: how far back its points must reach before it is used
SPREAD_SLOTS = 5  # neighbouring windows the spread is pooled over (the middle one: the centre)
DIRECTIONS = ("drop", "spike", "both")


@dataclass(frozen=True, slots=True)
class SeasonalSettings:
    """The seasonal rule's knobs; the defaults are what `bench/bench_detectors.py` measures."""

    direction: str = "both"
    season: float = WEEK
    seasons: int = 4
    min_seasons: int = 2
    window: float = 1800.0
    deviations: float = 4.0
    clear_deviations: float = 2.0
    points: int = 5
    floor: float = 0.1
    min_spread: float = 0.0
    rolling: float = 7200.0
    fallback_season: float = DAY
    fallback_seasons: int = 7

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
        if self.season <= 0 or self.window <= 0 or self.rolling <= 0:
            raise ValueError("season, window and rolling must be more than 0")
        if self.seasons < 1 or not 1 <= self.min_seasons <= self.seasons:
            raise ValueError("need 1 <= min_seasons <= seasons")
        if self.points < 1 or self.deviations <= 0 or self.clear_deviations < 0:
            raise ValueError("points must be at least 1 and deviations more than 0")


@dataclass(frozen=True, slots=True)
class Baseline:
    """Expected value and spread at one time, and where they came from."""

    median: float
    spread: float
    season: float  # the season it came from; 0 for the rolling baseline
    seasons_found: int  # seasons of `season` it pooled
    count: int  # points it pooled
    main_found: int = -1  # when falling back: past seasons of the main season found


# Croux and Rousseeuw's small-sample corrections of the MAD, for n = 2 .. 9 (above: n/(n-0.8))
_SMALL_MAD = {2: 1.196, 3: 1.495, 4: 1.363, 5: 1.206, 6: 1.200, 7: 1.140, 8: 1.129, 9: 1.107}


def median(values: FloatArray | list[float]) -> float:
    """The median of a small, non-empty, NaN-free array (np.median costs 20x more on these)."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    n = ordered.shape[0]
    mid = n // 2
    return float(ordered[mid]) if n % 2 else float(ordered[mid - 1] + ordered[mid]) / 2


def robust_centre(values: FloatArray) -> tuple[float, float]:
    """Median and 1.4826 x MAD (the standard deviation, were the values normal)."""
    centre = median(values)
    return centre, MAD_TO_SIGMA * median(np.abs(values - centre))


def medians(parts: list[FloatArray]) -> FloatArray:
    """The median of each part (in one numpy call when they are the same length)."""
    n = parts[0].shape[0]
    if all(p.shape[0] == n for p in parts):
        ordered = np.sort(np.stack(parts), axis=1)
        mid = n // 2
        result: FloatArray = ordered[:, mid] if n % 2 else (ordered[:, mid - 1]
                                                             + ordered[:, mid]) / 2
        return result
    return np.array([median(p) for p in parts])


def seasonal_level(parts: list[FloatArray]) -> float:
    """The median of the seasons' own medians: one season's incident cannot move it."""
    return median(medians(parts))


def seasonal_spread(slots: list[list[FloatArray]]) -> float:
    """The spread around a seasonal baseline, from several neighbouring windows.

    `slots[j][k]` are the points of season k in the j-th window. The spread adds, in
    quadrature, the noise of points around their season's median and the variation between
    the seasons, both pooled over the windows: a few seasons give only a few values per window,
    and a MAD of four values is too unsteady to divide by.
    """
    residuals: list[FloatArray] = []
    deviations: list[float] = []
    counts: list[int] = []
    for parts in slots:
        if not parts:
            continue
        levels = medians(parts)
        residuals.extend(p - level for p, level in zip(parts, levels, strict=True))
        if levels.size >= 2:
            deviations.extend((levels - median(levels)).tolist())
            counts.append(int(levels.size))
    if not residuals:
        return math.nan
    noise = MAD_TO_SIGMA * median(np.abs(np.concatenate(residuals)))
    between = 0.0
    if deviations:
        n = min(counts)
        factor = _SMALL_MAD.get(n, n / (n - 0.8))
        between = MAD_TO_SIGMA * factor * median(np.abs(np.asarray(deviations)))
    return math.hypot(noise, between)


def season_name(season: float, count: int) -> str:
    """'4 weeks', '1 day', '2 seasons of 3h' for notes."""
    if season == WEEK:
        unit = "week"
    elif season == DAY:
        unit = "day"
    else:
        return f"{count} seasons of {season / 3600:g}h"
    return f"{count} {unit}{'' if count == 1 else 's'}"


class SeasonalRule(PointRule):
    """Seasonal drop/spike detection on one metric (see the module docstring)."""

    def __init__(
        self,
        rule_id: str,
        metric: str,
        severity: str,
        history: HistoryProvider,
        settings: SeasonalSettings | None = None,
    ) -> None:
        super().__init__(rule_id, metric, severity)
        self.settings = settings or SeasonalSettings()
        self._history = history
        self._recent = RecentPoints(self.settings.rolling, max_points=20_000)
        self._cache_key: int | None = None
        self._cached: Baseline | None = None
        self._spread_cache: tuple[tuple[float, int], float] | None = None
        self._breaches = 0
        self._calm = 0
        self._restart = -math.inf  # when the figure last restarted from nothing (`observe`)
        self._gap_at = math.nan  # a point with no number after a positive one: maybe a restart
        self._last = math.nan  # the last finite value
        self.last_score = math.nan

    # -- the baseline ----------------------------------------------------------------------

    def _parts(self, ts: float, season: float, seasons: int) -> list[FloatArray]:
        """The points in a window centred on `ts` in each past season that has some."""
        half = self.settings.window / 2
        parts: list[FloatArray] = []
        for k in range(1, seasons + 1):
            centre = ts - k * season
            values = self._history.values(self.metric, centre - half, centre + half)
            if values.size:
                parts.append(values)
        return parts

    def _spread(self, ts: float, season: float, seasons: int) -> float:
        """The seasonal spread near `ts`, over SPREAD_SLOTS windows (re-read every third of a
        window: it changes slowly and costs five times the reads of the level)."""
        w = self.settings.window
        key = (season, math.floor(ts / (w / 3)))
        if self._spread_cache is not None and self._spread_cache[0] == key:
            return self._spread_cache[1]
        slots = [self._parts(ts + (j - SPREAD_SLOTS // 2) * w, season, seasons)
                 for j in range(SPREAD_SLOTS)]
        spread = seasonal_spread(slots)
        self._spread_cache = (key, spread)
        return spread

    def _seasonal(self, ts: float) -> Baseline:
        """The seasonal baseline at `ts` (from the main season, or the fallback one), or a
        Baseline with season 0 saying how many main seasons there were."""
        s = self.settings
        key = math.floor(ts / 60.0)  # the past changes slowly: one read per minute
        if key == self._cache_key and self._cached is not None:
            return self._cached
        parts = self._parts(ts, s.season, s.seasons)
        found = len(parts)
        result = Baseline(math.nan, math.nan, 0.0, 0, 0, found)
        if found >= s.min_seasons:
            result = Baseline(seasonal_level(parts), self._spread(ts, s.season, s.seasons),
                              s.season, found, sum(p.size for p in parts))
        elif s.fallback_season > 0:
            near = self._parts(ts, s.fallback_season, s.fallback_seasons)
            if len(near) >= s.min_seasons:
                spread = self._spread(ts, s.fallback_season, s.fallback_seasons)
                result = Baseline(seasonal_level(near), spread, s.fallback_season, len(near),
                                  sum(p.size for p in near), found)
        self._cache_key, self._cached = key, result
        return result

    def baseline(self, ts: float) -> Baseline | None:
        """The baseline for a point at `ts`: seasonal when the history allows, else rolling."""
        seasonal = self._seasonal(ts)
        if seasonal.season > 0:
            return seasonal
        since = max(ts - self.settings.rolling, self._restart)
        recent = self._recent.values(since, ts - 1e-9)
        first = max(self._recent.oldest_ts(), self._restart)
        if recent.size < MIN_ROLLING_POINTS or ts - first < self.settings.rolling * MIN_SPAN:
            return None  # a few minutes of a new board (or of a new day) say little
        centre, spread = robust_centre(recent)
        return Baseline(centre, spread, 0.0, 0, int(recent.size), seasonal.main_found)

    def spread_of(self, base: Baseline) -> float:
        s = self.settings
        floor = max(s.floor * abs(base.median), s.min_spread)
        spread = base.spread if math.isfinite(base.spread) else 0.0
        return max(spread, floor, 1e-12 * max(1.0, abs(base.median)))

    def _note(self, base: Baseline, spread: float, value: float, score: float) -> str:
        s = self.settings
        if base.season == s.season:
            source = f"median of the past {season_name(s.season, base.seasons_found)}"
        else:
            if base.season > 0:
                used = f"median of the past {season_name(base.season, base.seasons_found)}"
            else:
                used = f"rolling {s.rolling / 3600:g}h baseline"
            source = (
                f"{used}: only {season_name(s.season, max(base.main_found, 0))} of history, "
                f"{s.min_seasons} needed"
            )
        return (
            f"expected {base.median:.4g} ± {spread:.3g} ({source}); "
            f"got {value:.4g} ({score:+.1f}σ)"
        )

    # -- judging ---------------------------------------------------------------------------

    def _anomalous(self, score: float, level: float) -> bool:
        d = self.settings.direction
        if d == "drop":
            return score <= -level
        if d == "spike":
            return score >= level
        return abs(score) >= level

    def observe(self, metric: str, ts: float, value: float) -> Decision:
        """Notes restarts: a figure "since midnight" (a "today" ratio: refunds over orders)
        has no number at its restart (nothing over nothing) and then starts from zero. Such a
        point with no number after a positive value, then a zero, is a restart: for `rolling`
        seconds after it the rule only watches (its first values are over a handful of events,
        and neither the last hours before the restart nor windows straddling it describe them),
        and the rolling baseline counts only points since it."""
        if metric != self.metric:
            return NOTHING
        if math.isnan(value):
            if self._last > 0:
                self._gap_at = ts
            return NOTHING
        if not math.isnan(self._gap_at) and value == 0:
            self._restart = self._gap_at
            self._breaches = 0
        self._gap_at = math.nan
        self._last = value
        return super().observe(metric, ts, value)

    def judge(self, ts: float, value: float) -> Decision:
        s = self.settings
        base = self.baseline(ts)
        self._recent.append(ts, value)
        if ts - self._restart < s.rolling:
            base = None  # warming up after a restart
        if base is None:
            self._breaches = 0
            self.last_score = math.nan
            return NOTHING if not self._firing else self._same(value)
        spread = self.spread_of(base)
        score = (value - base.median) / spread
        self.last_score = score
        if self._anomalous(score, s.deviations):
            self._breaches += 1
        else:
            self._breaches = 0
        if self._anomalous(score, s.clear_deviations):
            self._calm = 0
        else:
            self._calm += 1
        if not self._firing:
            if self._breaches >= s.points:
                self._calm = 0
                return self._raise(value, self._note(base, spread, value, score))
            return self._same(value)
        note = self._note(base, spread, value, score)
        if self._calm >= s.points:
            self._breaches = 0
            return self._clear(value, note)
        return self._same(value, note)
