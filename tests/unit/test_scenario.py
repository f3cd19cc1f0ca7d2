"""Scenario files: parsing, defaults, errors that name the file and key, repeating incidents."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from noc_board.core.scenario import (
    INCIDENT_KINDS,
    ROUTES,
    Baseline,
    Incident,
    Scenario,
    parse_scenario,
)

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp()

DESIGN_EXAMPLE = """
start = "2026-01-05T00:00:00Z"
duration = "7d"
step = "1m"
seed = 7

[baseline]
active_users = 1500
orders_per_hour = 240
conversion_rate = 0.028
average_order_value = 42.0
currency = "USD"
refund_rate = 0.04
decline_rate = 0.06
p95_latency_ms = 350
error_rate = 0.002
daily_amplitude = 0.6
weekly_amplitude = 0.15
noise = 0.05

[[incidents]]
kind = "outage"
start = "2026-01-07T14:00:00Z"
duration = "20m"
magnitude = 1.0
target = "checkout"
"""


def test_the_design_example_parses() -> None:
    s = parse_scenario(DESIGN_EXAMPLE, "example.toml")
    assert s.start == T0
    assert s.duration == 7 * 86400
    assert s.end == T0 + 7 * 86400
    assert s.step == 60
    assert s.seed == 7
    assert s.baseline == Baseline()
    assert s.incidents == (
        Incident("outage", T0 + 2 * 86400 + 14 * 3600, 1200.0, 1.0, "checkout", None),
    )


def test_every_baseline_key_has_a_default() -> None:
    s = parse_scenario('start = 2026-01-05T00:00:00Z\nduration = "1d"\n', "tiny.toml")
    assert s.start == T0  # a native TOML datetime works as well as a string
    assert s.baseline == Baseline()
    assert (s.step, s.seed, s.incidents) == (60.0, 0, ())


def test_a_baseline_may_give_only_what_it_changes() -> None:
    s = parse_scenario(
        'start = 1767571200\nduration = 3600\n[baseline]\norders_per_hour = 10\ncurrency = "eur"\n',
        "x.toml")
    assert s.start == T0 and s.duration == 3600
    assert s.baseline.orders_per_hour == 10.0
    assert s.baseline.currency == "EUR"
    assert s.baseline.active_users == Baseline().active_users


def test_magnitude_defaults_by_kind() -> None:
    text = 'start = "2026-01-05T00:00:00Z"\nduration = "1d"\n' + "".join(
        f'[[incidents]]\nkind = "{k}"\nstart = "2026-01-05T01:00:00Z"\nduration = "5m"\n'
        + ('target = "ga4"\n' if k == "source_down" else "")
        for k in INCIDENT_KINDS)
    s = parse_scenario(text, "x.toml")
    by_kind = {i.kind: i for i in s.incidents}
    assert by_kind["outage"].magnitude == 1.0
    assert by_kind["latency"].magnitude > 1.0
    assert 0 < by_kind["errors"].magnitude < 1
    assert by_kind["source_down"].target == "ga4"
    assert by_kind["outage"].target is None  # no target: every service


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('duration = "1d"\n', "bad.toml: start: missing"),
        ('start = "2026-01-05T00:00:00Z"\n', "bad.toml: duration: missing"),
        ('start = "2026-01-05T00:00:00Z"\nduration = "1d"\nfoo = 1\n',
         "bad.toml: foo: unknown key"),
        ('start = "yesterday"\nduration = "1d"\n', "bad.toml: start: 'yesterday' is not a time"),
        ('start = "2026-01-05T00:00:00"\nduration = "1d"\n', "bad.toml: start: give a time zone"),
        ('start = 2026-01-05\nduration = "1d"\n', "bad.toml: start: give a date and a time"),
        ('start = 0\nduration = "1 day"\n', "bad.toml: duration: '1 day' is not a duration"),
        ('start = 0\nduration = "1d"\nstep = "0s"\n', "bad.toml: step: must be more than 0"),
        ('start = 0\nduration = "1d"\nseed = -1\n', "bad.toml: seed: must be a whole number"),
        ('start = 0\nduration = "1d"\n[baseline]\nconversion_rate = 2.8\n',
         "bad.toml: baseline.conversion_rate: must be in 0..1"),
        ('start = 0\nduration = "1d"\n[baseline]\nactive_users = "many"\n',
         "bad.toml: baseline.active_users: must be a number"),
        ('start = 0\nduration = "1d"\n[baseline]\nusers = 3\n',
         "bad.toml: baseline.users: unknown key"),
        ('start = 0\nduration = "1d"\n[baseline]\ncurrency = "dollars"\n',
         "bad.toml: baseline.currency: must be a three-letter ISO currency code"),
        ('start = 0\nduration = "1d"\nincidents = 3\n', "bad.toml: incidents: must be a list"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "outage"\nstart = 0\n',
         "bad.toml: incidents[0].duration: missing"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "outage"\nstart = 0\nduration = "1m"\n'
         '[[incidents]]\nkind = "meteor"\nstart = 0\nduration = "1m"\n',
         "bad.toml: incidents[1].kind: 'meteor' is not one of outage, latency"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "errors"\nstart = 0\n'
         'duration = "1m"\nmagnitude = 5\n',
         "bad.toml: incidents[0].magnitude: must be in 0..1 for errors"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "latency"\nstart = 0\n'
         'duration = "1m"\nmagnitude = 0\n',
         "bad.toml: incidents[0].magnitude: must be more than 0"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "outage"\nstart = 0\n'
         'duration = "1m"\ntarget = "kitchen"\n',
         "bad.toml: incidents[0].target: 'kitchen' is not one of checkout"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "source_down"\nstart = 0\n'
         'duration = "1m"\n', "bad.toml: incidents[0].target: source_down needs a source"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "traffic_drop"\nstart = 0\n'
         'duration = "1m"\ntarget = "web"\n', "bad.toml: incidents[0].target: traffic_drop has no"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "outage"\nstart = 0\n'
         'duration = "5m"\nevery = "5m"\n',
         "bad.toml: incidents[0].every: must be longer than the duration"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "outage"\nstart = 0\n'
         'duration = "5m"\nwhen = 3\n', "bad.toml: incidents[0].when: unknown key"),
        ('start = 0\nduration = = "1d"\n', "bad.toml: not valid TOML"),
        ('start = 0\nduration = "1d"\n[baseline]\ngrowth = 10\n',
         "bad.toml: baseline.growth: must be in -1..1 (a fraction per week"),
        ('start = 0\nduration = "1d"\n[baseline]\ngrowth = -2\n',
         "bad.toml: baseline.growth: must be in -1..1"),
        ('start = 0\nduration = "1d"\n[baseline]\ngrowth = "10%"\n',
         "bad.toml: baseline.growth: must be a number"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "latency"\nstart = 0\n'
         'duration = "1m"\ntarget = "/nowhere"\n',
         "bad.toml: incidents[0].target: '/nowhere' is not one of the routes /, /search"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "outage"\nstart = 0\n'
         'duration = "1m"\ntarget = "/checkout"\n',
         "bad.toml: incidents[0].target: only a latency incident may target a route"),
        ('start = 0\nduration = "1d"\n[[incidents]]\nkind = "refund_spike"\nstart = 0\n'
         'duration = "1m"\ntarget = "/checkout"\n',
         "bad.toml: incidents[0].target: refund_spike has no target"),
    ],
)
def test_errors_name_the_file_and_the_key(text: str, expected: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_scenario(text, "bad.toml")
    assert str(info.value).startswith(expected), str(info.value)


def test_a_one_off_incident_covers_its_window_only() -> None:
    inc = Incident("outage", 1000.0, 60.0, 1.0)
    assert not inc.active_at(999.9)
    assert inc.active_at(1000.0) and inc.active_at(1059.9)
    assert not inc.active_at(1060.0)
    assert inc.occurrence_at(1030.0) == (1000.0, 1060.0)
    assert list(inc.occurrences(0, 5000)) == [(1000.0, 1060.0)]
    assert list(inc.occurrences(1060, 5000)) == []


def test_a_repeating_incident_recurs_every_period_from_its_start() -> None:
    inc = parse_scenario(
        'start = 0\nduration = "1d"\n[[incidents]]\nkind = "errors"\nstart = 600\n'
        'duration = "90s"\nevery = "5m"\ntarget = "checkout"\n', "r.toml").incidents[0]
    assert inc.every == 300.0
    assert not inc.active_at(599)
    for k in range(5):
        begin = 600 + k * 300
        assert inc.active_at(begin) and inc.active_at(begin + 89)
        assert not inc.active_at(begin + 90) and not inc.active_at(begin + 299)
    assert inc.occurrence_at(600 + 3 * 300 + 10) == (1500.0, 1590.0)
    assert list(inc.occurrences(1000, 1700)) == [(1200.0, 1290.0), (1500.0, 1590.0)]
    # an occurrence that began before the range still overlaps it
    assert list(inc.occurrences(1250, 1300)) == [(1200.0, 1290.0)]


def test_incident_windows_are_labelled_and_in_time_order() -> None:
    s = Scenario(start=0, duration=3600, incidents=(
        Incident("latency", 2000.0, 100.0, 3.0, "web"),
        Incident("errors", 500.0, 60.0, 0.3, "checkout", every=1200.0),
    ))
    windows = s.incident_windows()
    assert [(w.start, w.kind, w.index) for w in windows] == [
        (500.0, "errors", 1), (1700.0, "errors", 1), (2000.0, "latency", 0),
        (2900.0, "errors", 1)]
    assert windows[2].end == 2100.0 and windows[2].target == "web" and windows[2].magnitude == 3.0
    assert [w.start for w in s.incident_windows(1000, 2050)] == [1700.0, 2000.0]
    assert s.active_incidents(2010.0) == (s.incidents[0],)


def test_the_week_scenario_has_one_incident_of_each_kind() -> None:
    path = ROOT / "resources" / "demo" / "week.toml"
    s = parse_scenario(path.read_text(encoding="utf-8"), str(path))
    assert s.duration == 7 * 86400
    assert sorted(i.kind for i in s.incidents) == sorted(INCIDENT_KINDS)
    windows = s.incident_windows()
    assert all(s.start <= w.start and w.end <= s.end for w in windows)
    assert all(a.end <= b.start for a, b in itertools.pairwise(windows))


def test_growth_is_a_weekly_fraction_linear_from_the_start() -> None:
    s = parse_scenario('start = 0\nduration = "28d"\n[baseline]\ngrowth = 0.1\n', "g.toml")
    assert s.baseline.growth == 0.1 and Baseline().growth == 0.0
    week = 7 * 86400.0
    factors = s.baseline.growth_factor([-week, 0.0, 4 * week], s.start)
    assert factors.tolist() == pytest.approx([0.9, 1.0, 1.4])
    shrinking = parse_scenario('start = 0\nduration = "1d"\n[baseline]\ngrowth = -0.25\n',
                               "s.toml").baseline
    assert shrinking.growth_factor([2 * week, 10 * week], 0.0).tolist() == pytest.approx(
        [0.5, 0.1])  # floored: traffic never vanishes


def test_a_latency_incident_may_target_a_route() -> None:
    text = 'start = 0\nduration = "1d"\n' + "".join(
        f'[[incidents]]\nkind = "latency"\nstart = 60\nduration = "5m"\ntarget = "{route}"\n'
        for route in ROUTES)
    s = parse_scenario(text, "r.toml")
    assert tuple(i.target for i in s.incidents) == ROUTES
    assert "/help/shipping" in ROUTES and "/checkout" in ROUTES
