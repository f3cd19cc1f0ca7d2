"""Two board engines and the real Alertmanager from Debian: alarms pushed and deduplicated,
an acknowledgement on one board becomes a silence and shows on the other within one poll."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from noc_board.config.schema import (
    AlertmanagerConfig,
    BoardConfig,
    Config,
    MetricConfig,
    RuleConfig,
    SourceConfig,
)
from noc_board.core.alarms import Alarm, AlarmEvent, AlarmState
from noc_board.core.clock import SystemClock
from noc_board.core.health import HealthState, SourceHealth
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.am_sync import AlertmanagerSync
from noc_board.engine.hub import Hub
from noc_board.sources.alertmanager import AlertmanagerApi
from noc_board.sources.alertmanager_wire import Matcher, PostableSilence
from noc_board.sources.http import HttpFetcher
from tests.conftest import real_binary

pytestmark = pytest.mark.real_server

AM_CONFIG = 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class RunningAm:
    """A real Alertmanager on loopback: its URL, and `stop()` to take it down mid-test."""

    url: str
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def running_alertmanager(folder: Path) -> Iterator[RunningAm]:
    """Start the Debian binary with a null receiver in `folder`, wait until it is ready."""
    binary = real_binary("prometheus-alertmanager")
    config = folder / "alertmanager.yml"
    config.write_text(AM_CONFIG, encoding="utf-8")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, f"--config.file={config}", f"--storage.path={folder / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    running = RunningAm(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(running.url + "/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "Alertmanager did not get ready"
            assert proc.poll() is None, "Alertmanager exited"
            time.sleep(0.05)
        yield running
    finally:
        running.stop()


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    with running_alertmanager(tmp_path) as running:
        yield running.url


class Journal:
    """The hub's recorder: keeps the alarm events it was asked to journal."""

    def __init__(self) -> None:
        self.events: list[AlarmEvent] = []

    def record_alarm_events(self, events: Sequence[AlarmEvent], alarms: Sequence[Alarm]) -> None:
        self.events.extend(events)

    def record_health(self, before: SourceHealth, after: SourceHealth) -> None:
        pass

    def record_samples(self, samples: Sequence[Sample]) -> None:
        pass


@dataclass
class Board:
    hub: Hub
    sync: AlertmanagerSync
    journal: Journal

    def sample(self, value: float) -> None:
        now = time.time()
        self.hub.ingest(PollResult("prom", now, [Sample("err", now, value)]))

    def alarm(self) -> Alarm:
        return next(a for a in self.hub.alarms() if a.key == "checkout-errors")


def board_config() -> Config:
    return Config(
        board=BoardConfig(history_points=50),
        sources=[SourceConfig(name="prom", kind="prometheus", url="http://x", interval=10)],
        metrics=[MetricConfig(id="err", source="prom", query="q")],
        rules=[RuleConfig(id="checkout-errors", metric="err", op="above", level=0.05,
                          clear=0.02, severity="critical", route="tech",
                          summary="Checkout 5xx rate above 5%")],
    )


def make_board(url: str, client: httpx.AsyncClient, name: str,
               horizon: float = 600.0) -> Board:
    cfg = AlertmanagerConfig(url=url, board=name, labels={"site": "test"}, poll=5.0,
                             resend=30.0, ack_horizon=horizon)
    journal = Journal()
    hub = Hub(board_config(), SystemClock(), journal)
    sync = AlertmanagerSync(hub, AlertmanagerApi(url, HttpFetcher(client)), cfg, SystemClock(),
                            board=name, on_health=hub.report_health)
    hub.subscribe(sync)
    return Board(hub, sync, journal)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as made:
        yield made


@pytest.fixture
def boards(
    alertmanager: str, client: httpx.AsyncClient
) -> tuple[Board, Board, AlertmanagerApi]:
    return (make_board(alertmanager, client, "board-a"),
            make_board(alertmanager, client, "board-b"),
            AlertmanagerApi(alertmanager, HttpFetcher(client)))


async def test_two_boards_share_one_alert_and_agree_on_who_acknowledged_it(
    boards: tuple[Board, Board, AlertmanagerApi],
) -> None:
    a, b, api = boards
    a.sample(0.41)
    b.sample(0.43)
    await a.sync.sync_once()  # A raises and pushes
    await b.sync.sync_once()  # B pushes the same labels, and sees the one alert
    alerts = await api.alerts(['alarm="checkout-errors"'])
    assert len(alerts) == 1  # deduplicated across boards
    alert = alerts[0]
    assert alert.state == "active"
    assert dict(alert.labels) == {
        "alertname": "checkout-errors", "alarm": "checkout-errors", "metric": "err",
        "severity": "critical", "team": "tech", "site": "test",
    }
    assert b.sync.snapshot is not None
    assert [x.fingerprint for x in b.sync.snapshot.alerts] == [alert.fingerprint]
    assert b.alarm().state is AlarmState.UNACKED

    before = time.time()
    a.hub.acknowledge("checkout-errors", "alice", "rolling back the deploy")
    await a.sync.sync_once()  # the acknowledgement becomes a silence
    [silence] = [s for s in await api.silences() if s.state == "active"]
    assert silence.created_by == "alice" and silence.comment == "rolling back the deploy"
    assert before + 590 < silence.ends_at < time.time() + 610  # the rolling horizon
    assert silence.matches(dict(alert.labels))
    [silenced] = await api.alerts(['alarm="checkout-errors"'])
    assert silenced.state == "suppressed" and silenced.silenced_by == (silence.id,)

    await b.sync.sync_once()  # one poll later, B shows who acknowledged it
    seen = b.alarm()
    assert seen.state is AlarmState.ACKED
    assert (seen.acked_by, seen.ack_comment, seen.ack_until) == (
        "alice", "rolling back the deploy", None)
    [ack] = [e for e in b.journal.events if e.event == "acknowledged"]
    assert ack.origin == "alertmanager" and ack.actor == "alice"
    await b.sync.sync_once()
    assert len([s for s in await api.silences() if s.state == "active"]) == 1  # no echo from B
    assert a.hub.health("alertmanager").state is HealthState.OK

    a.sample(0.0)  # clear: the alert resolves, the acknowledgement's silence ends
    b.sample(0.0)
    await a.sync.sync_once()
    await b.sync.sync_once()
    assert await api.alerts(['alarm="checkout-errors"']) == ()
    assert [s.state for s in await api.silences()] == ["expired"]
    assert a.alarm().state is AlarmState.NORMAL and b.alarm().state is AlarmState.NORMAL


async def test_an_acknowledgement_with_an_expiry_ends_its_silence_then(
    boards: tuple[Board, Board, AlertmanagerApi],
) -> None:
    a, b, api = boards
    for board in (a, b):
        board.sample(0.41)
        await board.sync.sync_once()
    until = time.time() + 1800
    a.hub.acknowledge("checkout-errors", "carol", "", until=until)
    await a.sync.sync_once()
    [silence] = await api.silences()
    assert abs(silence.ends_at - until) < 0.002 and silence.comment == ""
    await b.sync.sync_once()
    assert b.alarm().acked_by == "carol"
    assert b.alarm().ack_until == pytest.approx(until, abs=0.002)


async def test_a_rolling_silence_is_extended_while_the_alarm_fires(
    alertmanager: str, client: httpx.AsyncClient
) -> None:
    a = make_board(alertmanager, client, "board-a", horizon=2.0)
    b = make_board(alertmanager, client, "board-b")
    api = AlertmanagerApi(alertmanager, HttpFetcher(client))
    a.sample(0.41)
    b.sample(0.41)
    a.hub.acknowledge("checkout-errors", "alice")
    await a.sync.sync_once()
    [first] = await api.silences()
    await asyncio.sleep(1.1)  # past half the horizon: the next round extends it
    await a.sync.sync_once()
    active = [s for s in await api.silences() if s.state == "active"]
    assert len(active) == 1 and active[0].ends_at > first.ends_at + 1.0
    assert active[0].created_by == "alice"
    await b.sync.sync_once()
    assert b.alarm().acked_by == "alice"


async def test_acknowledging_an_alarm_that_returned_to_normal_reaches_the_other_board(
    boards: tuple[Board, Board, AlertmanagerApi],
) -> None:
    a, b, _ = boards
    for board in (a, b):
        board.sample(0.41)
        await board.sync.sync_once()
        board.sample(0.0)
        await board.sync.sync_once()
    assert b.alarm().state is AlarmState.RTN_UNACKED
    a.hub.acknowledge("checkout-errors", "dave", "saw it")
    await a.sync.sync_once()
    await b.sync.sync_once()
    assert b.alarm().state is AlarmState.NORMAL
    assert [(e.actor, e.comment, e.origin) for e in b.journal.events
            if e.event == "acknowledged"] == [("dave", "saw it", "alertmanager")]


async def test_a_silence_a_person_made_in_alertmanager_acknowledges_the_alarm(
    boards: tuple[Board, Board, AlertmanagerApi],
) -> None:
    _, b, api = boards
    b.sample(0.41)
    await b.sync.sync_once()
    now = time.time()
    await api.post_silence(PostableSilence(
        (Matcher("alertname", "checkout-.*", is_regex=True),), now, now + 3600, "bob",
        "known issue, ticket OPS-12"))
    await b.sync.sync_once()
    alarm = b.alarm()
    assert (alarm.state, alarm.acked_by, alarm.ack_comment) == (
        AlarmState.ACKED, "bob", "known issue, ticket OPS-12")
    assert alarm.ack_until == pytest.approx(now + 3600, abs=0.002)
