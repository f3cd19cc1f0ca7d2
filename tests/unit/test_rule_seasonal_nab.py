"""The seasonal rule with its default settings on labelled NAB files (tests/unit/nab_data).

`bench/bench_detectors.py` scores the whole NAB subset; this keeps the defaults honest on two
files whose anomaly is a change of the daily shape: the rule must raise inside the labelled
window, and hardly anywhere else.
"""

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from noc_board.config.schema import RuleConfig
from noc_board.core.alarm_book import AlarmBook
from noc_board.core.rules.history import ArrayHistory
from noc_board.core.samples import Sample

DATA = Path(__file__).parent / "nab_data"
# NAB labels/combined_windows.json for these files
WINDOWS = {
    "art_daily_jumpsdown.csv": ("2014-04-10 16:15:00", "2014-04-12 01:45:00"),
    "art_daily_jumpsup.csv": ("2014-04-10 16:15:00", "2014-04-12 01:45:00"),
}


def utc(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def raises(name: str) -> tuple[list[float], list[str], np.ndarray]:
    with (DATA / name).open() as fh:
        rows = list(csv.DictReader(fh))
    times = np.array([utc(r["timestamp"]) for r in rows])
    values = np.array([float(r["value"]) for r in rows])
    now = [float(times[0])]
    book = AlarmBook([RuleConfig(id="nab", metric="m", kind="seasonal")],
                     history=ArrayHistory({"m": (times, values)}, now=lambda: now[0]))
    at: list[float] = []
    notes: list[str] = []
    for t, v in zip(times.tolist(), values.tolist(), strict=True):
        now[0] = t
        for event in book.observe([Sample("m", t, v)]):
            if event.event == "raised":
                at.append(t)
                notes.append(event.comment)
    return at, notes, times


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_flags_the_labelled_window_and_hardly_anything_else(name: str) -> None:
    at, notes, times = raises(name)
    start, end = (utc(t) for t in WINDOWS[name])
    probation = times[min(int(0.15 * times.size), 750)]  # NAB does not score the first 15%
    inside = [t for t in at if start <= t <= end]
    outside = [t for t in at if probation <= t and not start <= t <= end]
    assert inside, "the anomaly was missed"
    # NAB centres its window on the labelled anomaly (2014-04-11 09:00, when the day's high
    # should begin): the rule raises within half an hour of it
    assert inside[0] - utc("2014-04-11 09:00:00") <= 1800
    assert len(outside) <= 1
    # the files hold 14 days: a week-over-week baseline has one week, so the rule says it used
    # the time of day over the past days instead
    first = notes[at.index(inside[0])]
    assert "median of the past 7 days: only 1 week of history, 2 needed" in first
