"""Generates the alarm clips in resources/sounds/: one per severity, 16-bit PCM mono 44.1 kHz.

Run it from the repository root (`python tools/make_sounds.py`) and commit the WAVs it writes.
The output is deterministic (no noise, no randomness), so a re-run changes nothing.

The clips follow the shape of IEC 60601-1-8's alarm signals, which were designed to be told apart
and located by ear without being shrill: each "pulse" is a tone with a few harmonics (a bare sine
is hard to locate and sounds like a test tone), a soft attack and a short decay (no clicks), and
the priority is told by the number and rhythm of pulses rather than by loudness alone:

    info      two falling pulses, gentle                (a doorbell-like "ding-dong")
    warning   three rising pulses, medium               (the medium-priority triad)
    critical  3 + 2 fast pulses, loudest                (the high-priority burst)
"""

from __future__ import annotations

import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 44_100
SAMPLE_WIDTH = 2  # bytes: 16-bit PCM, what QSoundEffect plays everywhere
HARMONICS = (1.0, 0.5, 0.3, 0.18, 0.1)  # amplitudes of the fundamental and four overtones
ATTACK_S = 0.015
TAIL_S = 0.08  # silence at the end, so a repeat never runs into the previous clip

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Pulse:
    """One tone: where it starts in the clip, its fundamental and how long it sounds."""

    start: float
    freq: float
    length: float


@dataclass(frozen=True)
class Clip:
    """A clip: its pulses, peak level (0-1 of full scale) and how fast each pulse decays."""

    name: str
    pulses: tuple[Pulse, ...]
    peak: float
    decay: float  # per second, of the exponential tail of each pulse


def _pulse(pulse: Pulse, decay: float) -> FloatArray:
    n = round(pulse.length * RATE)
    t = np.arange(n, dtype=np.float64) / RATE
    tone = sum(
        amp * np.sin(2 * np.pi * pulse.freq * (k + 1) * t) for k, amp in enumerate(HARMONICS)
    )
    envelope = np.minimum(1.0, t / ATTACK_S) * np.exp(-decay * t)
    release = np.minimum(1.0, (pulse.length - t) / 0.01)  # a 10 ms fade so the end never clicks
    return np.asarray(tone * envelope * np.clip(release, 0.0, 1.0), dtype=np.float64)


def render(clip: Clip) -> npt.NDArray[np.int16]:
    """The clip's samples, normalised to its peak level."""
    end = max(p.start + p.length for p in clip.pulses) + TAIL_S
    out = np.zeros(round(end * RATE), dtype=np.float64)
    for pulse in clip.pulses:
        samples = _pulse(pulse, clip.decay)
        at = round(pulse.start * RATE)
        out[at:at + len(samples)] += samples
    out *= clip.peak / np.max(np.abs(out))
    return np.round(out * 32767).astype(np.int16)


C5, E5, G5, A4, C6 = 523.25, 659.25, 783.99, 440.0, 1046.5

CLIPS = (
    Clip("info", (Pulse(0.0, E5, 0.28), Pulse(0.3, C5, 0.4)), peak=0.45, decay=6.0),
    Clip(
        "warning",
        (Pulse(0.0, C5, 0.18), Pulse(0.22, E5, 0.18), Pulse(0.44, G5, 0.3)),
        peak=0.6,
        decay=5.0,
    ),
    Clip(
        "critical",
        (
            Pulse(0.0, C6, 0.1),
            Pulse(0.14, A4 * 2, 0.1),
            Pulse(0.28, C6, 0.1),
            Pulse(0.62, A4 * 2, 0.1),
            Pulse(0.76, C6, 0.16),
        ),
        peak=0.8,
        decay=3.0,
    ),
)


def write(path: Path, samples: npt.NDArray[np.int16]) -> None:
    """Write `samples` as a mono 16-bit PCM WAV at 44.1 kHz."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(RATE)
        out.writeframes(samples.astype("<i2").tobytes())


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else Path("resources/sounds")
    target.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        samples = render(clip)
        path = target / f"{clip.name}.wav"
        write(path, samples)
        print(f"{path}: {len(samples) / RATE * 1000:.0f} ms, peak {clip.peak:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
