"""The hub: samples into bounded series, health, alarms from rules, intents journaled first."""

from collections.abc import Sequence

import pytest

from noc_board.config.schema import (
    BoardConfig,
    Config,
    MetricConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.alarms import Alarm, AlarmError, AlarmEvent, AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.hub import Hub


class Recording:
    """Records what the hub publishes and persists, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, object]] = []

    def metrics_updated(self, metric_ids: frozenset[str]) -> None:
        self.log.append(("metrics", metric_ids))

    def health_changed(self, health: SourceHealth) -> None:
        self.log.append(("health", health.state))

    def alarms_changed(self, alarms: tuple[Alarm, ...], events: tuple[AlarmEvent, ...]) -> None:
        self.log.append(("alarms", tuple(e.event for e in events)))

    def record_alarm_events(self, events: Sequence[AlarmEvent], alarms: Sequence[Alarm]) -> None:
        self.log.append(("journal", tuple(e.event for e in events)))

    def record_health(self, before: SourceHealth, after: SourceHealth) -> None:
        self.log.append(("journal-health", (before.state, after.state)))

    def record_samples(self, samples: Sequence[Sample]) -> None:
        self.log.append(("rollup", len(samples)))


def make_hub() -> tuple[Hub, ManualClock, Recording]:
    config = Config(
        board=BoardConfig(history_points=5),
        sources=[SourceConfig(name="prom", kind="prometheus", url="http://x", interval=10)],
        metrics=[MetricConfig(id="err", source="prom", query="q")],
        rules=[
            RuleConfig(
                id="errs", metric="err", op="above", level=0.05, clear=0.02, severity="critical"
            )
        ],
    )
    clock = ManualClock(1000.0)
    rec = Recording()
    hub = Hub(config, clock, rec)
    hub.subscribe(rec)
    return hub, clock, rec


def result(ts: float, value: float) -> PollResult:
    return PollResult(source="prom", polled_at=ts, samples=[Sample("err", ts, value)])


def test_series_stay_bounded() -> None:
    hub, _, _ = make_hub()
    for i in range(20):
        hub.ingest(result(1000.0 + i, 0.0))
    series = hub.series("err")
    assert series is not None and len(series) == 5


def test_breach_raises_journals_before_publishing_and_ack_works() -> None:
    hub, clock, rec = make_hub()
    hub.ingest(result(1000.0, 0.5))
    assert rec.log.index(("journal", ("raised",))) < rec.log.index(("alarms", ("raised",)))
    (alarm,) = hub.alarms()
    assert alarm.state is AlarmState.UNACKED and alarm.value == 0.5
    clock.advance(30)
    hub.acknowledge("errs", "alice", "restarting pods")
    (alarm,) = hub.alarms()
    assert alarm.state is AlarmState.ACKED and alarm.acked_by == "alice"
    assert alarm.acked_at == 1030.0
    with pytest.raises(AlarmError):
        hub.acknowledge("errs", "bob")


def test_health_goes_degraded_then_down_and_is_journaled_on_change() -> None:
    hub, _, rec = make_hub()
    hub.ingest(result(1000.0, 0.0))
    hub.source_failed("prom", "HTTP 503", 1010.0)
    assert hub.health("prom").state is HealthState.DEGRADED
    hub.source_failed("prom", "HTTP 503", 1020.0)
    health = hub.health("prom")
    assert health.state is HealthState.DOWN and health.last_error == "HTTP 503"
    assert health.last_success == 1000.0
    changes = [entry for kind, entry in rec.log if kind == "journal-health"]
    assert changes == [
        (HealthState.UNKNOWN, HealthState.OK),
        (HealthState.OK, HealthState.DEGRADED),
        (HealthState.DEGRADED, HealthState.DOWN),
    ]


def test_backfill_fills_history_without_raising_alarms() -> None:
    hub, _, rec = make_hub()
    hub.backfill(PollResult("prom", 1000.0, [Sample("err", 900.0 + i, 0.9) for i in range(3)]))
    assert len(hub.series("err") or []) == 3
    assert all(a.state is AlarmState.NORMAL for a in hub.alarms())
    assert not any(kind == "journal" for kind, _ in rec.log)


def test_stale_allowance_adds_the_sources_usual_lag() -> None:
    config = Config(
        sources=[
            SourceConfig(name="prom", kind="prometheus", url="http://x", interval=10),
            SourceConfig(name="pp", kind="paypal", url="http://y", interval=60, lag=1800),
        ],
    )
    hub = Hub(config, ManualClock(0.0))
    assert hub.stale_after("prom") == 30
    assert hub.stale_after("pp") == 180 + 1800
