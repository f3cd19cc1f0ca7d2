"""`noc-board replay`: the JSON line format, time order, recorded series and the command."""

import dataclasses
import json
import math
import re
from pathlib import Path

import pytest

from noc_board.cli import main
from noc_board.config.loader import parse_config
from noc_board.core.alarms import AlarmEvent, AlarmState
from noc_board.core.scenario import parse_scenario
from noc_board.engine.replay import event_line, iso_utc, replay_scenario, replay_series
from noc_board.engine.replay_csv import SeriesFileError, parse_timestamp, read_series

CONFIG = """
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"
interval = "15s"

[[sources]]
name = "stripe"
kind = "stripe"
url = "http://127.0.0.1:9"

[[metrics]]
id = "health.checkout.error_rate"
source = "prom"
query = 'marketplace_error_ratio{service="checkout"}'

[[metrics]]
id = "health.web.p95"
source = "prom"
query = 'marketplace_latency_p95_seconds{service="web"}'

[[metrics]]
id = "sales.decline_rate"
source = "stripe"
measure = "decline_rate_1h"

[[metrics]]
id = "odd"
source = "prom"
query = 'rate(http_requests_total[5m])'

[[rules]]
id = "checkout-errors"
metric = "health.checkout.error_rate"
level = 0.05
clear = 0.02
hold = "1m"
severity = "critical"

[[rules]]
id = "web-slow"
metric = "health.web.p95"
level = 0.8
clear = 0.6
severity = "warning"

[[rules]]
id = "odd-rule"
metric = "odd"
level = 1

[[rules]]
id = "stripe-stale"
metric = "sales.decline_rate"
kind = "stale"
after = "3m"
"""
SCENARIO = """
start = "2026-01-07T12:00:00Z"
duration = "3h"
step = "1m"
seed = 11

[[incidents]]
kind = "errors"
start = "2026-01-07T13:00:00Z"
duration = "20m"
magnitude = 0.4
target = "checkout"

[[incidents]]
kind = "latency"
start = "2026-01-07T13:00:00Z"
duration = "10m"
magnitude = 4.0
target = "web"

[[incidents]]
kind = "source_down"
start = "2026-01-07T14:00:00Z"
duration = "10m"
target = "stripe"
"""
LINE = re.compile(
    r'^\{"ts": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "rule": "[^"]+", "metric": "[^"]+", '
    r'"event": "(raised|escalated|cleared|severity_changed)", '
    r'"severity": "(info|warning|critical)", "value": (null|-?[0-9.e+-]+)\}$'
)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("replay")
    config, scenario = folder / "config.toml", folder / "scenario.toml"
    config.write_text(CONFIG)
    scenario.write_text(SCENARIO)
    return config, scenario


def test_event_line_is_designs_format() -> None:
    event = AlarmEvent(1_767_794_580.0, "checkout-errors", "checkout-errors",
                       "health.checkout.error_rate", "raised", "critical", 0.41,
                       AlarmState.NORMAL, AlarmState.UNACKED)
    assert event_line(event) == (
        '{"ts": "2026-01-07T14:03:00Z", "rule": "checkout-errors", '
        '"metric": "health.checkout.error_rate", "event": "raised", "severity": "critical", '
        '"value": 0.41}')
    nan = dataclasses.replace(event, value=math.nan, ts=1_767_794_580.25)
    assert json.loads(event_line(nan)) == {
        "ts": "2026-01-07T14:03:00.250Z", "rule": "checkout-errors",
        "metric": "health.checkout.error_rate", "event": "raised", "severity": "critical",
        "value": None}
    assert iso_utc(0.0) == "1970-01-01T00:00:00Z"


def test_replay_command_prints_only_event_lines_in_time_order(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config, scenario = files
    assert main(["replay", "--config", str(config), "--scenario", str(scenario),
                 "--history", "2h"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    events = [json.loads(line) for line in lines]
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    summary = [(e["rule"], e["event"]) for e in events]
    assert summary == [
        ("web-slow", "raised"),  # latency x4 from 13:00: at once (no hold)
        ("checkout-errors", "raised"),  # 40% errors from 13:00, held 1 minute
        ("web-slow", "cleared"),
        ("checkout-errors", "cleared"),
        ("stripe-stale", "raised"),  # Stripe refuses from 14:00
        ("stripe-stale", "cleared"),
    ]
    by_rule = {(e["rule"], e["event"]): e for e in events}
    assert by_rule[("web-slow", "raised")]["ts"] == "2026-01-07T13:00:00Z"
    assert by_rule[("checkout-errors", "raised")]["ts"] == "2026-01-07T13:01:00Z"
    assert by_rule[("checkout-errors", "raised")]["value"] == pytest.approx(0.4)
    assert by_rule[("checkout-errors", "cleared")]["ts"] == "2026-01-07T13:20:00Z"
    assert "14:0" in by_rule[("stripe-stale", "raised")]["ts"]
    assert by_rule[("stripe-stale", "raised")]["value"] is None
    # the metric the replay cannot compute is named once on stderr, and nothing else is said
    assert captured.err.splitlines() == [
        "noc-board replay: skipped odd: the replay evaluates only simple selectors, not "
        "'rate(http_requests_total[5m])'",
        "noc-board replay: skipped rule odd-rule: no replayed series for odd",
    ]


def test_recorded_series_replay_iso_and_unix_timestamps(tmp_path: Path) -> None:
    config = parse_config(CONFIG, "c.toml")
    csv = tmp_path / "errors.csv"
    rows = ["timestamp,value"]
    for minute in range(30):
        value = 0.3 if 10 <= minute < 20 else 0.001
        stamp = (f"2026-01-07 12:{minute:02d}:00" if minute % 2
                 else str(1_767_787_200 + minute * 60))
        rows.append(f"{stamp},{value}")
    csv.write_text("\n".join(rows) + "\n")
    series = read_series("health.checkout.error_rate", csv)
    result = replay_series(config, [series])
    summary = [(e.rule, e.event, iso_utc(e.ts)) for e in result.events
               if e.event in ("raised", "cleared")]
    assert summary == [("checkout-errors", "raised", "2026-01-07T12:11:00Z"),
                       ("checkout-errors", "cleared", "2026-01-07T12:20:00Z")]
    assert any("stripe-stale" in note for note in result.skipped)


def test_series_file_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,value\n2026-01-07T12:00:00Z,1\nlater,2\n")
    with pytest.raises(SeriesFileError, match=r"bad.csv:3: 'later' is not an ISO 8601 time"):
        read_series("m", bad)
    bad.write_text("time,value\n1,2\n")
    with pytest.raises(SeriesFileError, match=r"bad.csv:1: the header must be timestamp,value"):
        read_series("m", bad)
    assert parse_timestamp("2026-01-07T12:00:00+01:00") == 1_767_783_600.0
    assert parse_timestamp("1767787200") == 1_767_787_200.0


def test_replay_command_errors_exit_2(files: tuple[Path, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    config, _ = files
    assert main(["replay", "--config", str(config)]) == 2
    assert "either --scenario" in capsys.readouterr().err
    csv = tmp_path / "x.csv"
    csv.write_text("timestamp,value\n0,1\n")
    assert main(["replay", "--config", str(config), "--series", f"nope={csv}"]) == 2
    assert "'nope' is not a metric" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text('start = "2026-01-07T12:00:00Z"\n')
    assert main(["replay", "--config", str(config), "--scenario", str(broken)]) == 2
    err = capsys.readouterr()
    assert "duration: missing" in err.err and err.out == ""


def test_history_lets_a_seasonal_rule_use_past_weeks() -> None:
    text = CONFIG + """
[[rules]]
id = "p95-seasonal"
metric = "health.web.p95"
kind = "seasonal"
"""
    config = parse_config(text, "c.toml")
    config = dataclasses.replace(config, rules=[r for r in config.rules
                                                if r.id == "p95-seasonal"])
    scenario = parse_scenario(SCENARIO, "s.toml")
    with_history = replay_scenario(config, scenario, history=14 * 86400.0)
    raised = [e for e in with_history.events if e.event == "raised"]
    assert raised and "median of the past 2 weeks" in raised[0].comment
    assert 0 <= raised[0].ts - scenario.incidents[1].start <= 300
