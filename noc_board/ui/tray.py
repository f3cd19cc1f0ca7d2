"""The system-tray icon of a workstation: the count of unacknowledged alarms, and a desktop
notification when a new alarm needs an operator.

Only where a system tray exists (`QSystemTrayIcon.isSystemTrayAvailable()`): a wall display with
no desktop gets none (`create_alarm_tray` returns None). The icon is drawn, not loaded: a badge
in the colour of the loudest unacknowledged severity with the count in it, and a different shape
per severity (circle info, diamond warning, triangle critical) so colour is never the only cue.
Its menu (shown by the platform, no nested event loop) can show the board or silence the horn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from noc_board.config.schema import MetricConfig
from noc_board.core.alarms import SEVERITY_RANK, Alarm, AlarmEvent
from noc_board.core.panel_model import alarm_line, attention_order
from noc_board.ui.alarm_banner import newly_unacked
from noc_board.ui.theme import Palette

ICON_PX = 64
TrayFactory = Callable[[QObject], QSystemTrayIcon]
_MESSAGE_ICONS = {
    "critical": QSystemTrayIcon.MessageIcon.Critical,
    "warning": QSystemTrayIcon.MessageIcon.Warning,
}
MESSAGE_MS = 10_000


def badge_pixmap(theme: Palette, count: int, severity: str) -> QPixmap:
    """The tray badge: a shape per severity in its colour, with the count; blue ring when 0."""
    pixmap = QPixmap(ICON_PX, ICON_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(ICON_PX)
    if count == 0:
        painter.setPen(QColor(theme.ok))
        painter.setBrush(QColor(theme.ok))
        painter.drawEllipse(QPointF(s / 2, s / 2), s * 0.3, s * 0.3)
        painter.end()
        return pixmap
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(theme.severity(severity)))
    if severity == "critical":
        painter.drawPolygon(
            QPolygonF([QPointF(s / 2, 1), QPointF(s - 1, s - 1), QPointF(1, s - 1)])
        )
    elif severity == "warning":
        painter.drawPolygon(
            QPolygonF([QPointF(s / 2, 0), QPointF(s, s / 2), QPointF(s / 2, s), QPointF(0, s / 2)])
        )
    else:
        painter.drawEllipse(0, 0, ICON_PX, ICON_PX)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(s * (0.42 if count < 10 else 0.32)))
    painter.setFont(font)
    painter.setPen(QColor(theme.text_on_alarm))
    text_box = pixmap.rect().adjusted(0, int(s * 0.18) if severity == "critical" else 0, 0, 0)
    painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+")
    painter.end()
    return pixmap


class AlarmTray(QObject):
    """Keeps a tray icon's badge, tooltip and notifications in step with the alarms.

    Signals:
        show_requested(): the operator clicked the icon or chose "Show board".
        silence_requested(): the operator chose "Silence horn".
    """

    show_requested = Signal()
    silence_requested = Signal()

    def __init__(
        self, theme: Palette, metrics: Mapping[str, MetricConfig], title: str,
        factory: TrayFactory = QSystemTrayIcon, currencies: Mapping[str, str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.theme = theme
        self.title = title
        self._metrics = dict(metrics)
        self._currencies = dict(currencies or {})
        self._badge: tuple[int, str] | None = None
        self.icon = factory(self)
        self.menu = QMenu()
        self.show_action = QAction("Show board", self.menu)
        self.silence_action = QAction("Silence horn (M)", self.menu)
        self.menu.addAction(self.show_action)
        self.menu.addAction(self.silence_action)
        self.show_action.triggered.connect(self.show_requested)
        self.silence_action.triggered.connect(self.silence_requested)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.update_alarms(())
        self.icon.show()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_requested.emit()

    def update_alarms(self, alarms: Sequence[Alarm]) -> None:
        """Redraw the badge and tooltip for the alarms wanting an acknowledgement."""
        pending = attention_order(alarms)
        severity = pending[0].severity if pending else ""
        self.silence_action.setEnabled(bool(pending))
        badge = (len(pending), severity)
        if badge == self._badge:
            return
        self._badge = badge
        self.icon.setIcon(QIcon(badge_pixmap(self.theme, len(pending), severity)))
        if not pending:
            self.icon.setToolTip(f"{self.title}: no unacknowledged alarms")
            return
        lines = [self._line(a) for a in pending[:5]]
        more = f"\n+{len(pending) - 5} more" if len(pending) > 5 else ""
        word = "alarm" if len(pending) == 1 else "alarms"
        self.icon.setToolTip(
            f"{self.title}: {len(pending)} unacknowledged {word}\n" + "\n".join(lines) + more
        )

    def notify(self, alarms: Sequence[Alarm], events: Sequence[AlarmEvent]) -> bool:
        """A desktop notification for alarms that newly need an operator; whether one was shown."""
        fresh = newly_unacked(events)
        if not fresh:
            return False
        by_key = {a.key: a for a in alarms}
        worst = max(fresh, key=lambda e: SEVERITY_RANK.get(e.severity, 0))
        shown = [by_key[e.key] for e in fresh if e.key in by_key]
        lines = [self._line(a) for a in shown] or [f"{worst.severity.upper()} {worst.rule}"]
        title = f"{self.title}: {worst.severity} alarm" if len(lines) == 1 else (
            f"{self.title}: {len(lines)} new alarms"
        )
        icon = _MESSAGE_ICONS.get(worst.severity, QSystemTrayIcon.MessageIcon.Information)
        self.icon.showMessage(title, "\n".join(lines), icon, MESSAGE_MS)
        return True

    def _line(self, alarm: Alarm) -> str:
        return alarm_line(alarm, self._metrics, None, self._currencies.get(alarm.metric, "USD"))

    def shutdown(self) -> None:
        """Take the icon off the tray (teardown; idempotent)."""
        self.icon.hide()
        self.menu.deleteLater()


def create_alarm_tray(
    theme: Palette, metrics: Mapping[str, MetricConfig], title: str,
    currencies: Mapping[str, str] | None = None, parent: QObject | None = None,
    factory: TrayFactory = QSystemTrayIcon,
    available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
) -> AlarmTray | None:
    """A tray icon when the desktop has a system tray; None on a bare wall display."""
    if not available():
        return None
    return AlarmTray(theme, metrics, title, factory, currencies, parent)
