"""`async_slot`: connect a Qt signal to a coroutine function, safely.

WORKAROUND for qasync 0.28.0, whose `asyncSlot` keeps no reference to the task it creates (the
task can be garbage-collected mid-flight) and silently does nothing when the signal fires before
the loop runs (DESIGN.md, pinned facts). Here:

- calling the slot with no running asyncio loop raises a RuntimeError that says so;
- the task is held in a set until it is done (`running_tasks()`, for an orderly shutdown);
- an exception from the coroutine goes to one handler: `logging` by default, replaceable with
  `set_error_handler` (the composition root shows it on the board; tests record it).

Extra signal arguments are dropped when the coroutine function takes fewer (as Qt does for
ordinary slots), so `clicked(bool)` can drive `async def refresh(self)`.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec

log = logging.getLogger(__name__)

P = ParamSpec("P")
ErrorHandler = Callable[[BaseException], None]


def log_exception(exc: BaseException) -> None:
    """The default handler: log the failure with its traceback."""
    log.error("an async slot failed: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))


class _Registry:
    """The tasks in flight and the current error handler (one per process, created lazily)."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.handler: ErrorHandler = log_exception


_registry: _Registry | None = None


def _state() -> _Registry:
    global _registry
    if _registry is None:
        _registry = _Registry()
    return _registry


def set_error_handler(handler: ErrorHandler | None) -> ErrorHandler:
    """Route async slot failures to `handler` (None: back to logging); returns the previous one."""
    state = _state()
    previous = state.handler
    state.handler = handler or log_exception
    return previous


def running_tasks() -> frozenset[asyncio.Task[Any]]:
    """The tasks started by async slots that have not finished yet."""
    return frozenset(_state().tasks)


def _done(task: asyncio.Task[Any]) -> None:
    state = _state()
    state.tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        try:
            state.handler(exc)
        except Exception:  # a broken handler must not take the loop down
            log.exception("the async slot error handler failed")


def _positional_limit(fn: Callable[..., Any]) -> int | None:
    """How many positional arguments `fn` accepts, or None when it takes *args."""
    params = inspect.signature(fn).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return sum(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        for p in params
    )


def async_slot(
    fn: Callable[P, Coroutine[Any, Any, Any]],
) -> Callable[P, asyncio.Task[Any]]:
    """Decorate a coroutine function so a Qt signal can call it; returns the task it starts."""
    limit = _positional_limit(fn)

    @functools.wraps(fn)
    def slot(*args: P.args, **kwargs: P.kwargs) -> asyncio.Task[Any]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                f"{fn.__qualname__} is an async slot and was called with no running asyncio "
                "loop; start the Qt event loop through qasync (asyncio.Runner) first"
            ) from None
        call_args = args if limit is None else args[:limit]
        task: asyncio.Task[Any] = loop.create_task(fn(*call_args, **kwargs))  # type: ignore[arg-type]
        state = _state()
        state.tasks.add(task)
        task.add_done_callback(_done)
        return task

    return slot
