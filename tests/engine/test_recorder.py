"""Alarm transitions and acknowledgements survive a restart through the real SQLite journal."""

from pathlib import Path

from noc_board.config.schema import Config, MetricConfig, RuleConfig, SourceConfig
from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.hub import Hub
from noc_board.engine.recorder import StoreRecorder
from noc_board.store import open_store
from noc_board.store.journal import ACK, ALARM, SOURCE_HEALTH

CONFIG = Config(
    sources=[SourceConfig(name="prom", kind="prometheus", url="http://x")],
    metrics=[MetricConfig(id="err", source="prom", query="q")],
    rules=[RuleConfig(id="errs", metric="err", level=0.05, clear=0.02, severity="critical")],
)


def boot(path: Path, clock: ManualClock) -> tuple[Hub, StoreRecorder]:
    store = open_store(path)
    recorder = StoreRecorder(store)
    hub = Hub(CONFIG, clock, recorder)
    hub.restore_alarms(recorder.restore_alarms(hub.alarms()))
    return hub, recorder


def test_acknowledgement_is_journaled_and_restored(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    clock = ManualClock(1000.0)
    hub, recorder = boot(db, clock)
    hub.ingest(PollResult("prom", 1000.0, [Sample("err", 1000.0, 0.3)]))
    clock.advance(45)
    hub.acknowledge("errs", "alice", "rolling back", until=5000.0)
    hub.source_failed("prom", "HTTP 503", 1050.0)
    recorder._store.close()

    store = open_store(db)
    kinds = [e.kind for e in store.journal.entries()]
    assert kinds.count(ALARM) == 1 and kinds.count(ACK) == 1 and SOURCE_HEALTH in kinds
    ack = store.journal.entries(kinds=[ACK])[0]
    assert ack.actor == "alice" and ack.data["comment"] == "rolling back"
    assert ack.ts == 1045.0 and ack.data["until"] == 5000.0
    store.close()

    hub2, _ = boot(db, clock)
    (alarm,) = hub2.alarms()
    assert alarm.state is AlarmState.ACKED and alarm.active
    assert alarm.acked_by == "alice" and alarm.ack_until == 5000.0
    # still firing after the restart: no second "raised", the ack holds
    hub2.ingest(PollResult("prom", 1100.0, [Sample("err", 1100.0, 0.3)]))
    assert hub2.alarms()[0].state is AlarmState.ACKED
    hub2.ingest(PollResult("prom", 1200.0, [Sample("err", 1200.0, 0.01)]))
    assert hub2.alarms()[0].state is AlarmState.NORMAL


def test_samples_land_in_rollups(tmp_path: Path) -> None:
    hub, recorder = boot(tmp_path / "j.sqlite3", ManualClock(0.0))
    for i in range(3):
        hub.ingest(PollResult("prom", 60.0 + i, [Sample("err", 60.0 + i, float(i))]))
    (row,) = recorder._store.rollups.minutes("err", 0, 3600)
    assert row.count == 3 and row.max == 2.0 and row.mean == 1.0
