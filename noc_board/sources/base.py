"""What every connector is: the `Source` protocol, its one error type, and shared helpers."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.samples import PollResult, Sample

_SPACE = re.compile(r"\s+")
MAX_MESSAGE = 240


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` on a single line with runs of whitespace collapsed, cut to `limit` characters."""
    flat = _SPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SourceError(Exception):
    """A poll failed. `str()` is one human line (never a secret, never a traceback).

    `retry_after` is how long the server asked us to wait (seconds), when it asked;
    `status` is the HTTP status that caused it, when there was one.
    """

    def __init__(
        self, message: str, retry_after: float | None = None, *, status: int | None = None
    ) -> None:
        self.message = one_line(message) or "unknown error"
        self.retry_after = retry_after
        self.status = status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@runtime_checkable
class Source(Protocol):
    """A service the board polls. `poll()` raises only `SourceError`."""

    name: str

    async def poll(self) -> PollResult: ...


@runtime_checkable
class BackfillSource(Source, Protocol):
    """A source that can also fill history (Prometheus `query_range`).

    `only`: the metric ids wanted (None: every metric of the source that has history)."""

    async def backfill(self, start: float, end: float, step: float,
                       only: Collection[str] | None = None) -> PollResult: ...


def metrics_for(cfg: SourceConfig, metrics: Sequence[MetricConfig]) -> list[MetricConfig]:
    """The metrics that name this source."""
    return [m for m in metrics if m.source == cfg.name]


def auth_parts(
    cfg: SourceConfig, secret: str | None
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Headers and basic-auth pair for `cfg.auth`; SourceError when the secret is missing."""
    if cfg.auth == "none":
        return {}, None
    if not secret:
        where = f"keyring entry {cfg.secret!r}" if cfg.secret else "a `secret` in the config"
        raise SourceError(f"{cfg.auth} auth needs a secret: set {where}")
    if cfg.auth == "basic":
        return {}, (cfg.username, secret)
    if cfg.auth == "bearer":
        return {"Authorization": f"Bearer {secret}"}, None
    raise SourceError(f"unknown auth kind {cfg.auth!r}; use none, basic or bearer")


def nan_samples(metrics: Sequence[MetricConfig], ts: float) -> list[Sample]:
    """A NaN ("no number") sample for each metric."""
    return [Sample(m.id, ts, math.nan) for m in metrics]
