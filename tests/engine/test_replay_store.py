"""`noc-board replay --store`: the replayed board kept in a real SQLite store, for reports."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from pathlib import Path

import pytest

from noc_board.cli import main
from noc_board.store import open_store
from noc_board.store.journal import ALARM, SOURCE_HEALTH
from tests.engine.test_replay import CONFIG, SCENARIO

START = dt.datetime(2026, 1, 7, 12, tzinfo=dt.UTC).timestamp()
END = START + 3 * 3600.0
STRIPE_DOWN = (START + 2 * 3600.0, START + 2 * 3600.0 + 600.0)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[str]]:
    folder = tmp_path_factory.mktemp("replay-store")
    (folder / "c.toml").write_text(CONFIG)
    (folder / "s.toml").write_text(SCENARIO)
    args = ["replay", "--config", str(folder / "c.toml"), "--scenario", str(folder / "s.toml"),
            "--history", "2h"]
    plain, stored = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(plain):
        assert main(args) == 0
    with contextlib.redirect_stdout(stored):
        assert main([*args, "--store", str(folder / "board.sqlite3")]) == 0
    return folder / "board.sqlite3", plain.getvalue().splitlines(), \
        stored.getvalue().splitlines()


def test_the_store_changes_nothing_printed(run: tuple[Path, list[str], list[str]]) -> None:
    _, plain, stored = run
    assert stored == plain and len(plain) == 6


def test_every_minute_is_recorded_once_over_history_and_scenario(
        run: tuple[Path, list[str], list[str]]) -> None:
    path, _, _ = run
    with open_store(path) as store:
        minutes = store.rollups.minutes("health.checkout.error_rate", START - 7200, END)
        # 2 h of history folded, then 3 h replayed through the hub: each minute once
        assert len(minutes) == 5 * 60
        assert {m.count for m in minutes} == {1}  # the 15 s source is polled once a step
        declines = store.rollups.minutes("sales.decline_rate", START - 7200, END)
        missing = [m.start for m in declines if STRIPE_DOWN[0] <= m.start < STRIPE_DOWN[1]]
        assert missing == []  # nothing recorded while Stripe refused
        assert len(declines) == 5 * 60 - 10


def test_the_journal_holds_the_alarms_and_the_source_outage(
        run: tuple[Path, list[str], list[str]]) -> None:
    path, printed, _ = run
    with open_store(path) as store:
        alarms = store.journal.entries(kinds=[ALARM])
        raised = [e for e in alarms if e.data.get("event") == "raised"]
        assert sorted(e.data["rule"] for e in raised) == sorted(
            line.split('"rule": "')[1].split('"')[0] for line in printed if '"raised"' in line)
        health = store.journal.entries(kinds=[SOURCE_HEALTH], subject="stripe")
        assert any("503" in e.message for e in health)


def test_store_needs_a_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text(CONFIG)
    (tmp_path / "x.csv").write_text("timestamp,value\n2026-01-07T12:00:00Z,0.01\n")
    assert main(["replay", "--config", str(tmp_path / "c.toml"), "--series",
                 f"health.checkout.error_rate={tmp_path / 'x.csv'}", "--store",
                 str(tmp_path / "s.sqlite3")]) == 2
    assert "--store goes with --scenario" in capsys.readouterr().err
