"""The panel model: values, changes, freshness, failures and alarm looks of tiles. No Qt."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from noc_board.config.schema import MetricConfig, PanelConfig
from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.panel_model import (
    TileState,
    alarm_line,
    alarm_look,
    attention_order,
    change_text,
    chart_scale,
    compare_caption,
    merge_states,
    reference_value,
    rule_phrase,
    tile_state,
    value_with_unit,
)
from noc_board.core.series import RingSeries
from noc_board.core.units import Unit

NOW = 1_000_000.0
ORDERS = MetricConfig(
    id="biz.orders", source="stripe", label="Orders", unit="per_minute", good="up"
)
ERRORS = MetricConfig(
    id="health.checkout.error_rate", source="prom", label="Checkout errors", unit="ratio",
    good="down",
)
LATENCY = MetricConfig(id="health.p95", source="prom", unit="ms")
OK = SourceHealth(source="prom", state=HealthState.OK, last_success=NOW)


def panel(**kw: object) -> PanelConfig:
    base = PanelConfig(kind="stat", metrics=["biz.orders"], window=3600.0)
    return replace(base, **kw)  # type: ignore[arg-type]


def series_of(*points: tuple[float, float], capacity: int = 100) -> RingSeries:
    s = RingSeries(capacity)
    for ts, v in points:
        s.append(ts, v)
    return s


def state(
    metric: MetricConfig = ORDERS,
    series: RingSeries | None = None,
    health: SourceHealth = OK,
    alarms: tuple[Alarm, ...] = (),
    now: float = NOW,
    stale_after: float = 60.0,
    **panel_kw: object,
) -> TileState:
    return tile_state(metric, panel(**panel_kw), series, health, alarms, now, stale_after)


# --- values and units ---------------------------------------------------------------------


def test_value_and_unit_of_the_last_point() -> None:
    s = state(series=series_of((NOW - 20, 100.0), (NOW - 5, 120.0)))
    assert (s.value_text, s.unit_text) == ("120", "/min")
    assert s.status == "ok" and s.reason == ""
    assert s.age_text == "5s ago" and s.age_seconds == 5.0
    assert s.title == "Orders"


def test_panel_title_wins_over_metric_label() -> None:
    assert state(series=series_of((NOW, 1.0)), title="Orders / min").title == "Orders / min"


def test_metric_id_is_the_title_without_a_label() -> None:
    assert state(metric=LATENCY, series=series_of((NOW, 350.0))).title == "health.p95"


@pytest.mark.parametrize("series", [None, RingSeries(10)])
def test_no_series_or_empty_series_shows_no_number(series: RingSeries | None) -> None:
    s = state(series=series)
    assert s.value_text == "—" and s.unit_text == ""
    assert s.status == "nodata" and s.age_text == "no data" and s.age_seconds is None
    assert s.change_text == "" and s.change_good is None


def test_nan_last_value_shows_no_number_even_with_history() -> None:
    s = state(series=series_of((NOW - 3600, 10.0), (NOW - 5, math.nan)))
    assert s.value_text == "—" and s.status == "nodata"
    assert s.change_text == ""
    assert s.age_text == "5s ago"


# --- freshness and failures ------------------------------------------------------------------


def test_stale_when_older_than_stale_after() -> None:
    fresh = state(series=series_of((NOW - 60, 5.0)), stale_after=60.0)
    assert fresh.status == "ok"
    stale = state(series=series_of((NOW - 180, 5.0)), stale_after=60.0)
    assert stale.status == "stale" and stale.greyed
    assert stale.reason == "stale: no data for 3m"
    assert stale.value_text == "5"  # the last known number, drawn greyed


def test_stale_reason_names_the_source_error() -> None:
    degraded = SourceHealth(
        source="stripe", state=HealthState.DEGRADED, last_error="HTTP 503 Service Unavailable"
    )
    s = state(series=series_of((NOW - 180, 5.0)), health=degraded)
    assert s.reason == "stale: no data for 3m (stripe: HTTP 503 Service Unavailable)"


def test_failing_when_source_is_down_with_its_error() -> None:
    down = SourceHealth(
        source="stripe", state=HealthState.DOWN, last_error="connect timeout",
        consecutive_failures=3,
    )
    s = state(series=series_of((NOW - 10, 5.0)), health=down)
    assert s.status == "failing" and s.greyed
    assert "connect timeout" in s.reason and "stripe" in s.reason
    empty = state(series=None, health=down)
    assert empty.status == "failing" and empty.value_text == "—"


def test_degraded_source_with_fresh_data_is_ok() -> None:
    degraded = SourceHealth(source="prom", state=HealthState.DEGRADED, last_error="warning")
    assert state(series=series_of((NOW - 1, 5.0)), health=degraded).status == "ok"


# --- changes ---------------------------------------------------------------------------------


def test_change_against_previous_period_good_up() -> None:
    s = state(series=series_of((NOW - 3600, 100.0), (NOW - 1800, 90.0), (NOW, 112.3)))
    assert s.change_text == "▲ 12.3%" and s.change_good is True
    s = state(series=series_of((NOW - 3600, 100.0), (NOW, 96.0)))
    assert s.change_text == "▼ 4.0%" and s.change_good is False


def test_direction_aware_good_down_rise_is_bad() -> None:
    s = state(metric=ERRORS, series=series_of((NOW - 3600, 0.002), (NOW, 0.004)))
    assert s.change_text == "▲ 0.20 pp" and s.change_good is False
    s = state(metric=ERRORS, series=series_of((NOW - 3600, 0.004), (NOW, 0.002)))
    assert s.change_text == "▼ 0.20 pp" and s.change_good is True


def test_no_good_direction_is_neutral() -> None:
    s = state(metric=LATENCY, series=series_of((NOW - 3600, 100.0), (NOW, 150.0)))
    assert s.change_text == "▲ 50.0%" and s.change_good is None


def test_no_change_text_when_history_does_not_reach_back() -> None:
    s = state(series=series_of((NOW - 1800, 100.0), (NOW, 150.0)))
    assert s.change_text == "" and s.change_good is None


def test_day_and_week_comparisons() -> None:
    day = series_of((NOW - 86_400, 200.0), (NOW - 3600, 100.0), (NOW, 150.0))
    assert state(series=day, compare="day").change_text == "▼ 25.0%"
    assert state(series=day, compare="week").change_text == ""
    week = series_of((NOW - 7 * 86_400, 50.0), (NOW, 150.0))
    assert state(series=week, compare="week").change_text == "▲ 200.0%"


def test_change_is_measured_from_the_last_point_not_now() -> None:
    # the last point is 10 min old; the compared point is an hour before it, not before now
    s = state(series=series_of((NOW - 4200, 100.0), (NOW - 600, 110.0)), stale_after=3600)
    assert s.change_text == "▲ 10.0%"


def test_a_gap_before_the_compared_moment_is_not_history() -> None:
    s = series_of((NOW - 10 * 86_400, 1.0), (NOW, 2.0))
    assert math.isnan(reference_value(s, NOW, 7 * 86_400))
    assert reference_value(s, NOW, 10 * 86_400) == 1.0


def test_zero_base_and_no_change() -> None:
    assert change_text(5.0, 0.0, Unit.COUNT, "up") == ("", None)
    assert change_text(5.0, 5.0, Unit.COUNT, "up") == ("→ 0.0%", None)
    assert change_text(math.nan, 5.0, Unit.COUNT, "up") == ("", None)


# --- alarms ------------------------------------------------------------------------------------


def alarm(
    key: str = "r1", metric: str = "biz.orders", severity: str = "critical",
    st: AlarmState = AlarmState.UNACKED, raised_at: float = NOW - 180, value: float = 0.41,
    summary: str = "",
) -> Alarm:
    return Alarm(
        key=key, rule=key, metric=metric, severity=severity, state=st,
        active=st in (AlarmState.UNACKED, AlarmState.ACKED), raised_at=raised_at, value=value,
        summary=summary,
    )


def test_unacked_alarm_look_and_badge() -> None:
    s = state(series=series_of((NOW, 1.0)), alarms=(alarm(),))
    assert (s.alarm, s.severity, s.alarm_text) == ("unacked", "critical", "⚠ CRITICAL")


def test_acked_alarm_is_steady_and_labelled() -> None:
    s = state(series=series_of((NOW, 1.0)), alarms=(alarm(st=AlarmState.ACKED),))
    assert (s.alarm, s.alarm_text) == ("acked", "✓ ACK · CRITICAL")


def test_alarms_on_other_metrics_normal_and_shelved_do_not_show() -> None:
    alarms = (
        alarm(metric="other"), alarm(key="n", st=AlarmState.NORMAL),
        alarm(key="s", st=AlarmState.SHELVED),
    )
    s = state(series=series_of((NOW, 1.0)), alarms=alarms)
    assert (s.alarm, s.severity, s.alarm_text) == ("none", "", "")


def test_unacked_beats_acked_then_severity() -> None:
    alarms = [
        alarm(key="a", severity="critical", st=AlarmState.ACKED),
        alarm(key="b", severity="warning", st=AlarmState.UNACKED),
        alarm(key="c", severity="info", st=AlarmState.RTN_UNACKED),
    ]
    assert alarm_look(alarms, ["biz.orders"]) == ("unacked", "warning")


def test_attention_order_severity_then_oldest_first() -> None:
    alarms = [
        alarm(key="w-old", severity="warning", raised_at=NOW - 900),
        alarm(key="c-new", severity="critical", raised_at=NOW - 60),
        alarm(key="c-old", severity="critical", raised_at=NOW - 600),
        alarm(key="acked", severity="critical", st=AlarmState.ACKED),
        alarm(key="rtn", severity="info", st=AlarmState.RTN_UNACKED),
    ]
    assert [a.key for a in attention_order(alarms)] == ["c-old", "c-new", "w-old", "rtn"]


def test_alarm_line_formats_value_with_unit_and_wait() -> None:
    metrics = {ERRORS.id: ERRORS}
    line = alarm_line(alarm(metric=ERRORS.id, value=0.0041,
                            summary="Checkout errors above 2 %"), metrics, NOW)
    assert line == "CRITICAL Checkout errors — above 2 %: 0.41% · 3m"
    unknown = alarm_line(alarm(metric="x.y", value=7.0), metrics, NOW)
    assert unknown == "CRITICAL x.y — r1: 7 · 3m"  # no label, no summary: the id and the rule
    rtn = alarm_line(alarm(metric=ERRORS.id, st=AlarmState.RTN_UNACKED), metrics, NOW)
    assert rtn.endswith("(returned to normal)")


def test_two_rules_on_one_metric_give_two_lines() -> None:
    metrics = {ERRORS.id: ERRORS}
    level = alarm(key="checkout-errors", metric=ERRORS.id, value=0.071,
                  summary="Checkout errors above 5% for 2 min")
    weekly = alarm(key="checkout-errors-wow", metric=ERRORS.id, value=0.071, severity="warning",
                   summary="Checkout errors 3× last week")
    lines = [alarm_line(a, metrics, NOW) for a in (level, weekly)]
    assert lines == [
        "CRITICAL Checkout errors — above 5% for 2 min: 7.10% · 3m",
        "WARNING Checkout errors — 3× last week: 7.10% · 3m",
    ]
    # the same severity and summaries that do not name the metric still differ
    down = alarm(key="a", metric=ERRORS.id, summary="Checkout is down")
    stale = alarm(key="b", metric=ERRORS.id, summary="Prometheus stopped answering")
    assert alarm_line(down, metrics, None) != alarm_line(stale, metrics, None)
    assert "Prometheus stopped answering" in alarm_line(stale, metrics, None)


def test_rule_phrase_leaves_out_what_the_label_says() -> None:
    def phrase(summary: str, label: str = "Checkout 5xx rate", metric: str = "m") -> str:
        return rule_phrase(Alarm(key="k", rule="the-rule", metric=metric, severity="warning",
                                 summary=summary), label)

    assert phrase("Checkout 5xx rate above 5%") == "above 5%"
    assert phrase("checkout 5xx rate: above 5%") == "above 5%"  # case and punctuation aside
    assert phrase("Checkout burns its 99.5% budget") == "burns its 99.5% budget"
    assert phrase("More refunds than usual") == "More refunds than usual"
    # generated summaries name the metric by its id
    assert phrase("health.x above 0.05 x last week", "Errors", "health.x") == (
        "above 0.05 x last week"
    )
    assert phrase("Checkout 5xx rate") == "the-rule"  # nothing left: the rule's id
    assert phrase("") == "the-rule"


def test_alarm_line_leaves_out_a_value_that_is_no_number() -> None:
    silent = alarm(metric=ERRORS.id, value=math.nan, summary="no data for 5m")
    assert alarm_line(silent, {ERRORS.id: ERRORS}, NOW) == (
        "CRITICAL Checkout errors — no data for 5m · 3m"
    )


def test_value_with_unit() -> None:
    assert value_with_unit("0.41", "%") == "0.41%"
    assert value_with_unit("350", "ms") == "350 ms"
    assert value_with_unit("12", "") == "12"


# --- merged chart header -------------------------------------------------------------------------


def test_merge_states_worst_status_oldest_age_loudest_alarm() -> None:
    ok = TileState(title="a", status="ok", age_text="5s ago", age_seconds=5.0)
    stale = TileState(
        title="b", status="stale", reason="stale: no data for 3m", age_text="3m ago",
        age_seconds=180.0, alarm="acked", severity="warning", alarm_text="✓ ACK · WARNING",
    )
    nodata = TileState(title="c")
    merged = merge_states("Chart", [ok, stale, nodata])
    assert (merged.title, merged.status, merged.reason) == ("Chart", "stale", stale.reason)
    assert merged.age_text == "3m ago"
    assert (merged.alarm, merged.alarm_text) == ("acked", "✓ ACK · WARNING")
    assert merge_states("C", [ok, nodata]).status == "ok"
    assert merge_states("C", [nodata, nodata]).status == "nodata"
    assert merge_states("C", []).age_text == "no data"


def test_equal_inputs_give_equal_states() -> None:
    s = series_of((NOW - 3600, 1.0), (NOW, 2.0))
    assert state(series=s) == state(series=s)
    assert state(series=None) == state(series=None)


def test_alarm_line_without_the_wait() -> None:
    line = alarm_line(alarm(metric=ERRORS.id, value=0.0041), {ERRORS.id: ERRORS}, None)
    assert line == "CRITICAL Checkout errors — r1: 0.41%"


def test_compare_caption() -> None:
    assert compare_caption(panel(window=1800.0)) == "vs 30m ago"
    assert compare_caption(panel(compare="day")) == "vs yesterday"
    assert compare_caption(panel(compare="week")) == "vs last week"


def test_chart_scale_shows_ratios_as_percent() -> None:
    assert chart_scale(Unit.RATIO) == (100.0, "%")
    assert chart_scale(Unit.MILLISECONDS) == (1.0, " ms")
    assert chart_scale(Unit.COUNT) == (1.0, "")
