"""async_slot: needs a running loop, keeps its task, routes failures to one handler."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, Signal

from noc_board.ui.async_slot import async_slot, running_tasks, set_error_handler


@pytest.fixture(autouse=True)
def _default_handler() -> Iterator[None]:
    previous = set_error_handler(None)
    yield
    set_error_handler(previous)


class Refresher:
    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.done: list[str] = []

    @async_slot
    async def refresh(self, reason: str = "manual") -> None:
        await self.gate.wait()
        self.done.append(reason)

    @async_slot
    async def fail(self) -> None:
        raise ValueError("the source said no")


class Button(QObject):
    clicked = Signal(bool)


def test_calling_without_a_running_loop_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="no running asyncio loop"):
        Refresher().refresh()


async def test_the_task_is_kept_until_done() -> None:
    r = Refresher()
    task = r.refresh("poll")
    gc.collect()
    assert task in running_tasks()
    r.gate.set()
    await asyncio.wait_for(task, 1.0)
    assert r.done == ["poll"]
    await asyncio.sleep(0)  # the done callback runs on the next loop iteration
    assert task not in running_tasks()


async def test_failures_go_to_the_replaceable_handler() -> None:
    seen: list[BaseException] = []
    set_error_handler(seen.append)
    task = Refresher().fail()
    await asyncio.wait({task}, timeout=1.0)
    await asyncio.sleep(0)
    assert len(seen) == 1 and isinstance(seen[0], ValueError)


async def test_failures_are_logged_by_default(caplog: pytest.LogCaptureFixture) -> None:
    task = Refresher().fail()
    with caplog.at_level(logging.ERROR, logger="noc_board.ui.async_slot"):
        await asyncio.wait({task}, timeout=1.0)
        await asyncio.sleep(0)
    (record,) = caplog.records
    assert "the source said no" in record.getMessage() and record.exc_info is not None


async def test_cancellation_is_not_a_failure() -> None:
    seen: list[BaseException] = []
    set_error_handler(seen.append)
    task = Refresher().refresh()
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)
    await asyncio.sleep(0)
    assert seen == [] and task not in running_tasks()


async def test_extra_signal_arguments_are_dropped(qapp: object) -> None:
    class Panel:
        def __init__(self) -> None:
            self.calls = 0

        @async_slot
        async def reload(self) -> None:
            self.calls += 1

    panel, button = Panel(), Button()
    button.clicked.connect(panel.reload)
    button.clicked.emit(True)
    await asyncio.gather(*running_tasks())
    assert panel.calls == 1
