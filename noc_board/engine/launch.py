"""What every entry point does first: find the configuration, the secrets and, for the demo,
start the simulator and point the configuration at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from noc_board.config.loader import load_config
from noc_board.config.schema import Config
from noc_board.core.clock import Clock
from noc_board.resources import resource_path

# The simulator accepts any key of the right shape; these never leave loopback.
DEMO_SECRETS = {"stripe-api-key": "sk_test_demo", "ga4-token": "ya29.demo-token",
                "datadog-api-key": "demo-dd-api-key", "datadog-app-key": "demo-dd-app-key",
                "newrelic-api-key": "NRAK-DEMO", "paypal-client-secret": "demo-paypal-secret"}


@dataclass
class Launch:
    """A configuration ready to run, the secret lookup to use, and what to stop at the end."""

    config: Config
    config_path: Path
    secrets: Callable[[str], str | None]
    store_path: Path | None
    stop: Callable[[], None]
    # what a reloaded configuration needs before use (the demo points its sources at the server)
    adapt: Callable[[Config], Config] = lambda config: config


def demo_config_path() -> Path:
    return resource_path("config", "demo.toml")


def with_source_urls(config: Config, url: str) -> Config:
    """The same configuration with every source pointed at `url` (the demo server)."""
    sources = [dataclasses.replace(s, url=url) for s in config.sources]
    return dataclasses.replace(config, sources=sources)


def launch(config_path: Path | None, demo: bool, clock: Clock, with_store: bool = True) -> Launch:
    """Load and prepare. Raises ConfigError (with file:line: key: message) on a bad file."""
    if demo:
        from noc_board.demo.live import live_demo_scenario
        from noc_board.demo.server import DemoServer
        from noc_board.demo.simulator import MarketSimulator

        path = config_path or demo_config_path()
        config = load_config(path)
        server = DemoServer(MarketSimulator(live_demo_scenario(clock.now())), clock)
        server.start()
        config = with_source_urls(config, server.url)
        store_path = None
        if with_store:
            from noc_board.config.locations import data_dir

            store_path = data_dir() / "demo-journal.sqlite3"
        url = server.url
        return Launch(config, path, DEMO_SECRETS.get, store_path, server.stop,
                      lambda c: with_source_urls(c, url))

    from noc_board.config.locations import default_config_path, journal_file
    from noc_board.config.secrets import SecretStore

    path = config_path or default_config_path()
    config = load_config(path)
    store = SecretStore()
    journal = journal_file(config.board.store, path) if with_store else None
    return Launch(config, path, store.get, journal, lambda: None)
