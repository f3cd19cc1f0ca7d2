"""The Apprise transport: one message to one Apprise URL, in a worker thread.

Apprise covers chat (Slack, Teams, Mattermost, Telegram ...), e-mail, PagerDuty, Opsgenie and
plain webhooks (`json://`, `jsons://`) behind one URL scheme. It is blocking and loads its
plugins on first use (a quarter of a second), so both happen off the event loop. It reports
why a notification failed only in log records: Apprise 2 keeps them on its result, Apprise 1
logs them on the calling thread, where a per-thread handler collects them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from noc_board.engine.notifiers import Message, NotifyError, shown_target

_APPRISE_TYPES = {"critical": "failure", "warning": "warning", "info": "info", "ok": "success"}


class _ThreadLog(logging.Handler):
    """Collects the apprise logger's warnings and errors raised on one thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


@contextmanager
def _apprise_log() -> Iterator[_ThreadLog]:
    logger = logging.getLogger("apprise")
    handler = _ThreadLog()
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


class AppriseTransport:
    """Sends through Apprise (chat, e-mail, PagerDuty, webhooks: any Apprise URL).

    Apprise is blocking and loads its plugins on first use (a quarter of a second): both happen
    in a worker thread. Its reasons for a failure arrive as log records, which are collected
    per thread so concurrent deliveries do not mix them up.
    """

    async def send(self, url: str, message: Message) -> None:
        await asyncio.to_thread(self._send_blocking, url, message)

    def _send_blocking(self, url: str, message: Message) -> None:
        import apprise  # lazily: 0.1 s to import, plus its plugins on first use

        with _apprise_log() as captured:
            app = apprise.Apprise()
            if not app.add(url):
                raise NotifyError(f"not a usable Apprise URL ({shown_target(url)})", retry=False)
            kind = apprise.NotifyType(_APPRISE_TYPES.get(message.severity, "info"))
            ok = app.notify(body=message.body, title=message.title, notify_type=kind)
        if not ok:
            reason = _result_reason(ok) or (captured.lines[-1] if captured.lines else "")
            raise NotifyError((reason or "the service did not accept it").rstrip("."))


def _result_reason(result: object) -> str | None:
    """The last warning of an Apprise 2 result (its plugins log from a pool thread of its own,
    so the per-thread capture, which serves Apprise 1, sees nothing there)."""
    logs = getattr(result, "logs", None)
    if not callable(logs):
        return None
    try:
        lines = [
            str(getattr(entry, "message", ""))
            for entry in logs()
            if _is_warning(getattr(entry, "level", None))
        ]
    except Exception:  # a shape this code does not know: fall back to the captured lines
        return None
    return lines[-1] if lines else None


def _is_warning(level: object) -> bool:
    if isinstance(level, int):
        return level >= logging.WARNING
    return str(level).upper() in ("WARNING", "ERROR", "CRITICAL")
