"""Alerts of other tools, read from the real Alertmanager from Debian, as board alarms: raised,
acknowledged through a silence, acknowledged by a silence made elsewhere, resolved, journaled,
put back after a restart, kept and marked while Alertmanager is down; the board's own alerts
are not doubled."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from noc_board.config.schema import (
    AlertmanagerConfig,
    BoardConfig,
    Config,
    MetricConfig,
    RouteConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.clock import SystemClock
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.runtime import Engine
from noc_board.sources.alertmanager import AlertmanagerApi
from noc_board.sources.alertmanager_wire import Matcher, PostableAlert, PostableSilence
from noc_board.sources.http import HttpFetcher
from noc_board.store.journal import ACK, ALARM, JournalEntry
from tests.engine.test_alertmanager_real import RunningAm, running_alertmanager

pytestmark = pytest.mark.real_server


@pytest.fixture
def am(tmp_path: Path) -> Iterator[RunningAm]:
    with running_alertmanager(tmp_path) as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as made:
        yield made


def config(url: str, *, share: bool = False) -> Config:
    return Config(
        board=BoardConfig(history_points=50),
        sources=[
            SourceConfig(name="prom", kind="prometheus", url="http://127.0.0.1:9", interval=10),
            SourceConfig(name="am", kind="alertmanager", url=url, interval=5, timeout=2,
                         alerts_as_alarms=True, route_label="team"),
        ],
        metrics=[MetricConfig(id="err", source="prom", query="q")],
        rules=[RuleConfig(id="checkout-errors", metric="err", op="above", level=0.05,
                          clear=0.02, severity="critical", route="tech",
                          summary="Checkout 5xx rate above 5%")],
        routes=[RouteConfig(name="tech")],
        alertmanager=AlertmanagerConfig(url=url if share else "", board="board-a", poll=5.0,
                                        ack_horizon=600.0),
    )


class Board:
    """An engine on the real Alertmanager, polled and synced by hand."""

    def __init__(self, cfg: Config, store: Path, client: httpx.AsyncClient) -> None:
        self.engine = Engine.create(cfg, SystemClock(), lambda _: None, store, client)
        [self.watcher] = self.engine.am_alarms

    async def poll(self) -> None:
        am = next(s for s in self.engine.sources if s.name == "am")
        try:
            self.engine.hub.ingest(await am.poll())
        except Exception as exc:  # what the scheduler does with a failed poll
            self.engine.hub.source_failed("am", str(exc), time.time())
        await self.watcher.sync_once()

    def external(self) -> list[Alarm]:
        return [a for a in self.engine.hub.alarms() if a.key.startswith("am:")]

    def journal(self, key: str) -> list[JournalEntry]:
        assert self.engine.store is not None
        return self.engine.store.journal.entries(kinds=[ALARM, ACK], subject=key)

    async def close(self) -> None:
        await self.engine.close()


async def fire(api: AlertmanagerApi, labels: dict[str, str], summary: str = "",
               ends_in: float = 3600.0, started: float = 60.0) -> None:
    now = time.time()
    notes = {"summary": summary} if summary else {}
    await api.post_alerts([PostableAlert(labels, now - started, now + ends_in, notes)])


DISK = {"alertname": "DiskFull", "instance": "db1:9100", "severity": "page", "team": "tech"}


async def test_another_tools_alert_is_an_alarm_acknowledged_by_a_silence_until_resolved(
    am: RunningAm, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = AlertmanagerApi(am.url, HttpFetcher(client))
    board = Board(config(am.url), tmp_path / "journal.sqlite3", client)
    try:
        await fire(api, DISK, "Disk 95% full on db1")
        await board.poll()
        [alarm] = board.external()
        [alert] = await api.alerts()
        assert alarm.key == f"am:{alert.fingerprint}" and alarm.rule == "DiskFull"
        assert (alarm.state, alarm.severity, alarm.route, alarm.summary) == (
            AlarmState.UNACKED, "critical", "tech", "Disk 95% full on db1")
        assert alarm.raised_at == pytest.approx(alert.starts_at, abs=0.002)
        assert [e.data["event"] for e in board.journal(alarm.key)] == ["raised"]

        board.engine.hub.acknowledge(alarm.key, "alice", "cleaning up")
        await board.watcher.sync_once()  # the acknowledgement becomes a silence
        [silence] = await api.silences()
        assert (silence.state, silence.created_by, silence.comment) == (
            "active", "alice", "cleaning up")
        assert {(m.name, m.value) for m in silence.matchers if not m.is_regex} == set(
            DISK.items())  # exactly the alert's labels, and the board's marker
        assert time.time() + 500 < silence.ends_at < time.time() + 700  # the rolling horizon
        [suppressed] = await api.alerts()
        assert suppressed.state == "suppressed" and suppressed.silenced_by == (silence.id,)
        await board.poll()
        await board.poll()
        [acked] = board.external()
        assert (acked.state, acked.acked_by, acked.ack_comment) == (
            AlarmState.ACKED, "alice", "cleaning up")
        assert len(await api.silences()) == 1  # not made twice, nor read back as someone else's

        await fire(api, DISK, "Disk 95% full on db1", ends_in=0.0)  # resolved
        await board.poll()
        [normal] = board.external()
        assert normal.state is AlarmState.NORMAL and not normal.active
        events = [(e.data["event"], e.actor) for e in board.journal(alarm.key)]
        assert events == [("raised", "system"), ("acknowledged", "alice"),
                          ("cleared", "system")]
        assert [s.state for s in await api.silences()] == ["expired"]
        await board.poll()
        assert board.external() == []  # gone from the wall, kept in the journal
    finally:
        await board.close()


async def test_a_silence_made_elsewhere_acknowledges_it_and_a_restart_keeps_it(
    am: RunningAm, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = AlertmanagerApi(am.url, HttpFetcher(client))
    store = tmp_path / "journal.sqlite3"
    board = Board(config(am.url), store, client)
    labels = {"alertname": "QueueBacklog", "queue": "mail", "severity": "warning",
              "team": "nobody"}
    try:
        await fire(api, labels)
        await board.poll()
        [alarm] = board.external()
        assert (alarm.severity, alarm.route) == ("warning", "")  # no route named nobody
        assert alarm.summary == "QueueBacklog (queue=mail, severity=warning, team=nobody)"
        now = time.time()
        await api.post_silence(PostableSilence(
            (Matcher("alertname", "QueueBacklog"),), now, now + 3600, "bob", "ticket OPS-12"))
        await board.poll()
        [acked] = board.external()
        assert (acked.state, acked.acked_by, acked.ack_comment) == (
            AlarmState.ACKED, "bob", "ticket OPS-12")
        [ack] = [e for e in board.journal(alarm.key) if e.data["event"] == "acknowledged"]
        assert ack.actor == "bob" and ack.data["origin"] == "alertmanager"
    finally:
        await board.close()
    fresh = httpx.AsyncClient()  # the first board's close closed the shared one
    again = Board(config(am.url), store, fresh)
    try:
        [restored] = again.external()  # from the journal, before any poll
        assert (restored.key, restored.state, restored.acked_by) == (
            alarm.key, AlarmState.ACKED, "bob")
        await again.poll()
        assert again.engine.hub.health("am").last_error is None  # it really read Alertmanager
        assert [(a.key, a.state) for a in again.external()] == [(alarm.key, AlarmState.ACKED)]
        assert [e.data["event"] for e in again.journal(alarm.key)] == ["raised", "acknowledged"]
    finally:
        await again.close()
        await fresh.aclose()


async def test_a_restarted_board_keeps_extending_its_acknowledgements_silence(
    am: RunningAm, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = AlertmanagerApi(am.url, HttpFetcher(client))
    store = tmp_path / "journal.sqlite3"
    board = Board(config(am.url), store, client)
    try:
        await fire(api, DISK, "Disk 95% full on db1")
        await board.poll()
        [alarm] = board.external()
        board.engine.hub.acknowledge(alarm.key, "alice", "cleaning up")
        await board.watcher.sync_once()
        [silence] = await api.silences()
    finally:
        await board.close()
    fresh = httpx.AsyncClient()  # the first board's close closed the shared one
    api = AlertmanagerApi(am.url, HttpFetcher(fresh))
    again = Board(config(am.url), store, fresh)
    try:
        await again.poll()  # restored acknowledged: it takes over alice's silence
        assert again.engine.hub.health("am").last_error is None
        assert [(a.state, a.acked_by) for a in again.external()] == [(AlarmState.ACKED,
                                                                      "alice")]
        assert [s.id for s in await api.silences()] == [silence.id]  # none made twice
        # past half the 600 s horizon the board extends the same silence, as before the restart
        await again.watcher._silences.reconcile(time.time() + 400)
        [extended] = await api.silences()
        assert extended.id == silence.id and extended.ends_at > silence.ends_at + 300
        assert extended.created_by == "alice"
    finally:
        await again.close()
        await fresh.aclose()


async def test_the_boards_own_pushed_alarms_are_not_doubled(
    am: RunningAm, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    board = Board(config(am.url, share=True), tmp_path / "journal.sqlite3", client)
    try:
        now = time.time()
        board.engine.hub.ingest(PollResult("prom", now, [Sample("err", now, 0.41)]))
        assert board.engine.am_sync is not None
        await board.engine.am_sync.sync_once()  # pushed as an alert
        api = AlertmanagerApi(am.url, HttpFetcher(client))
        assert [a.labels["alarm"] for a in await api.alerts()] == ["checkout-errors"]
        await board.poll()
        assert board.external() == []
        assert [a.key for a in board.engine.hub.alarms() if a.active] == ["checkout-errors"]
        await fire(api, DISK, "Disk 95% full on db1")  # another tool's alert beside it
        await board.poll()
        await board.engine.am_sync.sync_once()
        assert len(await api.alerts()) == 2  # the external alarm is not pushed back
        assert len(board.external()) == 1
    finally:
        await board.close()


async def test_while_alertmanager_is_down_its_alarms_stay_marked_unreachable(
    am: RunningAm, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = AlertmanagerApi(am.url, HttpFetcher(client))
    board = Board(config(am.url), tmp_path / "journal.sqlite3", client)
    try:
        await fire(api, DISK, "Disk 95% full on db1")
        await board.poll()
        [alarm] = board.external()
        am.stop()
        await board.poll()
        [kept] = board.external()
        assert (kept.state, kept.active, kept.raised_at) == (
            AlarmState.UNACKED, True, alarm.raised_at)
        assert kept.summary == "Disk 95% full on db1 (alertmanager unreachable)"
        assert "Alertmanager unreachable (am: " in kept.detail
        assert [e.data["event"] for e in board.journal(alarm.key)] == ["raised"]
        board.engine.hub.acknowledge(alarm.key, "carol")  # still possible on the wall
        await board.watcher.sync_once()
        assert board.external()[0].state is AlarmState.ACKED
    finally:
        await board.close()
