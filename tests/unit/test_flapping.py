"""Flap detection (Nagios' weighted percent state change) and how the book damps it."""

from dataclasses import replace

from noc_board.config.schema import RuleConfig
from noc_board.core.alarm_book import AlarmBook
from noc_board.core.alarms import AlarmState
from noc_board.core.flapping import FlapDetector, FlapSettings, percent_state_change
from noc_board.core.samples import Sample


def test_percent_state_change_weights_newer_changes_more() -> None:
    assert percent_state_change([False] * 21) == 0.0
    assert percent_state_change([False, True] * 10 + [False]) == 100.0
    newest = [False] * 14 + [True, False] * 3 + [True]  # 7 changes, all recent
    oldest = [True, False] * 3 + [True] + [False] * 14  # 7 changes, all old
    # kpi-and-alarms.md 2.5: 7 changes in 21 checks is 35% unweighted, ~31% if mostly older
    assert 35.0 < percent_state_change(newest) < 45.0
    assert 25.0 < percent_state_change(oldest) < 35.0
    one_oldest = [True] + [False] * 20
    assert percent_state_change(one_oldest) == 0.75 * 100 / 20


def test_starts_at_the_high_level_and_stops_at_the_low_level() -> None:
    flap = FlapDetector(FlapSettings(start=20.0, stop=5.0))
    changes = [flap.record(state) for state in [False, True, False, True, False]]
    assert changes == [None, None, None, None, True]  # 4 recent changes: 4 x ~1.2 x 5 > 20%
    assert flap.flapping
    quiet = [flap.record(False) for _ in range(20)]
    assert quiet.count(False) == 1 and not flap.flapping  # stops once at most one old change
    stopped_after = quiet.index(False) + 1
    assert 16 <= stopped_after <= 20


def test_detection_can_be_turned_off() -> None:
    flap = FlapDetector(FlapSettings(start=0.0))
    assert [flap.record(s) for s in [False, True] * 10] == [None] * 20
    assert not flap.flapping


def book_with(rule: RuleConfig) -> AlarmBook:
    return AlarmBook([rule])


def test_the_book_holds_a_flapping_alarm_and_damps_its_notifications() -> None:
    rule = RuleConfig(id="r", metric="m", op="above", level=5.0, clear=5.0)
    book = book_with(rule)
    events = []
    t = 0.0
    for value in [1, 9, 1, 9, 1, 9, 1, 9, 1, 9, 1, 9]:  # breach and recover, again and again
        t += 60
        events += book.observe([Sample("m", t, float(value))])
    names = [e.event for e in events]
    # raised, cleared, raised, cleared... until flapping starts; then nothing but the value
    start = names.index("flapping_started")
    assert names[:start] == ["raised", "cleared", "raised", "cleared"][:start]
    assert "raised" not in names[start + 1:] and "cleared" not in names[start + 1:]
    alarm = book.alarm("r")
    assert alarm.flapping and alarm.active and alarm.state is AlarmState.UNACKED
    started = next(e for e in events if e.event == "flapping_started")
    assert "notifications damped" in started.comment
    # calm for 21 evaluations: flapping stops and, the value being fine, the alarm clears
    calm = []
    for _ in range(21):
        t += 60
        calm += book.observe([Sample("m", t, 1.0)])
    assert [e.event for e in calm] == ["flapping_stopped", "cleared"]
    assert not book.alarm("r").flapping and not book.alarm("r").active


def test_restored_flapping_alarm_keeps_its_flag() -> None:
    book = book_with(RuleConfig(id="r", metric="m", op="above", level=5.0))
    book.observe([Sample("m", 1.0, 9.0)])
    flapping = replace(book.alarm("r"), flapping=True)
    other = book_with(RuleConfig(id="r", metric="m", op="above", level=5.0))
    other.restore(flapping)
    assert other.alarm("r").flapping and other.rule("r").firing
