"""Alertmanager alerts as alarms, without a server: the mapping (severity, route, summary, which
alerts show), the external alarm book's transitions, and the configuration's checks."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from noc_board.config.loader import ConfigError, load_config
from noc_board.config.schema import SourceConfig
from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.external_book import ExternalAlarmBook
from noc_board.engine.am_alerts import external_alarms
from noc_board.sources.alertmanager import Snapshot, is_board_alert, severity_of
from noc_board.sources.alertmanager_wire import RemoteAlert

NOW = 1_767_225_600.0
CFG = SourceConfig(name="am", kind="alertmanager", url="http://am", alerts_as_alarms=True,
                   route_label="owner", severity_label="level")


def alert(fp: str, labels: dict[str, str], annotations: dict[str, str] | None = None,
          state: str = "active", **status: tuple[str, ...]) -> RemoteAlert:
    return RemoteAlert(fp, labels, annotations or {}, state, NOW - 120, NOW + 300, NOW - 60,
                       silenced_by=status.get("silenced_by", ()),
                       inhibited_by=status.get("inhibited_by", ()),
                       muted_by=status.get("muted_by", ()))


def shown(*alerts: RemoteAlert) -> dict[str, Alarm]:
    pairs = external_alarms(Snapshot(NOW, alerts, ()), CFG, routes=["tech", "payments"])
    return {a.key: a for a, _ in pairs}


@pytest.mark.parametrize(("value", "severity"), [
    ("critical", "critical"), ("page", "critical"), ("PAGE ", "critical"),
    ("warning", "warning"), ("error", "info"), ("", "info"), (None, "info")])
def test_severity_from_the_configured_label(value: str | None, severity: str) -> None:
    labels = {"alertname": "x"} if value is None else {"alertname": "x", "level": value}
    assert severity_of(labels, "level") == severity
    [alarm] = shown(alert("f1", labels)).values()
    assert alarm.severity == severity


def test_route_only_when_a_configured_route_has_that_name() -> None:
    alarms = shown(alert("f1", {"alertname": "a", "owner": "payments"}),
                   alert("f2", {"alertname": "b", "owner": "growth"}),
                   alert("f3", {"alertname": "c", "team": "tech"}))
    assert {k: a.route for k, a in alarms.items()} == {"am:f1": "payments", "am:f2": "",
                                                       "am:f3": ""}


def test_summary_is_the_summary_else_the_description_else_the_labels() -> None:
    alarms = shown(
        alert("f1", {"alertname": "A"}, {"summary": "Disk full", "description": "long"}),
        alert("f2", {"alertname": "B"}, {"description": "Queue backing up"}),
        alert("f3", {"alertname": "C", "queue": "mail", "env": "prod"}),
        alert("f4", {"job": "x"}),
    )
    assert [a.summary for a in alarms.values()] == [
        "Disk full", "Queue backing up", "C (env=prod, queue=mail)", "job=x"]
    assert [a.rule for a in alarms.values()] == ["A", "B", "C", ""]


def test_inhibited_alerts_and_the_boards_own_do_not_show() -> None:
    own = alert("f2", {"alertname": "checkout-errors", "alarm": "checkout-errors"},
                {"board": "wall-1", "summary": "x"})
    alarms = shown(
        alert("f1", {"alertname": "Firing"}),
        own,
        alert("f3", {"alertname": "Inhibited"}, state="suppressed", inhibited_by=("f1",)),
        alert("f4", {"alertname": "Silenced"}, state="suppressed", silenced_by=("s1",)),
        alert("f5", {"alertname": "New"}, state="unprocessed"),
        alert("f6", {"alertname": "OtherTool", "alarm": "its own label"}),
    )
    assert is_board_alert(own)
    assert sorted(a.rule for a in alarms.values()) == ["Firing", "New", "OtherTool", "Silenced"]


def fresh(key: str, severity: str = "warning", summary: str = "s") -> Alarm:
    return Alarm(key=key, rule="R", metric="", severity=severity, active=True,
                 raised_at=NOW - 120, summary=summary)


def test_the_book_raises_follows_clears_and_forgets() -> None:
    book = ExternalAlarmBook()
    [raised] = book.observe("am", [fresh("am:1")], NOW)
    assert (raised.event, raised.ts, raised.state_to) == ("raised", NOW - 120, AlarmState.UNACKED)
    assert book.alarm("am:1").raised_at == NOW - 120
    assert book.observe("am", [fresh("am:1", summary="new words")], NOW + 5) == []
    assert book.alarm("am:1").summary == "new words"
    book.acknowledge("am:1", NOW + 6, "alice")
    [worse] = book.observe("am", [fresh("am:1", "critical")], NOW + 10)
    assert (worse.event, worse.state_to) == ("severity_changed", AlarmState.UNACKED)
    assert book.observe("other", [], NOW + 15) == []  # not its alarm
    [cleared] = book.observe("am", [], NOW + 20)
    assert (cleared.event, cleared.state_to) == ("cleared", AlarmState.RTN_UNACKED)
    book.acknowledge("am:1", NOW + 25, "bob")
    assert book.alarm("am:1").state is AlarmState.NORMAL
    assert book.observe("am", [], NOW + 30) == [] and "am:1" not in book


def test_a_restored_alarm_is_claimed_by_the_first_source_and_cleared_if_gone() -> None:
    book = ExternalAlarmBook()
    book.restore(Alarm("am:old", "R", "", "info", AlarmState.UNACKED, True, math.nan, NOW))
    book.restore(Alarm("am:done", "R", "", "info"))  # normal: nothing to put back
    assert [a.key for a in book.alarms()] == ["am:old"]
    [cleared] = book.observe("am", [], NOW)
    assert cleared.key == "am:old" and cleared.event == "cleared"


def test_describe_changes_words_not_state() -> None:
    book = ExternalAlarmBook()
    book.observe("am", [fresh("am:1")], NOW)
    assert book.describe("am:1", "s (unreachable)", "why")
    assert not book.describe("am:1", "s (unreachable)", "why")
    assert book.alarm("am:1").state is AlarmState.UNACKED


def test_check_config_names_bad_alert_options(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    path.write_text(
        '[[sources]]\nname = "prom"\nkind = "prometheus"\nurl = "http://p"\n'
        'alerts_as_alarms = true\n'
        '[[sources]]\nname = "am"\nkind = "alertmanager"\nurl = "http://a"\n'
        'alerts_as_alarms = true\nroute_label = "team-name"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "sources[0].alerts_as_alarms: only an alertmanager source" in text
    assert "sources[1].route_label: 'team-name' is not a label name" in text
