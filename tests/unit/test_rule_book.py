"""Rules from the configuration, through the alarm book and the hub: kinds, notes, health."""

import math

import pytest

from noc_board.config.loader import ConfigError, parse_config
from noc_board.config.schema import (
    BoardConfig,
    Config,
    MetricConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.alarm_book import AlarmBook
from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.rules.burn_rate import BurnRateRule
from noc_board.core.rules.no_data import NoDataRule
from noc_board.core.rules.seasonal import SeasonalRule
from noc_board.core.rules.stale import StaleSourceRule
from noc_board.core.samples import Sample
from noc_board.engine.hub import Hub

CONFIG = """
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://x"
interval = "10s"

[[metrics]]
id = "users"
source = "prom"
query = "users"

[[metrics]]
id = "errors"
source = "prom"
query = "errors"

[[metrics]]
id = "requests"
source = "prom"
query = "requests"

[[rules]]
id = "users-drop"
metric = "users"
kind = "seasonal"
direction = "drop"
deviations = 5
points = 4

[[rules]]
id = "users-fall"
metric = "users"
kind = "rate_of_change"
op = "below"
level = -0.4
window = "5m"

[[rules]]
id = "users-wow"
metric = "users"
kind = "week_over_week"
op = "below"
level = 0.6
clear = 0.8

[[rules]]
id = "users-silent"
metric = "users"
kind = "no_data"
after = "2m"

[[rules]]
id = "prom-stale"
metric = "users"
kind = "stale"

[[rules]]
id = "errors-budget"
metric = "errors"
kind = "burn_rate"
slo = 0.995
total = "requests"

[[rules.burn]]
long = "1h"
short = "5m"
factor = 14.4
severity = "critical"
"""


def test_every_kind_loads_and_builds() -> None:
    config = parse_config(CONFIG, "c.toml")
    seasonal = config.rules[0]
    assert (seasonal.kind, seasonal.direction, seasonal.deviations, seasonal.points) == (
        "seasonal", "drop", 5.0, 4)
    assert config.rules[5].burn[0].short == 300.0
    book = AlarmBook(config.rules, metric_sources={"users": "prom", "errors": "prom"},
                     stale_after=lambda source: 30.0)
    assert isinstance(book.rule("users-drop"), SeasonalRule)
    no_data = book.rule("users-silent")
    assert isinstance(no_data, NoDataRule) and no_data.after == 120.0
    stale = book.rule("prom-stale")
    assert isinstance(stale, StaleSourceRule) and stale.source == "prom" and stale.after == 30.0
    burn = book.rule("errors-budget")
    assert isinstance(burn, BurnRateRule) and burn.watches == ("errors", "requests")
    assert book.alarm("errors-budget").summary == "errors: the error budget (SLO 99.5%) burns fast"
    assert book.alarm("users-drop").summary == "users dropped for the time of week"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('kind = "week_over_week"\nop = "below"', "rules[0].level: week_over_week compares a "
                                                   "ratio"),
        ('kind = "rate_of_change"', "rules[0].level: rate_of_change needs a level"),
        ('kind = "seasonal"\nseasons = 2\nmin_seasons = 3', "rules[0].min_seasons: must be at "
                                                            "most seasons (2)"),
        ('kind = "stale"\nsource = "stripe"', "rules[0].source: unknown source 'stripe'"),
        ('kind = "burn_rate"\ntotal = "request"', "rules[0].total: unknown metric 'request'; "
                                                  "did you mean 'requests'?"),
        ('kind = "seasonal"\nflap_start = 10\nflap_stop = 10', "rules[0].flap_stop: must be "
                                                               "below flap_start (10)"),
        ('kind = "spike"', "rules[0].kind: 'spike' is not one of: threshold, seasonal"),
    ],
)
def test_each_kind_is_checked(rule: str, message: str) -> None:
    text = CONFIG.split("[[rules]]")[0] + f'[[rules]]\nid = "r"\nmetric = "users"\n{rule}\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "c.toml")
    found = [f"{i.key}: {i.message}" for i in caught.value.errors]
    assert any(f.startswith(message) for f in found), found


def test_the_rules_note_becomes_the_alarms_detail_and_the_events_comment() -> None:
    book = AlarmBook([RuleConfig(id="fall", metric="m", kind="rate_of_change", op="below",
                                 level=-0.5, window=60.0)])
    book.observe([Sample("m", 0.0, 100.0)])
    events = book.observe([Sample("m", 60.0, 10.0)])
    assert [e.event for e in events] == ["raised"]
    assert events[0].comment == "changed -90.0% in 1 min (now 10)"
    assert book.alarm("fall").detail == events[0].comment


def test_time_driven_rules_judge_at_ticks_with_source_health() -> None:
    rules = [RuleConfig(id="quiet", metric="m", kind="no_data", after=60.0),
             RuleConfig(id="stale", metric="m", kind="stale", after=60.0)]
    book = AlarmBook(rules, metric_sources={"m": "prom"})
    ok = {"prom": SourceHealth("prom", HealthState.OK, None, 0.0)}
    assert book.tick(0.0, ok) == []
    book.observe([Sample("m", 10.0, 1.0)])
    down = {"prom": SourceHealth("prom", HealthState.DOWN, "HTTP 503", 10.0)}
    events = book.tick(71.0, down)
    assert sorted((e.key, e.event) for e in events) == [("quiet", "raised"), ("stale", "raised")]
    assert all(math.isnan(e.value) for e in events)
    assert book.alarm("stale").detail.startswith("source prom is down: HTTP 503")
    book.observe([Sample("m", 80.0, 2.0)])
    events = book.tick(80.0, {"prom": SourceHealth("prom", HealthState.OK, None, 80.0)})
    assert [(e.key, e.event) for e in events] == [("stale", "cleared")]
    assert book.alarm("quiet").state is AlarmState.RTN_UNACKED  # cleared by the point


def test_the_hub_ticks_stale_rules_with_its_source_health() -> None:
    config = Config(
        board=BoardConfig(history_points=10),
        sources=[SourceConfig(name="prom", kind="prometheus", url="http://x", interval=10)],
        metrics=[MetricConfig(id="m", source="prom", query="q")],
        rules=[RuleConfig(id="stale", metric="m", kind="stale")],
    )
    clock = ManualClock(1000.0)
    hub = Hub(config, clock)
    hub.tick()
    hub.source_failed("prom", "connection refused", 1005.0)
    hub.source_failed("prom", "connection refused", 1015.0)
    clock.set(1016.0)
    hub.tick()
    (alarm,) = hub.alarms()
    assert alarm.active and alarm.state is AlarmState.UNACKED
    assert "source prom is down: connection refused" in alarm.detail


def test_burn_rate_severity_follows_the_window_pair_that_fires() -> None:
    rule = RuleConfig(id="b", metric="e", kind="burn_rate", slo=0.999)
    book = AlarmBook([rule])
    events = []
    for minute in range(8 * 60):
        ratio = 0.008 if minute < 7 * 60 else 0.5  # a slow burn, then a fast one
        events += book.observe([Sample("e", minute * 60.0, ratio)])
    kinds = [(e.event, e.severity) for e in events]
    assert kinds[0] == ("raised", "warning")
    assert ("severity_changed", "critical") in kinds
