"""The engine composes escalation and the Alertmanager sync, starts and stops them, and the demo
configuration's routes escalate without notifying anybody."""

from __future__ import annotations

from pathlib import Path

from noc_board.config.loader import load_config
from noc_board.config.schema import AlertmanagerConfig, Config, RouteConfig
from noc_board.core.clock import ManualClock
from noc_board.engine.runtime import Engine
from noc_board.resources import resource_path
from tests.engine.fakes.loopback import closed_port


def no_secrets(name: str) -> str | None:
    return None


async def test_the_engine_runs_escalation_and_the_sync_and_closes_them(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    config = Config(
        routes=[RouteConfig(name="tech", notify=["tech-hook"])],
        alertmanager=AlertmanagerConfig(url=url, auth="basic", username="u", secret="am-pass"),
    )
    engine = Engine.create(config, ManualClock(0.0), no_secrets, tmp_path / "board.db")
    assert engine.escalation is not None and engine.am_sync is not None
    assert engine.missing_secrets == ["am-pass"]
    assert engine.escalation.policy("tech") is not None
    engine.start()
    await engine.close()  # cancels both loops: nothing left running


async def test_without_an_alertmanager_url_there_is_no_sync(tmp_path: Path) -> None:
    engine = Engine.create(Config(), ManualClock(0.0), no_secrets, None)
    assert engine.am_sync is None and engine.escalation is not None
    await engine.close()


def test_the_demo_routes_have_levels_and_notify_nobody() -> None:
    config = load_config(resource_path("config", "demo.toml"))
    routes = {r.name: r for r in config.routes}
    assert set(routes) >= {"tech", "marketing", "customer-service"}
    assert all(r.levels for r in routes.values())
    assert not any(r.notify or any(lv.notify for lv in r.levels) for r in routes.values())
    assert config.alertmanager.url == ""
