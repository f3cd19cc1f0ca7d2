"""Turns a `RuleConfig` into a `Rule` of its kind, and says in words what the rule watches."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from noc_board.config.schema import RuleConfig
from noc_board.core.rules.base import Rule
from noc_board.core.rules.burn_rate import WORKBOOK_PAGES, BurnRateRule, BurnWindow
from noc_board.core.rules.history import HistoryProvider
from noc_board.core.rules.no_data import NoDataRule
from noc_board.core.rules.rate import RateOfChangeRule
from noc_board.core.rules.seasonal import SeasonalRule, SeasonalSettings
from noc_board.core.rules.stale import StaleSourceRule
from noc_board.core.rules.threshold import ThresholdKind
from noc_board.core.rules.week_over_week import WeekOverWeekRule
from noc_board.core.threshold import ThresholdRule

# what `window = 0` means for each kind that has one
DEFAULT_WINDOW = {"seasonal": 1800.0, "rate_of_change": 600.0, "week_over_week": 900.0}
DEFAULT_AFTER = 180.0  # no_data / stale when neither the rule nor the source says


def seasonal_settings(cfg: RuleConfig) -> SeasonalSettings:
    """The seasonal knobs of a rule configuration."""
    return SeasonalSettings(
        direction=cfg.direction,
        season=cfg.season,
        seasons=cfg.seasons,
        min_seasons=cfg.min_seasons,
        window=cfg.window or DEFAULT_WINDOW["seasonal"],
        deviations=cfg.deviations,
        clear_deviations=cfg.clear_deviations,
        points=cfg.points,
        floor=cfg.floor,
        min_spread=cfg.min_spread,
        rolling=cfg.rolling,
        fallback_season=cfg.fallback_season,
    )


def _level_rule(cfg: RuleConfig) -> ThresholdRule:
    return ThresholdRule(
        rule_id=cfg.id,
        metric=cfg.metric,
        op=cfg.op,
        level=cfg.level,
        clear=cfg.level if cfg.clear is None else cfg.clear,
        hold=cfg.hold,
        severity=cfg.severity,
    )


def build_rule(
    cfg: RuleConfig,
    history: HistoryProvider,
    source_of: Mapping[str, str],
    stale_after: Callable[[str], float] | None = None,
) -> Rule:
    """The rule for `cfg`. `source_of` maps metric ids to source names; `stale_after(source)`
    is the default age for no_data and stale (three poll intervals on the board)."""

    def after(source: str) -> float:
        if cfg.after > 0:
            return cfg.after
        return stale_after(source) if stale_after is not None else DEFAULT_AFTER

    kind = cfg.kind
    if kind == "threshold":
        return ThresholdKind(_level_rule(cfg))
    if kind == "seasonal":
        return SeasonalRule(cfg.id, cfg.metric, cfg.severity, history, seasonal_settings(cfg))
    if kind == "rate_of_change":
        window = cfg.window or DEFAULT_WINDOW[kind]
        return RateOfChangeRule(_level_rule(cfg), window, cfg.relative)
    if kind == "week_over_week":
        window = cfg.window or DEFAULT_WINDOW[kind]
        return WeekOverWeekRule(_level_rule(cfg), history, cfg.season, window)
    if kind == "no_data":
        return NoDataRule(cfg.id, cfg.metric, cfg.severity,
                          after(source_of.get(cfg.metric, "")))
    if kind == "stale":
        source = cfg.source or source_of.get(cfg.metric, "")
        return StaleSourceRule(cfg.id, cfg.metric, cfg.severity, source, after(source))
    if kind == "burn_rate":
        windows = tuple(BurnWindow(w.long, w.short, w.factor, w.severity) for w in cfg.burn)
        return BurnRateRule(cfg.id, cfg.metric, cfg.slo, windows or WORKBOOK_PAGES,
                            cfg.total or None, cfg.counts)
    raise ValueError(f"rule {cfg.id!r}: unknown kind {kind!r}")


def describe(cfg: RuleConfig, source_of: Mapping[str, str]) -> str:
    """A default one-line summary for the banner when the configuration gives none."""
    kind = cfg.kind
    if kind == "seasonal":
        what = {"drop": "dropped", "spike": "spiked", "both": "left its usual range"}
        return f"{cfg.metric} {what.get(cfg.direction, 'is unusual')} for the time of week"
    if kind == "rate_of_change":
        return f"{cfg.metric} changed {cfg.op} {cfg.level:g} in a short time"
    if kind == "week_over_week":
        return f"{cfg.metric} {cfg.op} {cfg.level:g} x last week"
    if kind == "no_data":
        return f"no data for {cfg.metric}"
    if kind == "stale":
        return f"source {cfg.source or source_of.get(cfg.metric, '?')} stopped answering"
    if kind == "burn_rate":
        return f"{cfg.metric}: the error budget (SLO {cfg.slo * 100:g}%) burns fast"
    return f"{cfg.metric} {cfg.op} {cfg.level:g}"
