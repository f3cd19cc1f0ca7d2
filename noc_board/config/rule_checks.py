"""Cross-checks of alarm rules by kind, and of maintenance windows.

Called by `crossref.check_references` once the rules' own references (metric, route) are
checked; like every cross-check they skip inputs already reported bad.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

from noc_board.config.issues import IssueSink, KeyPath
from noc_board.config.schema import Config, MaintenanceConfig, RuleConfig
from noc_board.config.walker import did_you_mean
from noc_board.core.maintenance import DAYS, parse_clock, parse_time

_GLOB_CHARS = frozenset("*?[")


def check_rules_and_maintenance(
    config: Config, metrics: dict[str, int] | None, sources: dict[str, int] | None,
    sink: IssueSink,
) -> None:
    """Report what each rule kind needs, and every maintenance window's problems."""
    for i, rule in enumerate(config.rules):
        if rule is not None and not sink.is_bad(("rules", i, "kind")):
            _check_kind(("rules", i), rule, metrics, sources, sink)
    seen: dict[str, int] = {}
    for i, window in enumerate(config.maintenance):
        if window is None:
            continue
        at: KeyPath = ("maintenance", i)
        if isinstance(window.name, str):
            if window.name in seen:
                sink.error((*at, "name"), f"duplicate maintenance window name {window.name!r}; "
                                          f"maintenance[{seen[window.name]}] has it too")
            seen.setdefault(window.name, i)
        _check_window(at, window, config, sink)


def _check_kind(
    at: KeyPath, rule: RuleConfig, metrics: dict[str, int] | None,
    sources: dict[str, int] | None, sink: IssueSink,
) -> None:
    kind = rule.kind
    if kind == "week_over_week" and rule.level <= 0 and not sink.is_bad((*at, "level")):
        sink.error((*at, "level"), "week_over_week compares a ratio: give a level above 0, "
                                   "e.g. 0.7 with op = \"below\" for 70% of last week")
    if kind == "rate_of_change" and rule.level == 0 and not sink.is_bad((*at, "level")):
        sink.error((*at, "level"), "rate_of_change needs a level, e.g. -0.3 with op = "
                                   "\"below\" for a 30% fall within the window")
    if kind == "seasonal" and rule.min_seasons > rule.seasons and not sink.is_bad(
            (*at, "min_seasons")):
        sink.error((*at, "min_seasons"), f"must be at most seasons ({rule.seasons})")
    if kind == "stale" and rule.source and sources is not None and rule.source not in sources:
        hint = did_you_mean(rule.source, list(sources)) or f"; known: {', '.join(sources)}"
        sink.error((*at, "source"), f"unknown source {rule.source!r}{hint}")
    if kind == "burn_rate":
        if rule.total and metrics is not None and rule.total not in metrics:
            hint = did_you_mean(rule.total, list(metrics))
            sink.error((*at, "total"), f"unknown metric {rule.total!r}{hint}")
        for k, pair in enumerate(rule.burn):
            if pair is not None and pair.short > pair.long:
                sink.error((*at, "burn", k, "short"), "the short window must not be longer "
                                                      "than the long one")
    if (rule.flap_start > 0 and rule.flap_stop >= rule.flap_start
            and not sink.is_bad((*at, "flap_stop"))):
        sink.error((*at, "flap_stop"), f"must be below flap_start ({rule.flap_start:g})")


def _check_window(at: KeyPath, w: MaintenanceConfig, config: Config, sink: IssueSink) -> None:
    one_off = bool(w.start or w.end)
    weekly = bool(w.days or w.at or w.duration)
    if one_off and weekly:
        sink.error(at, "give either start and end (one-off) or days, at and duration "
                       "(weekly), not both")
        return
    if not one_off and not weekly:
        sink.error(at, "give start and end (one-off) or days, at and duration (weekly)")
        return
    if one_off:
        times: dict[str, float] = {}
        for key in ("start", "end"):
            text = getattr(w, key)
            if not text:
                sink.error((*at, key), "required for a one-off window")
                continue
            try:
                times[key] = parse_time(text)
            except ValueError as exc:
                sink.error((*at, key), str(exc))
        if len(times) == 2 and times["end"] <= times["start"]:
            sink.error((*at, "end"), "must be after start")
    else:
        if not w.days and not sink.is_bad((*at, "days")):
            sink.error((*at, "days"), f"required for a weekly window: some of {', '.join(DAYS)}")
        for k, day in enumerate(w.days):
            if isinstance(day, str) and day.lower()[:3] not in DAYS:
                sink.error((*at, "days", k), f"unknown day {day!r}; use {', '.join(DAYS)}")
        if not sink.is_bad((*at, "at")):
            try:
                parse_clock(w.at)
            except ValueError as exc:
                sink.error((*at, "at"), f"{exc}" if w.at else "required for a weekly window, "
                                                                "e.g. \"02:00\"")
        if w.duration <= 0 and not sink.is_bad((*at, "duration")):
            sink.error((*at, "duration"), "required for a weekly window, e.g. \"2h\"")
        if w.timezone and w.timezone != "UTC" and not sink.is_bad((*at, "timezone")):
            zones = zoneinfo.available_timezones()
            if zones and w.timezone not in zones:
                sink.error((*at, "timezone"), f"unknown time zone {w.timezone!r}"
                                              f"{did_you_mean(w.timezone, sorted(zones))}")
    rules = [r.id for r in config.rules if r is not None and isinstance(r.id, str)]
    metrics = [m.id for m in config.metrics if m is not None and isinstance(m.id, str)]
    routes = [r.name for r in config.routes if r is not None and isinstance(r.name, str)]
    for key, names in (("rules", rules), ("metrics", metrics), ("routes", routes)):
        _check_names(at, key, getattr(w, key), names, sink)


def _check_names(
    at: KeyPath, key: str, names: Sequence[str], known: list[str], sink: IssueSink
) -> None:
    """A plain name (no glob characters) must name something that exists: a typo suppresses
    nothing, silently, in the one window where it matters."""
    for k, name in enumerate(names):
        if not isinstance(name, str) or _GLOB_CHARS & set(name) or name in known:
            continue
        hint = did_you_mean(name, known)
        sink.error((*at, key, k), f"{name!r} matches no {key[:-1]}{hint}; use a glob such as "
                                  f"\"{name}*\" for names still to come")
