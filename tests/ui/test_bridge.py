"""The engine bridge: the hub's changes as signals (never None), intents back, clean close."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from noc_board.core.alarms import AlarmEvent, AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.engine.hub import Hub
from noc_board.ui.bridge import EngineBridge

from .conftest import ERRORS, LATENCY, ingest


class Recorder:
    """Collects every emission of a bridge's signals."""

    def __init__(self, bridge: EngineBridge) -> None:
        self.calls: list[tuple[str, Any]] = []
        for name in ("metrics_updated", "health_changed", "alarms_changed", "alarm_events",
                     "intent_failed"):
            getattr(bridge, name).connect(lambda value, n=name: self.calls.append((n, value)))

    def of(self, name: str) -> list[Any]:
        return [value for n, value in self.calls if n == name]


def test_published_changes_become_signals(
    bridge: EngineBridge, hub: Hub, clock: ManualClock
) -> None:
    rec = Recorder(bridge)
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05, LATENCY: 300.0})
    assert rec.of("metrics_updated") == [frozenset({ERRORS, LATENCY})]
    health = rec.of("health_changed")
    assert len(health) == 1 and isinstance(health[0], SourceHealth)
    assert health[0].state is HealthState.OK
    (alarms,) = rec.of("alarms_changed")
    assert isinstance(alarms, tuple) and alarms[0].state is AlarmState.UNACKED
    (events,) = rec.of("alarm_events")
    assert isinstance(events, tuple) and isinstance(events[0], AlarmEvent)
    assert events[0].event == "raised"
    assert all(value is not None for _, value in rec.calls)


def test_acknowledge_forwards_to_the_hub(
    bridge: EngineBridge, hub: Hub, clock: ManualClock
) -> None:
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05})
    rec = Recorder(bridge)
    assert bridge.acknowledge("checkout-errors", "alice", "looking")
    (alarm,) = hub.alarms()
    assert alarm.state is AlarmState.ACKED
    assert (alarm.acked_by, alarm.ack_comment) == ("alice", "looking")
    (events,) = rec.of("alarm_events")
    assert events[0].event == "acknowledged" and events[0].actor == "alice"
    assert rec.of("intent_failed") == []


def test_a_refused_intent_emits_intent_failed(bridge: EngineBridge, hub: Hub) -> None:
    rec = Recorder(bridge)
    assert not bridge.acknowledge("checkout-errors", "alice")  # normal: nothing to acknowledge
    assert not bridge.acknowledge("no-such-rule", "alice")
    assert not bridge.acknowledge("checkout-errors", "  ")  # no operator
    failures = rec.of("intent_failed")
    assert len(failures) == 3 and all(isinstance(f, str) and f for f in failures)
    assert "nothing to acknowledge" in failures[0]
    assert "no-such-rule" in failures[1]


def test_shelve_forwards_and_reports_refusals(
    bridge: EngineBridge, hub: Hub, clock: ManualClock
) -> None:
    rec = Recorder(bridge)
    assert bridge.shelve("checkout-errors", "alice", clock.now() + 3600, "maintenance")
    assert hub.alarms()[0].state is AlarmState.SHELVED
    assert not bridge.shelve("checkout-errors", "alice", clock.now() + 3600)
    assert len(rec.of("intent_failed")) == 1


def test_close_unsubscribes_from_the_hub(
    qtbot: QtBot, hub: Hub, clock: ManualClock
) -> None:
    bridge = EngineBridge(hub)
    rec = Recorder(bridge)
    assert bridge.connected
    bridge.close()
    bridge.close()  # idempotent
    assert not bridge.connected
    ingest(hub, "prom", clock.now(), **{ERRORS: 0.05})
    assert rec.calls == []
