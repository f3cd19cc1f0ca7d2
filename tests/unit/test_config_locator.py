"""The locator finds the line of a key path in TOML text, or of its nearest enclosing key."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noc_board.config.locator import KeyLocator

DOC = '''\
# comment with [brackets] and key = "value"
title = "top"

[board]
title = """
[[sources]]
name = "not a header"
"""
theme = 'dark' # trailing comment
"quoted key" = 1
site.name = "dotted"

[[sources]]
name = "a"
headers = { accept = "json", nested = { deep = 1 } }

[[sources]]
name = "b"
tags = [
  "one",   # comment, with ] bracket
  'two',
  { x = 1 },
]

[[pages]]
name = "p0"

[[pages.panels]]
kind = "stat"

[[pages]]
name = "p1"

[[pages.panels]]
kind = "stat"

[[pages.panels]]
kind = "timeseries"
metrics = ["m1",
           "m2"]

[pages.layout]
columns = 24
'''


@pytest.fixture(scope="module")
def locate() -> KeyLocator:
    tomllib.loads(DOC)  # the locator only ever sees valid TOML
    return KeyLocator(DOC)


def line(needle: str, occurrence: int = 1) -> int:
    hits = [n for n, text in enumerate(DOC.splitlines(), 1) if needle in text]
    return hits[occurrence - 1]


@pytest.mark.parametrize(
    ("path", "needle", "occurrence"),
    [
        (("title",), 'title = "top"', 1),
        (("board",), "[board]", 1),
        (("board", "title"), 'title = """', 1),
        (("board", "theme"), "theme = 'dark'", 1),
        (("board", "quoted key"), '"quoted key"', 1),
        (("board", "site"), "site.name", 1),
        (("board", "site", "name"), "site.name", 1),
        (("sources",), "[[sources]]", 2),
        (("sources", 0), "[[sources]]", 2),
        (("sources", 0, "name"), 'name = "a"', 1),
        (("sources", 0, "headers", "accept"), "headers = {", 1),
        (("sources", 0, "headers", "nested", "deep"), "headers = {", 1),
        (("sources", 1), "[[sources]]", 3),
        (("sources", 1, "tags", 0), '"one"', 1),
        (("sources", 1, "tags", 1), "'two'", 1),
        (("sources", 1, "tags", 2, "x"), "{ x = 1 }", 1),
        (("pages", 0, "panels", 0), "[[pages.panels]]", 1),
        (("pages", 1, "name"), 'name = "p1"', 1),
        (("pages", 1, "panels", 0, "kind"), 'kind = "stat"', 2),
        (("pages", 1, "panels", 1), "[[pages.panels]]", 3),
        (("pages", 1, "panels", 1, "metrics", 1), '"m2"', 1),
        (("pages", 1, "layout", "columns"), "columns", 1),
    ],
)
def test_finds_the_line(locate: KeyLocator, path: tuple[str | int, ...], needle: str,
                        occurrence: int) -> None:
    assert locate.line_of(path) == line(needle, occurrence)


def test_strings_that_look_like_headers_are_not_headers(locate: KeyLocator) -> None:
    # the first '[[sources]]' in DOC is inside a string: it must not count as an element,
    # so there is no third source and its path falls back to the first real header
    assert line("[[sources]]", 1) == 6
    assert locate.line_of(("sources", 2)) == line("[[sources]]", 2)
    assert locate.line_of(("sources", 0, "name")) == line('name = "a"')


def test_unknown_paths_fall_back_to_the_enclosing_key(locate: KeyLocator) -> None:
    assert locate.line_of(("sources", 1, "url")) == line("[[sources]]", 3)
    assert locate.line_of(("pages", 1, "panels", 0, "w")) == line("[[pages.panels]]", 2)
    assert locate.line_of(("nowhere", 3)) == 1


def test_windows_line_endings() -> None:
    text = '[board]\r\ntitle = "x"\r\n\r\n[[sources]]\r\nname = "a"\r\n'
    locate = KeyLocator(text)
    assert locate.line_of(("board", "title")) == 2
    assert locate.line_of(("sources", 0, "name")) == 5


def test_escaped_quotes_and_literal_backslashes() -> None:
    text = 'a = "he said \\"b = 1\\""\nb = \'C:\\path\\\'\nc = 3\n'
    assert tomllib.loads(text)["c"] == 3
    locate = KeyLocator(text)
    assert [locate.line_of((k,)) for k in "abc"] == [1, 2, 3]


_ids = st.lists(st.from_regex(r"[a-z]{1,6}(\.[a-z]{1,6})?", fullmatch=True), min_size=1,
                max_size=3)


@settings(max_examples=60, deadline=None)
@given(pages=st.lists(st.lists(st.tuples(_ids, st.booleans()), max_size=3), min_size=1,
                      max_size=3))
def test_every_panel_metric_is_found_on_the_line_it_was_written(
    pages: list[list[tuple[list[str], bool]]],
) -> None:
    lines: list[str] = []
    expected: dict[tuple[str | int, ...], int] = {}
    for p, panels in enumerate(pages):
        lines += ["[[pages]]", f'name = "page {p}"  # [[pages.panels]] in a comment', ""]
        for q, (metrics, multiline) in enumerate(panels):
            lines += ["[[pages.panels]]", 'kind = "stat"']
            if multiline:
                lines.append("metrics = [")
                for k, metric in enumerate(metrics):
                    lines.append(f'  "{metric}",')
                    expected[("pages", p, "panels", q, "metrics", k)] = len(lines)
                lines.append("]")
            else:
                lines.append("metrics = [" + ", ".join(f'"{m}"' for m in metrics) + "]")
                for k in range(len(metrics)):
                    expected[("pages", p, "panels", q, "metrics", k)] = len(lines)
            lines.append("")
    text = "\n".join(lines)
    tomllib.loads(text)
    locate = KeyLocator(text)
    for path, line_number in expected.items():
        assert locate.line_of(path) == line_number, path
