"""The configuration of the wall's panels, pages and screens: what check-config says."""

from __future__ import annotations

import pytest

from noc_board.config.loader import ConfigError, parse_config

BASE = """\
[board]
title = "Wall"

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://127.0.0.1:9090"

[[metrics]]
id = "svc.up"
source = "prom"
query = "up"

[[metrics]]
id = "svc.p95"
source = "prom"
query = "p95"
unit = "seconds"
"""


def errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + text, "wall.toml")
    return [str(e) for e in caught.value.errors]


def test_every_new_panel_kind_loads() -> None:
    config = parse_config(BASE + """
[[board.screens]]
name = "HDMI-1"
pages = ["Wall"]

[[pages]]
name = "Wall"
duration = "20s"

[[pages.panels]]
kind = "bars"
breakdown = "prom.targets"
limit = 5
unit = "count"

[[pages.panels]]
kind = "funnel"
metrics = ["svc.up", "svc.p95"]

[[pages.panels]]
kind = "flow"
breakdown = "prom.flow"

[[pages.panels]]
kind = "heatmap"
metrics = ["svc.p95"]
days = 14

[[pages.panels]]
kind = "status"
metrics = ["svc.up"]
response = ["svc.p95"]
window = "24h"

[[pages.panels]]
kind = "clock"
timezone = "Asia/Tokyo"

[[pages.panels]]
kind = "timeseries"
metrics = ["svc.p95"]
overlay = "week"

[[pages.panels]]
kind = "stat"
metrics = ["svc.p95"]
compare = "year"
""", "wall.toml")
    kinds = [p.kind for p in config.pages[0].panels]
    assert kinds == ["bars", "funnel", "flow", "heatmap", "status", "clock", "timeseries", "stat"]
    assert config.pages[0].duration == 20.0
    assert config.board.screens[0].name == "HDMI-1" and config.board.screens[0].fullscreen
    assert config.pages[0].panels[4].window == 86400.0


def test_panel_references_are_checked() -> None:
    found = errors("""
[[board.screens]]
name = "HDMI-1"
pages = ["Wal"]

[[pages]]
name = "Wall"

[[pages.panels]]
kind = "bars"

[[pages.panels]]
kind = "flow"
breakdown = "ga4.behaviour_flow"

[[pages.panels]]
kind = "funnel"
metrics = ["svc.up"]

[[pages.panels]]
kind = "status"
metrics = ["svc.up"]
response = ["svc.p95", "svc.nope"]

[[pages.panels]]
kind = "clock"
timezone = "Europe/Berln"

[[pages.panels]]
kind = "stat"
metrics = []
""")
    assert found == [
        "wall.toml:22: board.screens[0].pages[0]: unknown page 'Wal'; did you mean 'Wall'?",
        "wall.toml:27: pages[0].panels[0].breakdown: a bars panel needs the breakdown it "
        "shows, e.g. stripe.top_products",
        "wall.toml:32: pages[0].panels[1].breakdown: 'ga4.behaviour_flow' is not "
        "<source>.<table> of a configured source",
        "wall.toml:36: pages[0].panels[2].metrics: a funnel needs a breakdown or at least two "
        "metrics (its steps, in order)",
        "wall.toml:41: pages[0].panels[3].response: gives 2 response metrics for 1 services; "
        "give one per service",
        "wall.toml:41: pages[0].panels[3].response[1]: unknown metric 'svc.nope'; did you mean "
        "'svc.up'?",
        "wall.toml:45: pages[0].panels[4].timezone: unknown time zone 'Europe/Berln'; did you "
        "mean 'Europe/Berlin'?",
        "wall.toml:49: pages[0].panels[5].metrics: a panel shows at least one metric",
    ]


def test_choices_of_overlays_and_comparisons() -> None:
    found = errors("""
[[pages]]
name = "Wall"

[[pages.panels]]
kind = "timeseries"
metrics = ["svc.p95"]
overlay = "fortnight"
""")
    assert len(found) == 1 and "'fortnight' is not one of: none, previous_period, day" in found[0]
