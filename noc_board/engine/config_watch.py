"""Watches the configuration file and hands over each new valid version (reload without restart).

`ConfigWatcher.check()` is cheap (one `stat`) and is called on a timer by the composition root.
When the file's modification time or size changes it is read; if its text changed it is parsed
and validated. A valid file becomes the new configuration (`Reload(config=...)`); an invalid one
leaves the last good configuration in force and reports every problem as `file:line: key:
message` (`Reload(errors=...)`) until the file is fixed. Editors that save by rename or write in
two steps are handled: a missing or half-written file is reported, then picked up when it settles.

`EngineHost` holds the running engine and replaces it whole on a new configuration; `watch` is
the loop that checks the file and hands each change to the composition root.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from noc_board.config.issues import ConfigError
from noc_board.config.loader import load_config
from noc_board.config.schema import Config
from noc_board.engine.rollup_seed import history_wanted, seed_hours
from noc_board.engine.runtime import Engine

log = logging.getLogger(__name__)

Loader = Callable[[Path], Config]


@dataclass(frozen=True)
class Reload:
    """The outcome of a changed file: a new config, or why it was not applied."""

    config: Config | None = None
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.config is not None


class ConfigWatcher:
    """Polls one file; `check()` returns a `Reload` when its content changed, else None."""

    def __init__(self, path: Path, loader: Loader = load_config,
                 adapt: Callable[[Config], Config] | None = None) -> None:
        self.path = path
        self._loader = loader
        self._adapt = adapt
        self._stamp = self._stat()
        self._digest = self._read_digest()
        self.errors: tuple[str, ...] = ()  # of the current file, while it is invalid

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _read_digest(self) -> bytes | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).digest()
        except OSError:
            return None

    def check(self) -> Reload | None:
        """Look at the file once; a `Reload` when its content changed since the last look."""
        stamp = self._stat()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        digest = self._read_digest()
        if digest == self._digest and digest is not None:
            return None  # touched, not changed
        self._digest = digest
        try:
            config = self._loader(self.path)
        except ConfigError as exc:
            self.errors = tuple(str(issue) for issue in exc.errors)
            log.warning("configuration %s not applied (keeping the last good one): %s",
                        self.path, "; ".join(self.errors))
            return Reload(errors=self.errors)
        except OSError as exc:
            self.errors = (f"{self.path}:0: file: cannot read the file: {exc}",)
            log.warning("configuration %s not applied: %s", self.path, exc)
            return Reload(errors=self.errors)
        self.errors = ()
        if self._adapt is not None:
            config = self._adapt(config)
        log.info("configuration %s changed: applying it", self.path)
        return Reload(config=config)


class EngineHost:
    """The running engine, replaced whole when the configuration changes.

    `replace(config)` stops the scheduler and the engine's background work, closes the HTTP
    client and the store (the journal is on disk and the new engine reopens it, restoring the
    alarms), and creates a new engine that is not started yet: the caller rebinds the UI first,
    then calls `start()`.
    """

    def __init__(self, create: Callable[[Config], Engine], config: Config,
                 now: Callable[[], float]) -> None:
        self._create = create
        self._now = now
        self.engine = create(config)
        self._seeding: asyncio.Task[int] | None = None

    @property
    def config(self) -> Config:
        return self.engine.config

    def start(self) -> None:
        """Start polling, and fill the heatmaps' and the capacity fit's missing history in
        the background."""
        self.engine.start()  # polling, escalation, the Alertmanager sync
        engine = self.engine
        wanted = history_wanted(engine.config)
        if engine.store is not None and wanted:
            source_of = {m.id: m.source for m in engine.config.metrics}
            self._seeding = asyncio.create_task(
                seed_hours(engine.store, engine.sources, source_of, wanted, self._now()),
                name="heatmap-history")

    async def _stop_seeding(self) -> None:
        task, self._seeding = self._seeding, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def replace(self, config: Config) -> Engine:
        """Close the running engine and create one on `config` (not started)."""
        await self._stop_seeding()
        await self.engine.close()
        self.engine = self._create(config)
        return self.engine

    async def close(self) -> None:
        await self._stop_seeding()
        await self.engine.close()


async def watch(
    watcher: ConfigWatcher, on_change: Callable[[Reload], Awaitable[None]],
    interval: float = 2.0, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Check the file every `interval` seconds until cancelled; hand each change over."""
    while True:
        await sleep(interval)
        change = watcher.check()
        if change is not None:
            try:
                await on_change(change)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed reload must not end the watch
                log.exception("applying the changed configuration failed")
