"""The loader names file, line and key for each kind of mistake, and reports them all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from noc_board.config.example import EXAMPLE_CONFIG
from noc_board.config.loader import (
    ConfigError,
    ConfigIssue,
    dotted,
    load_config,
    parse_config,
)
from noc_board.config.schema import (
    SOURCE_KINDS,
    BoardConfig,
    Config,
    MetricConfig,
    PageConfig,
    PanelConfig,
    RouteConfig,
    RuleConfig,
    SourceConfig,
)

FILE = "board.toml"

# Two sources and two metrics every test can refer to; tests append what they exercise.
BASE = """\
[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9090"

[[sources]]
name = "stripe"
kind = "stripe"
url = "http://127.0.0.1:12111"

[[metrics]]
id = "orders"
source = "stripe"
measure = "orders"

[[metrics]]
id = "errors"
source = "prom"
query = "sum(rate(errors_total[5m]))"
"""


def issues(text: str) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), FILE)
    return caught.value.errors


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line holding the `occurrence`-th line that contains `needle`."""
    hits = [n for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def only(text: str) -> ConfigIssue:
    found = issues(text)
    assert len(found) == 1, [str(i) for i in found]
    return found[0]


def test_issue_reads_file_line_key_message() -> None:
    issue = ConfigIssue("c.toml", 7, "sources[2].interval", "bad")
    assert str(issue) == "c.toml:7: sources[2].interval: bad"
    assert str(ConfigError([issue])) == "c.toml:7: sources[2].interval: bad"


def test_dotted_paths() -> None:
    assert dotted(("sources", 2, "interval")) == "sources[2].interval"
    assert dotted(("pages", 0, "panels", 1, "w")) == "pages[0].panels[1].w"
    assert dotted(("board",)) == "board"


def test_syntax_error_is_one_issue_with_tomllibs_line() -> None:
    text = '[board]\ntitle = "ok"\ntheme = \n'
    issue = only(text)
    assert (issue.file, issue.line, issue.key) == (FILE, 3, "syntax")
    assert issue.message.startswith("invalid TOML: Invalid value")
    assert "column" in issue.message


def test_syntax_error_at_end_of_document_points_at_last_line() -> None:
    issue = only('[board]\ntitle = "unterminated')
    assert issue.line == 2
    assert "end of the file" in issue.message


def test_wrong_type_names_expected_and_actual() -> None:
    text = BASE + '\n[board]\nhistory_points = "many"\n'
    issue = only(text)
    assert str(issue) == (f"{FILE}:{line_of(text, 'history_points')}: board.history_points: "
                          "expected an integer, got a string")


def test_bool_is_not_an_integer_but_int_is_a_float() -> None:
    text = BASE + "\n[board]\nhistory_points = true\n\n[[rules]]\nid = 'r'\nmetric = 'errors'\n" \
                  "level = 3\n"
    issue = only(text)
    assert issue.key == "board.history_points"
    assert issue.message == "expected an integer, got a boolean"
    config = parse_config(text.replace("history_points = true", "history_points = 50"), FILE)
    assert config.rules[0].level == 3.0 and isinstance(config.rules[0].level, float)


def test_float_is_not_an_integer() -> None:
    text = BASE + "\n[[pages]]\nname = 'p'\n[[pages.panels]]\nkind = 'stat'\n" \
                  "metrics = ['orders']\nw = 6.5\n"
    issue = only(text)
    assert (issue.key, issue.line) == ("pages[0].panels[0].w", line_of(text, "w = 6.5"))
    assert issue.message == "expected an integer, got a float"


def test_unknown_key_suggests_the_close_one() -> None:
    text = BASE.replace('url = "http://127.0.0.1:12111"',
                        'url = "http://127.0.0.1:12111"\nintervall = "15s"')
    issue = only(text)
    assert str(issue) == (f"{FILE}:{line_of(text, 'intervall')}: sources[1].intervall: "
                          "unknown key; did you mean 'interval'?")


def test_unknown_key_without_a_close_one_lists_the_known() -> None:
    issue = only("[board]\nwallpaper = 'x.png'\n")
    assert issue.key == "board.wallpaper"
    assert issue.message.startswith("unknown key; known keys: title, timezone, theme")


def test_unknown_top_level_table() -> None:
    text = BASE + "\n[[panels]]\nkind = 'stat'\n"
    issue = only(text)
    assert (issue.key, issue.line) == ("panels", line_of(text, "[[panels]]"))
    assert "did you mean 'pages'?" in issue.message


def test_durations_are_parsed_and_a_bare_number_is_seconds() -> None:
    text = BASE + "\n[board]\nrotate = '1h30m'\nstale_after = 90\n"
    board = parse_config(text, FILE).board
    assert board.rotate == 5400.0
    assert board.stale_after == 90.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"15 sec"', "'15 sec' is not a duration; write it like 15s, 5m, 1h or 7d"),
        ("true", 'expected a duration such as "15s", "5m" or "1h", got a boolean'),
        ("-5", "a duration cannot be negative"),
        ('"500ms"', "must be at least 1s (got 500ms)"),
    ],
)
def test_bad_duration(value: str, message: str) -> None:
    text = BASE.replace('url = "http://127.0.0.1:9090"',
                        f'url = "http://127.0.0.1:9090"\ninterval = {value}')
    issue = only(text)
    assert str(issue) == f"{FILE}:{line_of(text, 'interval =')}: sources[0].interval: {message}"


def test_bad_choice_lists_choices_and_suggests() -> None:
    text = BASE.replace('kind = "stripe"', 'kind = "strype"')
    issue = only(text)
    assert str(issue) == (f"{FILE}:{line_of(text, 'strype')}: sources[1].kind: 'strype' is not "
                          f"one of: {', '.join(SOURCE_KINDS)}; did you mean 'stripe'?")


def test_out_of_range_numbers() -> None:
    text = BASE + textwrap.dedent("""
        [board]
        history_points = 5

        [[pages]]
        name = "p"
        [[pages.panels]]
        kind = "stat"
        metrics = ["orders"]
        x = 2
        w = 30
        """)
    found = issues(text)
    assert [str(i) for i in found] == [
        f"{FILE}:{line_of(text, 'history_points')}: board.history_points: "
        "must be at least 10 (got 5)",
        f"{FILE}:{line_of(text, 'w = 30')}: pages[0].panels[0].w: must be at most 24 (got 30)",
    ]


def test_missing_required_key_points_at_its_table_header() -> None:
    text = BASE + '\n[[sources]]\nname = "ga"\nkind = "ga4"\nproperty_id = "1"\n'
    issue = only(text)
    assert str(issue) == (f"{FILE}:{line_of(text, '[[sources]]', 3)}: sources[2].url: "
                          "required key is missing")


def test_dangling_metric_in_a_panel_of_the_second_page_has_the_right_line() -> None:
    text = BASE + textwrap.dedent("""
        [[pages]]
        name = "Sales"

        [[pages.panels]]
        kind = "stat"
        metrics = ["orders"]

        [[pages]]
        name = "Health"

        [[pages.panels]]
        kind = "stat"
        metrics = ["errors"]

        [[pages.panels]]
        kind = "timeseries"
        metrics = [
            "errors",
            "orderz",   # a typo
        ]
        """)
    issue = only(text)
    assert str(issue) == (f"{FILE}:{line_of(text, 'orderz')}: pages[1].panels[1].metrics[1]: "
                          "unknown metric 'orderz'; did you mean 'orders'?")


def test_duplicate_names_and_ids_point_at_the_second_and_name_the_first() -> None:
    text = BASE + textwrap.dedent("""
        [[sources]]
        name = "prom"
        kind = "prometheus"
        url = "http://127.0.0.1:9091"

        [[metrics]]
        id = "orders"
        source = "stripe"
        measure = "orders"

        [[rules]]
        id = "r1"
        metric = "errors"

        [[rules]]
        id = "r1"
        metric = "orders"
        """)
    found = [str(i) for i in issues(text)]
    prom = [line_of(text, 'name = "prom"', n) for n in (1, 2)]
    orders = [line_of(text, 'id = "orders"', n) for n in (1, 2)]
    r1 = [line_of(text, 'id = "r1"', n) for n in (1, 2)]
    assert found == [
        f"{FILE}:{prom[1]}: sources[2].name: duplicate source name 'prom'; "
        f"sources[0] on line {prom[0]} has it too",
        f"{FILE}:{orders[1]}: metrics[2].id: duplicate metric id 'orders'; "
        f"metrics[0] on line {orders[0]} has it too",
        f"{FILE}:{r1[1]}: rules[1].id: duplicate rule id 'r1'; rules[0] on line {r1[0]} has it too",
    ]


def test_several_errors_are_reported_together_in_file_order() -> None:
    text = textwrap.dedent("""\
        [board]
        theme = "purple"
        title = 3

        [[sources]]
        name = "prom"
        kind = "prometheus"
        interval = "soon"

        [[metrics]]
        id = "m"
        source = "nowhere"
        colour = "red"

        [[rules]]
        id = "r"
        metric = "m"
        op = "above"
        level = 0.5
        clear = 0.9
        """)
    found = issues(text)
    assert [(i.line, i.key) for i in found] == [
        (2, "board.theme"),
        (3, "board.title"),
        (5, "sources[0].url"),
        (8, "sources[0].interval"),
        (12, "metrics[0].source"),
        (13, "metrics[0].colour"),
        (20, "rules[0].clear"),
    ]
    assert all(i.file == FILE for i in found)


def test_an_invalid_name_does_not_make_its_references_dangle() -> None:
    text = BASE.replace('name = "prom"', "name = 7")
    issue = only(text)
    assert issue.key == "sources[0].name"


def test_an_element_that_is_not_a_table() -> None:
    text = BASE + '\nsources = 3\n'
    # a key after [[metrics]] belongs to that metric: it is an unknown key there
    issue = only(text)
    assert issue.key == "metrics[1].sources"


def test_metric_needs_query_or_measure_by_source_kind() -> None:
    text = BASE.replace('measure = "orders"\n', "").replace(
        'query = "sum(rate(errors_total[5m]))"\n', "")
    found = issues(text)
    assert [(i.key, i.line) for i in found] == [
        ("metrics[0].measure", line_of(text, "[[metrics]]", 1)),
        ("metrics[1].query", line_of(text, "[[metrics]]", 2)),
    ]
    assert "stripe source ('stripe')" in found[0].message
    assert "prometheus source ('prom')" in found[1].message


def test_metric_source_must_exist() -> None:
    text = BASE.replace('source = "stripe"', 'source = "strip"')
    issue = only(text)
    assert issue.key == "metrics[0].source"
    assert issue.message == "unknown source 'strip'; did you mean 'stripe'?"


def test_ga4_source_needs_a_numeric_property_id() -> None:
    text = BASE + '\n[[sources]]\nname = "ga"\nkind = "ga4"\nurl = "http://127.0.0.1:1"\n'
    issue = only(text)
    assert issue.key == "sources[2].property_id"
    assert issue.message == "required for a ga4 source (the numeric property id)"
    issue = only(text + 'property_id = "properties/12"\n')
    assert issue.line == line_of(text + 'property_id = "x"\n', "property_id")


@pytest.mark.parametrize(
    ("op", "level", "clear", "ok"),
    [("above", 0.5, 0.4, True), ("above", 0.5, 0.5, True), ("above", 0.5, 0.6, False),
     ("below", 10, 12, True), ("below", 10, 8, False)],
)
def test_clear_must_be_on_the_normal_side_of_level(
    op: str, level: float, clear: float, ok: bool
) -> None:
    text = BASE + (f'\n[[rules]]\nid = "r"\nmetric = "errors"\nop = "{op}"\nlevel = {level}\n'
                   f"clear = {clear}\n")
    if ok:
        assert parse_config(text, FILE).rules[0].clear == clear
    else:
        issue = only(text)
        assert (issue.key, issue.line) == ("rules[0].clear", line_of(text, "clear ="))
        assert f'op = "{op}"' in issue.message


def test_rule_metric_and_route_must_exist() -> None:
    text = BASE + textwrap.dedent("""
        [[routes]]
        name = "tech"

        [[rules]]
        id = "r"
        metric = "error"
        route = "tek"
        """)
    found = issues(text)
    assert [(i.key, i.message) for i in found] == [
        ("rules[0].metric", "unknown metric 'error'; did you mean 'errors'?"),
        ("rules[0].route", "unknown route 'tek'; known: tech"),
    ]


def test_panel_must_fit_the_grid_and_show_a_metric() -> None:
    text = BASE + "\n[[pages]]\nname = 'p'\n[[pages.panels]]\nkind = 'stat'\nmetrics = []\n" \
                  "x = 20\nw = 6\n"
    found = issues(text)
    assert [(i.key, i.message) for i in found] == [
        ("pages[0].panels[0].metrics", "a panel shows at least one metric"),
        ("pages[0].panels[0].w", "x + w is 26; the grid has 24 columns"),
    ]


def test_unknown_time_zone() -> None:
    issue = only("[board]\ntimezone = 'Europe/Berln'\n")
    assert issue.key == "board.timezone"
    assert "did you mean 'Europe/Berlin'?" in issue.message


def test_authenticated_source_needs_a_secret_name() -> None:
    text = BASE.replace('kind = "stripe"', 'kind = "stripe"\nauth = "basic"')
    found = issues(text)
    assert [i.key for i in found] == ["sources[1].secret", "sources[1].username"]


SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        (f'token = "{SECRET}"', "sources[1].token"),
        ('password = "hunter2hunter2"', "sources[1].password"),
        ('api_key = "abc"', "sources[1].api_key"),
        (f'secret = "{SECRET}"', "sources[1].secret"),
        ('username = "Bearer abcdefghijklmnop"', "sources[1].username"),
    ],
)
def test_secrets_in_the_file_are_errors_that_do_not_repeat_them(line: str, key: str) -> None:
    text = BASE.replace('kind = "stripe"', f'kind = "stripe"\n{line}')
    issue = only(text)
    assert (issue.key, issue.line) == (key, line_of(text, line))
    assert "noc-board secrets set" in issue.message
    value = line.split("=", 1)[1].strip().strip('"')
    assert value not in str(issue)


def test_password_in_a_url_is_an_error() -> None:
    text = BASE.replace("http://127.0.0.1:9090", "http://admin:s3cret@127.0.0.1:9090")
    issue = only(text)
    assert issue.key == "sources[0].url"
    assert "password inside a URL" in issue.message
    assert "s3cret" not in issue.message


def test_a_keyring_name_must_look_like_a_name() -> None:
    text = BASE.replace('kind = "stripe"', 'kind = "stripe"\nauth = "bearer"\n'
                                           'secret = "my stripe key"')
    issue = only(text)
    assert issue.key == "sources[1].secret"
    assert "keyring entry" in issue.message


FULL = """\
[board]
title = "Ops"
timezone = "Europe/Berlin"
theme = "light"
history_points = 600
store = "journal.db"
operators = ["ana", "ben"]
stale_after = "2m"
rotate = "45s"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9090"
interval = "10s"
timeout = "2500ms"
auth = "basic"
username = "board"
secret = "prom-password"
max_body_mb = 5

[[metrics]]
id = "errors"
source = "prom"
label = "Errors"
query = "sum(rate(errors_total[5m]))"
unit = "per_second"
good = "down"

[[pages]]
name = "Health"

[[pages.panels]]
kind = "timeseries"
title = "Errors"
metrics = ["errors"]
x = 12
y = 4
w = 12
h = 8
compare = "week"
window = "6h"

[[pages]]
name = "Empty"

[[rules]]
id = "errors-high"
metric = "errors"
op = "above"
level = 5
clear = 2.5
hold = "5m"
severity = "critical"
route = "tech"
summary = "Errors are high"

[[routes]]
name = "tech"
notify = ["tech-pager"]
"""


def test_a_full_file_parses_to_the_expected_dataclasses() -> None:
    assert parse_config(FULL, FILE) == Config(
        board=BoardConfig(
            title="Ops", timezone="Europe/Berlin", theme="light", history_points=600,
            store="journal.db", operators=["ana", "ben"], stale_after=120.0, rotate=45.0),
        sources=[SourceConfig(
            name="prom", kind="prometheus", url="http://127.0.0.1:9090", interval=10.0,
            timeout=2.5, auth="basic", username="board", secret="prom-password",
            property_id="", currency="USD", max_body_mb=5.0)],
        metrics=[MetricConfig(
            id="errors", source="prom", label="Errors", query="sum(rate(errors_total[5m]))",
            measure="", unit="per_second", good="down")],
        pages=[
            PageConfig(name="Health", panels=[PanelConfig(
                kind="timeseries", metrics=["errors"], title="Errors", x=12, y=4, w=12, h=8,
                compare="week", window=21600.0)]),
            PageConfig(name="Empty", panels=[]),
        ],
        rules=[RuleConfig(
            id="errors-high", metric="errors", kind="threshold", op="above", level=5.0,
            clear=2.5, hold=300.0, severity="critical", route="tech",
            summary="Errors are high")],
        routes=[RouteConfig(name="tech", notify=["tech-pager"])],
    )


def test_an_empty_file_is_the_defaults() -> None:
    assert parse_config("", FILE) == Config()


def test_the_documented_example_is_valid() -> None:
    config = parse_config(EXAMPLE_CONFIG, "example.toml")
    assert [s.kind for s in config.sources] == ["prometheus", "stripe", "ga4"]
    assert len(config.pages) == 2


def test_load_config_reads_utf8_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.encode())
    assert load_config(path).board.title == "Ops"


def test_load_config_names_the_file_in_every_issue(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[board]\ntheme = 'sepia'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [str(i) for i in caught.value.errors] == [
        f"{path}:2: board.theme: 'sepia' is not one of: dark, light"]


def test_load_config_missing_or_undecodable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert str(caught.value).startswith(f"{missing}:0: file: cannot read the file: ")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"[board]\ntitle = 'caf\xe9'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(latin)
    assert str(caught.value) == f"{latin}:2: file: the file is not UTF-8 text"


def test_exchange_rates_are_a_table_of_numbers() -> None:
    text = BASE.replace(
        'kind = "stripe"\n', 'kind = "stripe"\nrates = { JPY = 0.0067, EUR = 1.09 }\n'
    )
    config = parse_config(textwrap.dedent(text), FILE)
    stripe = config.source("stripe")
    assert stripe is not None and stripe.rates == {"JPY": 0.0067, "EUR": 1.09}


def test_a_rate_that_is_not_a_number_names_its_key() -> None:
    text = BASE.replace('kind = "stripe"\n', 'kind = "stripe"\nrates = { JPY = "cheap" }\n')
    issue = only(text)
    assert issue.key == "sources[1].rates.JPY"
    assert issue.line == line_of(text, "rates =")
    assert "number" in issue.message
