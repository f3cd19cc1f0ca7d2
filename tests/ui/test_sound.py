"""The alarm horn: which clip, how often, stopped by acknowledgement, silenced (not acked), no
device said once; the bundled clips; and the real QSoundEffect loading each of them."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from noc_board.core.alarms import Alarm, AlarmState
from noc_board.core.clock import ManualClock
from noc_board.resources import resource_path
from noc_board.ui.sound import NO_DEVICE, AlarmHorn, RecordingSink, clip_paths

from .conftest import START

ROOT = Path(__file__).resolve().parents[2]


def alarm(key: str, severity: str, state: AlarmState = AlarmState.UNACKED) -> Alarm:
    return Alarm(key=key, rule=key, metric=f"m.{key}", severity=severity, state=state,
                 active=state is not AlarmState.RTN_UNACKED, value=1.0, raised_at=START)


def acked(a: Alarm) -> Alarm:
    return replace(a, state=AlarmState.ACKED, acked_by="alice")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def horn(qapp: object, sink: RecordingSink, clock: ManualClock) -> Iterator[AlarmHorn]:
    h = AlarmHorn(sink, clock, volume=60, repeat=10.0, silence_for=300.0)
    yield h
    h.shutdown()
    assert not h.timer.isActive()


def advance(horn: AlarmHorn, clock: ManualClock, seconds: int) -> None:
    """Move time one second at a time, ticking the horn as its timer would."""
    for _ in range(seconds):
        clock.advance(1)
        horn.tick()


# --- which clip, how often -----------------------------------------------------------------------


def test_the_loudest_unacked_severity_sounds_at_once_and_repeats(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock
) -> None:
    horn.update([alarm("w", "warning"), acked(alarm("c", "critical")), alarm("i", "info")])
    assert sink.clips() == ["warning"]  # the acked critical does not sound
    assert sink.plays[0].volume == pytest.approx(0.6)
    assert horn.timer.isActive() and horn.sounding
    advance(horn, clock, 9)
    assert sink.clips() == ["warning"]
    advance(horn, clock, 1)
    assert sink.clips() == ["warning", "warning"]
    advance(horn, clock, 25)
    assert sink.clips() == ["warning"] * 4  # at 0, 10, 20, 30 s


def test_a_new_worse_alarm_switches_the_clip_at_once(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock
) -> None:
    horn.update([alarm("w", "warning")])
    advance(horn, clock, 3)
    horn.update([alarm("w", "warning"), alarm("c", "critical")])
    assert sink.clips() == ["warning", "critical"]
    assert horn.loud == "critical"
    horn.update([alarm("w", "warning"), alarm("c", "critical")])  # republished, nothing new
    assert sink.clips() == ["warning", "critical"]
    advance(horn, clock, 10)
    assert sink.clips() == ["warning", "critical", "critical"]


def test_returned_to_normal_unacknowledged_still_sounds(
    horn: AlarmHorn, sink: RecordingSink
) -> None:
    horn.update([alarm("c", "critical", AlarmState.RTN_UNACKED)])
    assert sink.clips() == ["critical"]


def test_acknowledging_stops_the_horn(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock
) -> None:
    c = alarm("c", "critical")
    horn.update([c])
    stops = sink.stops
    horn.update([acked(c)])
    assert sink.stops == stops + 1 and horn.loud is None and not horn.timer.isActive()
    advance(horn, clock, 60)
    assert sink.clips() == ["critical"]
    horn.update([replace(c, state=AlarmState.NORMAL, active=False)])
    assert sink.clips() == ["critical"]


def test_a_lower_severity_left_unacked_takes_over_at_the_next_repeat(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock
) -> None:
    w, c = alarm("w", "warning"), alarm("c", "critical")
    horn.update([w, c])
    advance(horn, clock, 4)
    horn.update([w, acked(c)])
    assert horn.loud == "warning" and sink.clips() == ["critical"]
    advance(horn, clock, 6)
    assert sink.clips() == ["critical", "warning"]


# --- silence is not an acknowledgement ------------------------------------------------------------


def test_silence_is_a_timed_mute_not_an_acknowledgement(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock, qtbot: QtBot
) -> None:
    c = alarm("c", "critical")
    horn.update([c])
    with qtbot.waitSignal(horn.silenced) as blocker:
        until = horn.silence("alice")
    assert until == START + 300.0
    assert blocker.args == ["alice", START + 300.0, ("c",)]
    assert sink.stops >= 1 and horn.muted_until == until and not horn.sounding
    assert horn.pending_keys() == ("c",)  # still wanting an acknowledgement
    advance(horn, clock, 299)
    horn.update([c])  # the same alarm republished: still muted
    assert sink.clips() == ["critical"]
    advance(horn, clock, 1)
    assert sink.clips() == ["critical", "critical"]  # the silence ran out: it sounds again
    assert horn.muted_until is None and horn.sounding


def test_silencing_when_nothing_sounds_does_nothing(horn: AlarmHorn, sink: RecordingSink) -> None:
    assert horn.silence("alice") is None
    horn.update([acked(alarm("c", "critical"))])
    assert horn.silence("alice") is None and horn.muted_until is None


def test_a_worse_alarm_breaks_the_silence_an_equal_one_does_not(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock
) -> None:
    w1 = alarm("w1", "warning")
    horn.update([w1])
    horn.silence("bob")
    clock.advance(30)
    horn.update([w1, alarm("w2", "warning")])
    assert sink.clips() == ["warning"] and horn.muted_until is not None
    horn.update([w1, alarm("w2", "warning"), alarm("c", "critical")])
    assert sink.clips() == ["warning", "critical"]
    assert horn.muted_until is None and horn.sounding


def test_acknowledging_everything_ends_the_silence(
    horn: AlarmHorn, sink: RecordingSink, clock: ManualClock
) -> None:
    c = alarm("c", "critical")
    horn.update([c])
    horn.silence("bob")
    horn.update([acked(c)])
    assert horn.muted_until is None
    clock.advance(20)
    horn.update([acked(c), alarm("i", "info")])  # a new alarm after the ack sounds at once
    assert sink.clips() == ["critical", "info"]


# --- no audio device ------------------------------------------------------------------------------


def test_no_device_is_said_once_and_again_only_after_sound_came_back(
    qapp: object, clock: ManualClock, qtbot: QtBot
) -> None:
    sink = RecordingSink(device=False)
    horn = AlarmHorn(sink, clock, repeat=10.0)
    notices: list[str] = []
    restored: list[bool] = []
    played: list[str] = []
    horn.unavailable.connect(notices.append)
    horn.restored.connect(lambda: restored.append(True))
    horn.played.connect(played.append)
    horn.start()
    horn.update([alarm("c", "critical")])
    advance(horn, clock, 45)
    assert notices == [NO_DEVICE] and played == [] and sink.prepared == 1
    assert horn.loud == "critical"  # still alarmed: the board keeps flashing
    sink.device = True
    advance(horn, clock, 10)
    assert restored == [True] and played == ["critical"]
    sink.device = False
    advance(horn, clock, 10)
    assert notices == [NO_DEVICE, NO_DEVICE]
    horn.shutdown()


def test_volume_is_clamped_to_0_100(qapp: object, clock: ManualClock) -> None:
    sink = RecordingSink()
    loud = AlarmHorn(sink, clock, volume=250)
    loud.update([alarm("c", "critical")])
    quiet = AlarmHorn(sink, clock, volume=-5)
    quiet.update([alarm("c", "critical")])
    assert [p.volume for p in sink.plays] == [1.0, 0.0]
    loud.shutdown()
    quiet.shutdown()


# --- the bundled clips ----------------------------------------------------------------------------


def _load_make_sounds(monkeypatch: pytest.MonkeyPatch) -> object:
    spec = importlib.util.spec_from_file_location("make_sounds", ROOT / "tools" / "make_sounds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_sounds", module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_each_severity_has_a_distinct_16_bit_pcm_clip_of_at_least_300_ms() -> None:
    fingerprints = set()
    paths = clip_paths()
    assert set(paths) == {"info", "warning", "critical"}
    for severity, path in paths.items():
        assert path == resource_path("sounds", f"{severity}.wav") and path.is_file()
        with wave.open(str(path), "rb") as clip:
            assert clip.getcomptype() == "NONE"
            assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (
                1, 2, 44_100,
            )
            frames = clip.readframes(clip.getnframes())
            assert clip.getnframes() / clip.getframerate() >= 0.3
        samples = np.frombuffer(frames, dtype="<i2")
        peak = int(np.max(np.abs(samples.astype(np.int32))))
        assert 8_000 < peak < 32_767, f"{severity}: audible but never clipped"
        assert abs(int(samples[0])) < 200 and abs(int(samples[-1])) < 200  # no click
        fingerprints.add(frames[:20_000])
    assert len(fingerprints) == 3


def test_the_committed_clips_are_what_the_generator_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_sounds = _load_make_sounds(monkeypatch)
    for clip in make_sounds.CLIPS:  # type: ignore[attr-defined]
        rendered = make_sounds.render(clip)  # type: ignore[attr-defined]
        with wave.open(str(resource_path("sounds", f"{clip.name}.wav")), "rb") as wav:
            committed = wav.readframes(wav.getnframes())
        assert rendered.astype("<i2").tobytes() == committed, clip.name


# --- the real QSoundEffect ------------------------------------------------------------------------


def test_the_real_qsoundeffect_loads_every_bundled_clip(pulse_server: str) -> None:
    broken = Path(tempfile.mkdtemp(prefix="noc-clip-")) / "broken.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot really a wave file")
    env = {**os.environ, "PULSE_SERVER": pulse_server, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("sound_probe.py")), f"broken={broken}"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    shutil.rmtree(broken.parent, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "import_error" in result:
        pytest.fail(
            f"PySide6.QtMultimedia cannot be imported ({result['import_error']}): the horn "
            "needs it; on Debian install libpulse0"
        )
    assert "reason" not in result, result
    assert result["device"] == "Null Output"
    assert result["statuses"] == {
        "info": "Ready", "warning": "Ready", "critical": "Ready", "broken": "Error",
    }
    assert result["playing"] is True
