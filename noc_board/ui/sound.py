"""The alarm horn: which clip sounds, how often, and when it must be quiet.

`AlarmHorn` decides; a `SoundSink` makes the noise. The horn sounds the clip of the loudest
severity among the alarms that want an operator (unacknowledged, or returned to normal
unacknowledged), at once when such an alarm appears or gets worse, then again every
`repeat` seconds on its own timer until every alarm is acknowledged. "Silence horn" is a timed
mute, not an acknowledgement: the alarms stay unacknowledged and flashing, the mute is journaled
by whoever listens to `silenced`, and an alarm worse than the loudest one silenced breaks it.

The real sink, `QSoundEffectSink`, imports QtMultimedia only when it is first used (DESIGN.md,
pinned facts: on Linux it needs libpulse), so a board without it still runs, visually alarmed.
It creates one `QSoundEffect` per clip, picks the default output device again before each play,
and reports "no audio output device" instead of failing; the horn then says so once (signal
`unavailable`) and keeps quiet until a play succeeds again (signal `restored`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, QUrl, Signal

from noc_board.config.schema import SEVERITIES
from noc_board.core.alarms import SEVERITY_RANK, Alarm
from noc_board.core.clock import Clock
from noc_board.resources import resource_path

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioDevice, QSoundEffect

log = logging.getLogger(__name__)

NO_DEVICE = "no audio output device: alarms are visual only"
HORN_TICK_MS = 1000  # how often the horn looks at the clock while something is loud or muted
_BY_RANK = {rank: severity for severity, rank in SEVERITY_RANK.items()}


def clip_paths() -> dict[str, Path]:
    """The bundled clip of each severity (resources/sounds/<severity>.wav)."""
    return {severity: resource_path("sounds", f"{severity}.wav") for severity in SEVERITIES}


class SoundSink(Protocol):
    """Something that plays a named clip. Methods return None on success, else the reason."""

    def prepare(self) -> str | None:
        """Load the clips ahead of the first alarm; why sound cannot play, or None."""
        ...

    def play(self, clip: str, volume: float) -> str | None:
        """Start `clip` (a severity) at `volume` (0-1, as perceived); None, or why not."""
        ...

    def stop(self) -> None:
        """Stop whatever is playing."""
        ...


@dataclass(frozen=True, slots=True)
class PlayRequest:
    """One play the horn asked for: the clip, the volume (0-1) and when (perf_counter)."""

    clip: str
    volume: float
    at: float


class RecordingSink:
    """A sink for tests and benchmarks: remembers every request; `device` says if one exists."""

    def __init__(self, device: bool = True) -> None:
        self.device = device
        self.plays: list[PlayRequest] = []
        self.stops = 0
        self.prepared = 0

    def prepare(self) -> str | None:
        self.prepared += 1
        return None if self.device else NO_DEVICE

    def play(self, clip: str, volume: float) -> str | None:
        if not self.device:
            return NO_DEVICE
        self.plays.append(PlayRequest(clip, volume, perf_counter()))
        return None

    def stop(self) -> None:
        self.stops += 1

    def clips(self) -> list[str]:
        """The clips played, in order."""
        return [p.clip for p in self.plays]


class QSoundEffectSink:
    """The real horn: one `QSoundEffect` per bundled clip, on the current default output.

    An effect is created once per clip and made again only when the default device changed
    (a QSoundEffect binds its audio sink to a device when the clip has loaded) or it failed.
    """

    def __init__(self, clips: Mapping[str, Path] | None = None, parent: QObject | None = None):
        self._clips = dict(clips) if clips is not None else clip_paths()
        self._parent = parent
        self._effects: dict[str, QSoundEffect] = {}
        self._broken: str | None = None  # QtMultimedia cannot be imported: the reason
        self._imported = False

    def _import(self) -> str | None:
        if self._imported or self._broken is not None:
            return self._broken
        try:
            from PySide6 import QtMultimedia  # noqa: F401  (lazy: needs libpulse on Linux)
        except ImportError as exc:
            self._broken = f"sound is off: QtMultimedia cannot be loaded ({exc})"
            return self._broken
        self._imported = True
        return None

    @staticmethod
    def _default_device() -> QAudioDevice | None:
        from PySide6.QtMultimedia import QMediaDevices

        device = QMediaDevices.defaultAudioOutput()
        return None if device.isNull() else device

    def _effect(self, clip: str, device: QAudioDevice) -> QSoundEffect:
        from PySide6.QtMultimedia import QSoundEffect

        effect = self._effects.get(clip)
        if (
            effect is not None
            and effect.audioDevice() == device
            and effect.status() is not QSoundEffect.Status.Error
        ):
            return effect
        if effect is not None:
            effect.stop()
            effect.deleteLater()
        effect = QSoundEffect(device, self._parent)
        effect.setSource(QUrl.fromLocalFile(str(self._clips[clip])))
        self._effects[clip] = effect
        return effect

    def prepare(self) -> str | None:
        reason = self._import()
        if reason is not None:
            return reason
        device = self._default_device()
        if device is None:
            return NO_DEVICE
        for clip in self._clips:
            self._effect(clip, device)
        return None

    def play(self, clip: str, volume: float) -> str | None:
        reason = self._import()
        if reason is not None:
            return reason
        if clip not in self._clips:
            return f"no clip for {clip!r}"
        from PySide6.QtMultimedia import QtAudio

        device = self._default_device()  # picked again before each play: it may have changed
        if device is None:
            return NO_DEVICE
        effect = self._effect(clip, device)
        effect.setAudioDevice(device)
        effect.setVolume(
            QtAudio.convertVolume(
                max(0.0, min(1.0, volume)),
                QtAudio.VolumeScale.LogarithmicVolumeScale,
                QtAudio.VolumeScale.LinearVolumeScale,
            )
        )
        for other, playing in self._effects.items():
            if other != clip:
                playing.stop()
        effect.play()  # while the clip still loads, QSoundEffect starts it once it is ready
        return None

    def stop(self) -> None:
        for effect in self._effects.values():
            effect.stop()

    def effects(self) -> dict[str, QSoundEffect]:
        """The effects made so far, by clip (for the real-sound test)."""
        return dict(self._effects)


class AlarmHorn(QObject):
    """Sounds the loudest unacknowledged severity until acknowledged; silence is a timed mute.

    Feed it every published alarm list with `update(alarms)`; time passes through `tick()`,
    which its own timer calls while anything is loud or muted (tests call it after moving the
    clock). `volume` is 0-100.

    Signals:
        played(str): a clip was handed to the sink (the severity).
        unavailable(str): the horn cannot sound, and why; once until it can again.
        restored(): the horn sounded again after being unavailable.
        silenced(str, float, object): operator, until (unix s) and the tuple of alarm keys
            that were sounding; not an acknowledgement.
        changed(): sounding or muted state changed (for the banner's horn line).
    """

    played = Signal(str)
    unavailable = Signal(str)
    restored = Signal()
    silenced = Signal(str, float, object)
    changed = Signal()

    def __init__(
        self, sink: SoundSink, clock: Clock, *, volume: int = 80, repeat: float = 10.0,
        silence_for: float = 300.0, parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.sink = sink
        self.clock = clock
        self.volume = max(0, min(100, volume))
        self.repeat = max(1.0, repeat)
        self.silence_for = silence_for
        self._pending: dict[str, int] = {}  # alarm key -> severity rank, of those wanting an ack
        self._loud: str | None = None
        self._next_play = 0.0
        self._muted_until: float | None = None
        self._muted_rank = -1
        self._unavailable: str | None = None
        self.timer = QTimer(self)
        self.timer.setObjectName("horn-repeat")
        self.timer.setInterval(min(HORN_TICK_MS, int(self.repeat * 1000)))
        self.timer.timeout.connect(self.tick)

    # --- state -----------------------------------------------------------------------------------

    @property
    def loud(self) -> str | None:
        """The severity whose clip the horn sounds now (None when all is acknowledged)."""
        return self._loud

    @property
    def muted_until(self) -> float | None:
        """When the silence ends, or None when the horn is not silenced."""
        return self._muted_until

    @property
    def sounding(self) -> bool:
        """Whether the horn repeats now: something is loud and it is not silenced."""
        return self._loud is not None and self._muted_until is None

    def pending_keys(self) -> tuple[str, ...]:
        """The alarms that make the horn sound (wanting an acknowledgement)."""
        return tuple(self._pending)

    # --- inputs -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the clips; says once (unavailable) when sound cannot play at all."""
        reason = self.sink.prepare()
        if reason is not None:
            self._report(reason)

    def update(self, alarms: Sequence[Alarm]) -> None:
        """The alarms after a transition: sound at once for a new or worse one."""
        pending = {a.key: SEVERITY_RANK.get(a.severity, 0) for a in alarms if a.needs_attention}
        fresh = any(rank > self._pending.get(key, -1) for key, rank in pending.items())
        self._pending = pending
        if not pending:
            self._quiet()
            return
        top = max(pending.values())
        was = (self._loud, self._muted_until)
        self._loud = _BY_RANK.get(top, "info")
        if self._muted_until is not None and top > self._muted_rank:
            log.info("a %s alarm breaks the horn's silence", self._loud)
            self._muted_until = None
        if not self.timer.isActive():
            self.timer.start()
        if fresh and self._muted_until is None:
            self._play(self.clock.now())
        if (self._loud, self._muted_until) != was:
            self.changed.emit()

    def silence(self, operator: str) -> float | None:
        """Mute for `silence_for` seconds; the end time, or None when nothing sounds."""
        if not self._pending:
            return None
        until = self.clock.now() + self.silence_for
        self._muted_until = until
        self._muted_rank = max(self._pending.values())
        self.sink.stop()
        log.info("horn silenced by %s for %.0f s", operator, self.silence_for)
        self.silenced.emit(operator, until, self.pending_keys())
        self.changed.emit()
        return until

    def tick(self) -> None:
        """Let time pass: the silence ends, or the repeat is due."""
        now = self.clock.now()
        if self._muted_until is not None:
            if now < self._muted_until:
                return
            self._muted_until = None
            self.changed.emit()
            if self._loud is not None:
                self._play(now)
            return
        if self._loud is not None and now >= self._next_play:
            self._play(now)

    def shutdown(self) -> None:
        """Stop the timer and the sound (teardown; idempotent)."""
        self.timer.stop()
        self.sink.stop()

    # --- internals --------------------------------------------------------------------------------

    def _quiet(self) -> None:
        changed = self._loud is not None or self._muted_until is not None
        self._loud = None
        self._muted_until = None
        self.timer.stop()
        self.sink.stop()
        if changed:
            self.changed.emit()

    def _play(self, now: float) -> None:
        clip = self._loud
        if clip is None:
            return
        self._next_play = now + self.repeat
        reason = self.sink.play(clip, self.volume / 100.0)
        if reason is not None:
            self._report(reason)
            return
        if self._unavailable is not None:
            log.info("the horn sounds again")
            self._unavailable = None
            self.restored.emit()
        self.played.emit(clip)

    def _report(self, reason: str) -> None:
        if self._unavailable is not None:
            return
        self._unavailable = reason
        log.warning("the alarm horn cannot sound: %s", reason)
        self.unavailable.emit(reason)
