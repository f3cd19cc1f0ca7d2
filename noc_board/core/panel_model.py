"""What a panel shows, computed from published state: pure, no Qt, so it is tested without a screen.

`tile_state` turns a metric's series, its source's health and the alarms on it into a `TileState`
that a widget only draws. The rules it encodes:

- never a number the board does not have: an empty series or a NaN last value reads "—" (nodata);
- every panel says how fresh it is (`age_text`) and why it is greyed (`reason`): stale when the last
  point is older than `stale_after`, failing when the source is DOWN (with the source's error);
- a change is shown only when the history reaches back to the compared moment (never invented),
  coloured by the metric's good direction;
- alarms are a look ("none", "unacked", "acked") plus a severity and a text badge, so the cue is
  never colour alone;
- a value beyond a threshold rule's level takes that level's severity (`level`) and says so in
  words (`level_text`), before the rule's hold time makes it an alarm.

The freshness rules are shared with every other panel (`panel_models.freshness`); comparison
periods are in `panel_models.compare`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from noc_board.config.schema import MetricConfig, PanelConfig
from noc_board.core.alarms import SEVERITY_RANK, Alarm, AlarmState
from noc_board.core.health import SourceHealth
from noc_board.core.panel_models import compare as _compare
from noc_board.core.panel_models.freshness import freshness
from noc_board.core.panel_models.thresholds import Threshold, breached
from noc_board.core.series import RingSeries
from noc_board.core.units import Unit, format_duration, format_value

TileStatus = Literal["ok", "stale", "failing", "nodata"]
AlarmLook = Literal["none", "unacked", "acked"]

NO_VALUE = "—"
DAY = 86_400.0
WEEK = 7 * DAY
# How far before the compared moment the reference point may lie (as a fraction of the offset)
# before the comparison counts as "history does not reach back" (a gap in the data).
REFERENCE_TOLERANCE = 0.1

_STATUS_RANK: dict[TileStatus, int] = {"ok": 0, "nodata": 1, "stale": 2, "failing": 3}
_LOOK_RANK: dict[AlarmLook, int] = {"none": 0, "acked": 1, "unacked": 2}


@dataclass(frozen=True, slots=True)
class TileState:
    """Everything a stat tile (or a chart's header) draws; equal states need no redraw."""

    title: str
    value_text: str = NO_VALUE
    unit_text: str = ""
    change_text: str = ""
    change_good: bool | None = None  # None: neutral (no good direction, no change, or no text)
    status: TileStatus = "nodata"
    reason: str = ""
    age_text: str = ""
    age_seconds: float | None = None  # None with no data (never NaN: states compare equal)
    alarm: AlarmLook = "none"
    severity: str = ""  # of the alarm shown; "" with alarm "none"
    alarm_text: str = ""  # the badge, e.g. "⚠ CRITICAL" or "✓ ACK · WARNING"
    level: str = ""  # severity of the threshold level the value is beyond; "" within all
    level_text: str = ""  # that level in words, e.g. "▲ over 5.00% critical level"

    @property
    def greyed(self) -> bool:
        """Stale or failing: the number may be wrong, so it is drawn dimmed with the reason."""
        return self.status in ("stale", "failing")


def metric_label(metric: MetricConfig) -> str:
    """The human name of a metric: its label, or its id when it has none."""
    return metric.label or metric.id


def compare_offset(panel: PanelConfig, at: float | None = None,
                   tz: dt.tzinfo = dt.UTC) -> float:
    """Seconds back that a tile's change compares against (a calendar month from `at` in
    `tz` for "month"; 30 days when `at` is not given)."""
    if panel.compare == "month" and at is None:
        return 30 * DAY
    return _compare.compare_offset(panel.compare, panel.window, at or 0.0, tz)


def compare_caption(panel: PanelConfig) -> str:
    """What a change is against, in words: "vs 1h ago", "vs yesterday", "vs last week"."""
    return _compare.compare_caption(panel.compare, panel.window)


def reference_value(series: RingSeries, at: float, offset: float) -> float:
    """The value `offset` seconds before `at`, or NaN when the history does not reach back.

    The point used is the latest at or before `at - offset`, as `RingSeries.value_at_or_before`
    picks it, but only when it lies within `REFERENCE_TOLERANCE * offset` (at most an hour) of
    that moment: a point from ten days ago is not "a week ago".
    """
    target = at - offset
    value = series.value_at_or_before(target)
    if math.isnan(value):
        return value
    times, _ = series.arrays()
    ref_ts = float(times[int(np.searchsorted(times, target, side="right")) - 1])
    if target - ref_ts > min(REFERENCE_TOLERANCE * offset, _compare.MAX_TOLERANCE):
        return float("nan")
    return value


def level_text(threshold: Threshold, unit: Unit, currency: str = "USD") -> str:
    """A breached level in words: "▲ over 5.00% · critical"."""
    number, unit_text = format_value(threshold.level, unit, currency)
    arrow, side = ("▲", "over") if threshold.op == "above" else ("▼", "under")
    return f"{arrow} {side} {value_with_unit(number, unit_text)} · {threshold.severity}"


def change_text(last: float, previous: float, unit: Unit, good: str) -> tuple[str, bool | None]:
    """The change from `previous` to `last` with an arrow, and whether it is good.

    Ratios and percentages change in percentage points ("▲ 0.20 pp"), other values relatively
    ("▲ 12.3%"). Returns ("", None) when there is nothing honest to say (NaN, a zero base).
    """
    if math.isnan(last) or math.isnan(previous) or math.isinf(last) or math.isinf(previous):
        return "", None
    if unit in (Unit.RATIO, Unit.PERCENT):
        delta = (last - previous) * (100.0 if unit is Unit.RATIO else 1.0)
        magnitude, suffix = f"{abs(delta):.2f}", " pp"
    else:
        if previous == 0:
            return "", None
        delta = (last - previous) / abs(previous) * 100.0
        magnitude, suffix = f"{abs(delta):.1f}", "%"
    if float(magnitude) == 0.0:
        return f"→ {magnitude}{suffix}", None
    arrow = "▲" if delta > 0 else "▼"
    verdict: bool | None = None
    if good == "up":
        verdict = delta > 0
    elif good == "down":
        verdict = delta < 0
    return f"{arrow} {magnitude}{suffix}", verdict


def alarm_look(alarms: Iterable[Alarm], metric_ids: Iterable[str]) -> tuple[AlarmLook, str]:
    """The worst alarm state on these metrics: unacked beats acked, then the higher severity."""
    wanted = set(metric_ids)
    best: tuple[int, int] = (0, -1)
    look: AlarmLook = "none"
    severity = ""
    for alarm in alarms:
        if alarm.metric not in wanted:
            continue
        if alarm.needs_attention:
            this: AlarmLook = "unacked"
        elif alarm.state is AlarmState.ACKED:
            this = "acked"
        else:
            continue
        rank = (_LOOK_RANK[this], SEVERITY_RANK.get(alarm.severity, 0))
        if rank > best:
            best, look, severity = rank, this, alarm.severity
    return look, severity


def alarm_badge(look: AlarmLook, severity: str) -> str:
    """The text cue next to the colour: "⚠ CRITICAL" while unacknowledged, "✓ ACK · …" after."""
    if look == "unacked":
        return f"⚠ {severity.upper()}"
    if look == "acked":
        return f"✓ ACK · {severity.upper()}"
    return ""


def tile_change(
    metric: MetricConfig, panel: PanelConfig, series: RingSeries | None,
    history_reference: float = math.nan, tz: dt.tzinfo = dt.UTC,
) -> tuple[str, bool | None]:
    """A tile's change and whether it is good (see `tile_state`); it depends only on the series'
    contents, so a caller may keep it until the series' version moves."""
    if series is None or not len(series):
        return "", None
    last_ts, last = series.last_ts(), series.last_value()
    if math.isnan(last) or math.isnan(last_ts):
        return "", None
    previous = reference_value(series, last_ts, compare_offset(panel, last_ts, tz))
    if math.isnan(previous):
        previous = history_reference
    return change_text(last, previous, Unit(metric.unit), metric.good)


def tile_state(
    metric: MetricConfig,
    panel: PanelConfig,
    series: RingSeries | None,
    health: SourceHealth,
    alarms: Sequence[Alarm],
    now: float,
    stale_after: float,
    currency: str = "USD",
    thresholds: Sequence[Threshold] = (),
    history_reference: float = math.nan,
    tz: dt.tzinfo = dt.UTC,
    change: tuple[str, bool | None] | None = None,
) -> TileState:
    """The state of a stat tile showing `metric` (see the module docstring for the rules).

    The change compares with the in-memory series when it reaches back to the compared moment,
    else with `history_reference` (the value the store's rollups hold for that moment, NaN when
    unknown). `thresholds` are the metric's rule levels. `change`, when given, is the
    `tile_change` the caller kept from an earlier call on the same series version.
    """
    title = panel.title or metric_label(metric)
    unit = Unit(metric.unit)
    look, severity = alarm_look(alarms, (metric.id,))
    badge = alarm_badge(look, severity)
    has_points = series is not None and len(series) > 0
    last_ts = series.last_ts() if series is not None and has_points else float("nan")
    last = series.last_value() if series is not None and has_points else float("nan")
    fresh = freshness(health, last_ts, now, stale_after, has_value=not math.isnan(last))

    value_text, unit_text = format_value(last, unit, currency)
    if change is None:
        change = tile_change(metric, panel, series, history_reference, tz)
    text, good = change
    level = breached(last, thresholds) if fresh.status == "ok" else None
    return TileState(
        title=title, value_text=value_text, unit_text=unit_text, change_text=text,
        change_good=good, status=fresh.status, reason=fresh.reason, age_text=fresh.age_text,
        age_seconds=fresh.age_seconds, alarm=look, severity=severity, alarm_text=badge,
        level=level.severity if level else "",
        level_text=level_text(level, unit, currency) if level else "",
    )


def merge_states(title: str, states: Sequence[TileState]) -> TileState:
    """One header state for a chart of several metrics: the worst status and alarm, the oldest age.

    A chart is "nodata" only when all its metrics are; a value and a change are not merged.
    """
    if not states:
        return TileState(title=title, reason="no metrics", age_text="no data")
    worst = max(states, key=lambda s: _STATUS_RANK[s.status])
    status: TileStatus = worst.status
    if status == "nodata" and any(s.status == "ok" for s in states):
        status = "ok"
    reason = "; ".join(dict.fromkeys(s.reason for s in states if s.status == status and s.reason))
    aged = [s for s in states if s.age_seconds is not None]
    oldest = max(aged, key=lambda s: s.age_seconds or 0.0) if aged else None
    loud = max(states, key=lambda s: (_LOOK_RANK[s.alarm], SEVERITY_RANK.get(s.severity, 0)))
    return TileState(
        title=title, status=status, reason=reason,
        age_text=oldest.age_text if oldest else "no data",
        age_seconds=oldest.age_seconds if oldest else None, alarm=loud.alarm,
        severity=loud.severity, alarm_text=loud.alarm_text,
    )


def attention_order(alarms: Iterable[Alarm]) -> list[Alarm]:
    """Alarms needing attention, most severe first, then the longest waiting first."""
    pending = [a for a in alarms if a.needs_attention]
    return sorted(
        pending,
        key=lambda a: (-SEVERITY_RANK.get(a.severity, 0), a.raised_at or 0.0, a.key),
    )


def alarm_line(
    alarm: Alarm, metrics: Mapping[str, MetricConfig], now: float | None, currency: str = "USD"
) -> str:
    """A banner entry: "CRITICAL Checkout errors — above 2 %: 4.10% · 3m".

    The metric's label, then what this rule says about it (`rule_phrase`: its summary, or its
    id), so two rules on one metric read differently; then the value (left out when it is no
    number, e.g. for no data), the wait since it was raised (none when `now` is None), and
    "(returned to normal)" while it waits for an acknowledgement after clearing.
    """
    metric = metrics.get(alarm.metric)
    label = metric_label(metric) if metric is not None else alarm.metric
    unit = Unit(metric.unit) if metric is not None else Unit.COUNT
    text = f"{alarm.severity.upper()} {label} — {rule_phrase(alarm, label)}"
    if not math.isnan(alarm.value):
        text += f": {value_with_unit(*format_value(alarm.value, unit, currency))}"
    since = alarm.raised_at if alarm.raised_at is not None else alarm.changed_at
    if now is not None:
        text += f" · {format_duration(now - since) if since is not None else '?'}"
    if alarm.state is AlarmState.RTN_UNACKED:
        text += " (returned to normal)"
    return text


def _word_key(word: str) -> str:
    return word.strip(",;:()").casefold()


def rule_phrase(alarm: Alarm, label: str) -> str:
    """What the alarm's rule says, without the words it shares with the metric's label.

    The summary leads with the metric's name more often than not ("Checkout 5xx rate above 5%"
    on "Checkout 5xx rate"): the label already leads the banner entry, so the leading words the
    summary shares with the label (or the metric's id, as generated summaries have it) are left
    out: "above 5%". A summary that is all label, or none, gives the rule's id.
    """
    words = alarm.summary.split()
    for subject in (label.split(), [alarm.metric]):
        shared = 0
        for mine, theirs in zip(words, subject, strict=False):
            if _word_key(mine) != _word_key(theirs):
                break
            shared += 1
        if shared:
            words = words[shared:]
            break
    phrase = " ".join(words).lstrip(":—–- ")
    return phrase or alarm.rule


def chart_scale(unit: Unit) -> tuple[float, str]:
    """The factor a chart multiplies values by and the suffix of its y axis ticks."""
    if unit is Unit.RATIO:
        return 100.0, "%"
    suffix = {Unit.PERCENT: "%", Unit.MILLISECONDS: " ms", Unit.SECONDS: " s",
              Unit.PER_SECOND: "/s", Unit.PER_MINUTE: "/min"}.get(unit, "")
    return 1.0, suffix


def value_with_unit(number: str, unit_text: str) -> str:
    """A number and its unit as one phrase: "0.41%", "12/min", "350 ms", "12.3k USD"."""
    if not unit_text:
        return number
    if unit_text in ("%", "/s", "/min"):
        return f"{number}{unit_text}"
    return f"{number} {unit_text}"
