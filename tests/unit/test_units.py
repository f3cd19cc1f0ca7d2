"""Durations parse as written in configs; values read correctly on the wall."""

import pytest

from noc_board.core.units import Unit, format_duration, format_value, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15s", 15), ("5m", 300), ("1h30m", 5400), ("7d", 604800), ("250ms", 0.25), ("2w", 1209600)],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "5x", "m5", "1h 30m", "-5s"])
def test_bad_durations_say_how_to_write_them(text: str) -> None:
    with pytest.raises(ValueError, match="15s"):
        parse_duration(text)


def test_format_duration() -> None:
    assert format_duration(45) == "45s"
    assert format_duration(180) == "3m"
    assert format_duration(7500) == "2h 5m"
    assert format_duration(3 * 86400 + 4 * 3600) == "3d 4h"


def test_format_value_by_unit() -> None:
    assert format_value(0.0123, Unit.RATIO) == ("1.23", "%")
    assert format_value(0.5, Unit.RATIO) == ("50.0", "%")
    assert format_value(0.35, Unit.SECONDS) == ("350", "ms")
    assert format_value(12345.0, Unit.MONEY, "EUR") == ("12.3k", "EUR")
    assert format_value(41.5, Unit.MONEY) == ("41.50", "USD")
    assert format_value(1532, Unit.COUNT) == ("1,532", "")


def test_nan_is_never_drawn_as_a_number() -> None:
    assert format_value(float("nan"), Unit.COUNT) == ("—", "")
