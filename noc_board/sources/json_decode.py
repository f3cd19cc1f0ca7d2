"""JSON decoding with msgspec, inline or in a worker process, and the pool of those workers.

`decode_outcome` is a module-level function of plain arguments so a `ProcessPoolExecutor` can
pickle it; it never raises, it returns ("ok", value) or ("error", one-line message), because
exceptions crossing a process boundary lose their detail.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from noc_board.sources.base import SourceError, one_line

Outcome = tuple[Literal["ok", "error"], Any]

_AT_BYTE = re.compile(r"\(byte (\d+)\)")


def describe_decode_error(exc: msgspec.DecodeError) -> str:
    """`malformed JSON at char 120`, `malformed JSON: truncated`, or the shape mismatch."""
    text = str(exc)
    if isinstance(exc, msgspec.ValidationError):
        return one_line(f"unexpected response shape: {text}")
    match = _AT_BYTE.search(text)
    if match:
        return f"malformed JSON at char {match.group(1)}"
    if "truncated" in text.lower():
        return "malformed JSON: truncated"
    return one_line(f"malformed JSON: {text}")


@dataclass(frozen=True, slots=True)
class Projection:
    """Decode as `shape`, then keep only what `reduce` returns, in the worker.

    A big body's unused parts then never cross back into the GUI process: unpickling every
    series of a 5 MB range response there stalls frames for 85-190 ms, holding the GIL.
    `reduce` must be a module-level function (it is pickled to the worker).
    """

    shape: Any
    reduce: Callable[[Any], Any]


def decode_outcome(data: bytes, type_: Any = None) -> Outcome:
    """Decode `data` (as `type_` when given): ("ok", value) or ("error", message)."""
    try:
        if type_ is None:
            return "ok", msgspec.json.decode(data)
        if isinstance(type_, Projection):
            return "ok", type_.reduce(msgspec.json.decode(data, type=type_.shape))
        return "ok", msgspec.json.decode(data, type=type_)
    except msgspec.DecodeError as exc:
        return "error", describe_decode_error(exc)
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:
        return "error", one_line(f"cannot decode JSON: {type(exc).__name__}")


def unwrap(outcome: Outcome) -> Any:
    """The value of an outcome, or SourceError with its message."""
    kind, value = outcome
    if kind == "ok":
        return value
    raise SourceError(str(value))


class DecodePool:
    """The worker process(es) big bodies are decoded in: given, or created on first use.

    Shared by a fetcher and everything derived from it; only a pool it created is shut down.
    Workers are spawned, never forked: forking a process that runs Qt and asyncio threads is
    unsafe, and spawn is what Windows and macOS do anyway.
    """

    def __init__(self, executor: Executor | None = None, workers: int = 1) -> None:
        self._executor = executor
        self._owned = executor is None
        self._workers = workers
        self._starting = asyncio.Lock()

    def get(self) -> Executor:
        if self._executor is None:
            self._executor = self._new()
        return self._executor

    async def ready(self) -> Executor:
        """The pool, its worker started in a thread: spawning a process takes ~100 ms, which
        must not happen on the GUI thread's event loop."""
        if self._executor is None:
            async with self._starting:
                if self._executor is None:
                    self._executor = await asyncio.to_thread(self._started)
        return self._executor

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._workers, mp_context=multiprocessing.get_context("spawn")
        )

    def _started(self) -> ProcessPoolExecutor:
        executor = self._new()
        executor.submit(int).result()  # launches the worker here, in this thread
        return executor

    def discard_broken(self) -> None:
        """Forget a pool whose worker died, so the next big body gets a fresh one."""
        if self._owned and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def aclose(self) -> None:
        executor, self._executor = self._executor, None
        if self._owned and executor is not None:
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)
