"""Child process of the real-sound test: loads every bundled clip in a real QSoundEffect.

Run with PULSE_SERVER pointing at a PulseAudio server (the test starts a private one with a null
sink). Prints one JSON object on its last line of stdout:
{"import_error": str} when QtMultimedia cannot be imported, {"reason": str} when the sink says
sound cannot play, else {"device": str, "statuses": {clip: status}, "playing": bool}.
Arguments NAME=PATH add clips beside the bundled ones (the test adds a broken one).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    from PySide6.QtCore import QElapsedTimer, QEventLoop
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    try:
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
    except ImportError as exc:
        print(json.dumps({"import_error": str(exc)}))
        return 0
    from pathlib import Path

    from noc_board.ui.sound import QSoundEffectSink, clip_paths

    clips = clip_paths()
    for arg in sys.argv[1:]:
        name, _, path = arg.partition("=")
        clips[name] = Path(path)
    sink = QSoundEffectSink(clips)
    reason = sink.prepare()
    if reason is not None:
        print(json.dumps({"reason": reason}))
        return 0
    effects = sink.effects()
    waited = QElapsedTimer()
    waited.start()
    loop = QEventLoop()
    while waited.elapsed() < 15_000 and any(
        e.status() in (QSoundEffect.Status.Loading, QSoundEffect.Status.Null)
        for e in effects.values()
    ):
        loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    statuses = {clip: e.status().name for clip, e in effects.items()}
    played = sink.play("critical", 0.8)
    loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 100)
    playing = played is None and effects["critical"].isPlaying()
    sink.stop()
    device = QMediaDevices.defaultAudioOutput().description()
    print(json.dumps({"device": device, "statuses": statuses, "playing": playing}))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
