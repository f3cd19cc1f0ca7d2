"""Reloading the configuration without a restart: the watcher, and the engine replaced whole."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from noc_board.config.loader import load_config
from noc_board.config.schema import Config
from noc_board.core.alarms import AlarmState
from noc_board.core.clock import ManualClock
from noc_board.core.samples import PollResult, Sample
from noc_board.engine.config_watch import ConfigWatcher, EngineHost, Reload, watch
from noc_board.engine.runtime import Engine

GOOD = """\
[board]
title = "{title}"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9"
interval = "1h"

[[metrics]]
id = "errors"
source = "prom"
query = "up"
unit = "ratio"

[[rules]]
id = "too-many"
metric = "errors"
level = 0.05
severity = "critical"
"""


def write(path: Path, text: str, bump: int = 0) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 1_000_000_000))


def test_watcher_hands_over_valid_changes_and_reports_invalid_ones(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    write(path, GOOD.format(title="One"))
    watcher = ConfigWatcher(path)
    assert watcher.check() is None  # nothing changed since it started
    write(path, GOOD.format(title="Two"), bump=1)
    change = watcher.check()
    assert change is not None and change.ok and change.config is not None
    assert change.config.board.title == "Two"
    write(path, GOOD.format(title="Two").replace('level = 0.05', 'level = "high"'), bump=2)
    bad = watcher.check()
    assert bad is not None and not bad.ok
    assert bad.errors == (f"{path}:19: rules[0].level: expected a number, got a string",)
    assert watcher.errors == bad.errors
    assert watcher.check() is None  # reported once, not on every look
    write(path, GOOD.format(title="Two").replace('level = 0.05', 'level = "high"'), bump=3)
    assert watcher.check() is None  # touched, same text: nothing to do
    write(path, GOOD.format(title="Three"), bump=4)
    fixed = watcher.check()
    assert fixed is not None and fixed.ok
    assert not watcher.errors


def test_a_missing_file_is_reported_and_picked_up_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    write(path, GOOD.format(title="One"))
    watcher = ConfigWatcher(path, adapt=lambda c: c)
    path.unlink()  # an editor saving by rename
    gone = watcher.check()
    assert gone is not None and gone.errors[0].endswith("cannot read the file: No such file or "
                                                         "directory")
    write(path, GOOD.format(title="Back"), bump=5)
    back = watcher.check()
    assert back is not None and back.config is not None and back.config.board.title == "Back"


def test_adapt_is_applied_to_each_new_configuration(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    write(path, GOOD.format(title="One"))
    watcher = ConfigWatcher(path, adapt=lambda c: load_config(path).__class__(board=c.board))
    write(path, GOOD.format(title="Two"), bump=1)
    change = watcher.check()
    assert change is not None and change.config is not None and change.config.sources == []


async def test_the_engine_is_replaced_whole_and_the_journal_kept(tmp_path: Path) -> None:
    path = tmp_path / "board.toml"
    write(path, GOOD.format(title="One"))
    clock = ManualClock(1_767_794_400.0)
    store_path = tmp_path / "journal.sqlite3"

    def create(config: Config) -> Engine:
        return Engine.create(config, clock, lambda name: None, store_path)

    host = EngineHost(create, load_config(path), clock.now)
    first = host.engine
    first.hub.ingest(PollResult("prom", clock.now(), [Sample("errors", clock.now(), 0.2)]))
    assert [a.state for a in first.hub.alarms()] == [AlarmState.UNACKED]
    host.start()
    write(path, GOOD.format(title="Two"), bump=1)
    second = await host.replace(load_config(path))
    assert second is host.engine and second is not first
    assert first.store is not None and first.store.db.closed
    assert first.client.is_closed
    assert second.config.board.title == "Two"
    # the journal outlived the old engine: the alarm is back, still unacknowledged
    assert [a.state for a in second.hub.alarms()] == [AlarmState.UNACKED]
    host.start()
    await host.close()
    assert second.store is not None and second.store.db.closed


async def test_watch_hands_each_change_over_and_survives_a_failing_reload(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "board.toml"
    write(path, GOOD.format(title="One"))
    watcher = ConfigWatcher(path)
    seen: list[Reload] = []
    ticks = 0

    async def sleep(_seconds: float) -> None:
        nonlocal ticks
        ticks += 1
        if ticks == 2:
            write(path, GOOD.format(title="Two"), bump=1)
        if ticks == 3:
            write(path, GOOD.format(title="Three"), bump=2)
        if ticks == 5:
            raise asyncio.CancelledError
        await asyncio.sleep(0)

    async def on_change(change: Reload) -> None:
        seen.append(change)
        if len(seen) == 1:
            raise RuntimeError("the rebuild failed")

    with pytest.raises(asyncio.CancelledError):
        await watch(watcher, on_change, sleep=sleep)
    titles = [c.config.board.title for c in seen if c.config is not None]
    assert titles == ["Two", "Three"]
    assert "applying the changed configuration failed" in caplog.text
