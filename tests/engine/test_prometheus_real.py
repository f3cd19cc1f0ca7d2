"""The Prometheus connector against the real Prometheus and blackbox exporter from Debian.

Prometheus scrapes a blackbox exporter that probes two loopback URLs (one healthy, one dead)
every second; the connector reads `probe_success` and `probe_duration_seconds` with PromQL,
the targets' health from `/api/v1/targets`, history within the 11,000-point limit, and the
server's own 400 and 422 bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import SystemClock
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.prometheus import MAX_POINTS, PrometheusSource
from tests.conftest import real_binary
from tests.engine.fakes.loopback import LoopbackServer, Reply, SleepRecorder, closed_port

# one stack for the module: starting it and waiting for scrapes is most of the time
pytestmark = [pytest.mark.real_server, pytest.mark.asyncio(loop_scope="module")]

BLACKBOX_CONFIG = """\
modules:
  http_2xx:
    prober: http
    timeout: 1s
    http:
      preferred_ip_protocol: ip4
      valid_status_codes: []
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _process(args: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _wait_ready(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient(timeout=2, trust_env=False) as client:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            assert proc.poll() is None, f"{what} exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"{what} did not get ready"
            await asyncio.sleep(0.1)


@dataclass
class Stack:
    """The running servers: Prometheus' URL and the two probed URLs."""

    prometheus: str
    healthy: str
    dead: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("prometheus-real")
    prometheus = real_binary("prometheus")
    blackbox = real_binary("prometheus-blackbox-exporter")

    def site(request: Any) -> Reply:
        return Reply(200, "healthy\n") if request.path == "/health" else Reply(404, "no\n")

    async with LoopbackServer(site) as web:
        healthy = f"{web.url}/health"
        dead = f"http://127.0.0.1:{closed_port()}/health"
        bb_port, prom_port = _free_port(), _free_port()
        (tmp_path / "blackbox.yml").write_text(BLACKBOX_CONFIG, encoding="utf-8")
        (tmp_path / "prometheus.yml").write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n"
            "  - job_name: blackbox\n    metrics_path: /probe\n"
            "    params:\n      module: [http_2xx]\n"
            f"    static_configs:\n      - targets: ['{healthy}', '{dead}']\n"
            "    relabel_configs:\n"
            "      - source_labels: [__address__]\n        target_label: __param_target\n"
            "      - source_labels: [__param_target]\n        target_label: instance\n"
            f"      - target_label: __address__\n        replacement: 127.0.0.1:{bb_port}\n"
            "  - job_name: gone\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{closed_port()}']\n",
            encoding="utf-8",
        )
        with (
            _process([blackbox, f"--config.file={tmp_path / 'blackbox.yml'}",
                      f"--web.listen-address=127.0.0.1:{bb_port}"]) as bb,
            _process([prometheus, f"--config.file={tmp_path / 'prometheus.yml'}",
                      f"--web.listen-address=127.0.0.1:{prom_port}",
                      f"--storage.tsdb.path={tmp_path / 'data'}"]) as prom,
        ):
            await _wait_ready(f"http://127.0.0.1:{bb_port}/metrics", bb, "blackbox exporter")
            await _wait_ready(f"http://127.0.0.1:{prom_port}/-/ready", prom, "Prometheus")
            yield Stack(f"http://127.0.0.1:{prom_port}", healthy, dead)


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[HttpFetcher]:
    async with make_client(trust_env=False) as client:
        fetcher = HttpFetcher(client, RequestPolicy(timeout=5, max_retries=0),
                              SleepRecorder(), random.Random(1))
        yield fetcher
        await fetcher.aclose()


def _source(http: HttpFetcher, url: str, queries: dict[str, str],
            measures: tuple[str, ...] = ()) -> PrometheusSource:
    config = SourceConfig(name="prom", kind="prometheus", url=url)
    metrics = [MetricConfig(id=k, source="prom", query=q) for k, q in queries.items()]
    metrics += [MetricConfig(id=m, source="prom", measure=m) for m in measures]
    return PrometheusSource(config, metrics, http, SystemClock(), None)


async def _until(check: Any, what: str, limit: float = 12.0) -> dict[str, float]:
    """Poll until `check(values)` holds (scrapes happen every second)."""
    deadline = time.monotonic() + limit
    last: dict[str, float] = {}
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what}: never happened; last poll gave {last}")


async def test_blackbox_probes_and_targets_through_real_servers(
        stack: Stack, http: HttpFetcher) -> None:
    src = _source(http, stack.prometheus, {
        "ok.success": f'probe_success{{instance="{stack.healthy}"}}',
        "ok.duration": f'probe_duration_seconds{{instance="{stack.healthy}"}}',
        "dead.success": f'probe_success{{instance="{stack.dead}"}}',
    }, ("targets_up", "targets_down", "targets_up_ratio"))
    polls: list[Any] = []

    async def probed() -> dict[str, float]:
        result = await src.poll()
        polls.append(result)
        got = {s.metric: s.value for s in result.samples}
        ready = not any(math.isnan(got[k]) for k in ("ok.success", "dead.success")) and \
            got["targets_up"] + got["targets_down"] == 3
        return got if ready else {}

    got = await _until(probed, "blackbox probes scraped")
    assert got["ok.success"] == 1.0 and got["dead.success"] == 0.0
    assert 0 < got["ok.duration"] < 2.0
    # the blackbox job's scrapes succeed even when a probe fails; the `gone` job's cannot
    assert got["targets_up"] == 2 and got["targets_down"] == 1
    assert got["targets_up_ratio"] == pytest.approx(2 / 3)
    table = dict(polls[-1].breakdowns[0].rows)
    assert table[f"blackbox/{stack.healthy}"] == 1.0 and table[f"blackbox/{stack.dead}"] == 1.0
    assert [v for k, v in table.items() if k.startswith("gone/")] == [0.0]
    assert any(n.startswith("target gone/127.0.0.1:") and "connection refused" in n
               for n in polls[-1].notes)


async def test_backfill_keeps_under_the_real_resolution_limit(
        stack: Stack, http: HttpFetcher) -> None:
    src = _source(http, stack.prometheus, {"up": 'up{job="blackbox"}'})
    now = time.time()
    # a few seconds of history, so the (coarser) step grid meets some of it
    await _until(lambda: _scraped(http, stack.prometheus, 'up{job="blackbox"}', 4), "scrapes")
    result = await src.backfill(now - 3 * 3600, time.time(), 0.5)  # 21,600 points asked
    assert 0 < len(result.samples) <= MAX_POINTS + 1
    assert all(s.value == 1.0 for s in result.samples)
    with pytest.raises(SourceError, match="exceeded maximum resolution of 11,000 points"):
        await http.post_json(f"{stack.prometheus}/api/v1/query_range", data={
            "query": "up", "start": f"{now - 3 * 3600:.3f}", "end": f"{now:.3f}", "step": "0.5"})


async def _scraped(http: HttpFetcher, url: str, selector: str, times: int) -> dict[str, float]:
    """{"count": n} once some series of `selector` was scraped at least `times` times."""
    body = await http.post_json(f"{url}/api/v1/query",
                                data={"query": f"max(count_over_time({selector}[1m]))"})
    result = body["data"]["result"]
    count = float(result[0]["value"][1]) if result else 0.0
    return {"count": count} if count >= times else {}


async def test_real_error_bodies(stack: Stack, http: HttpFetcher) -> None:
    src = _source(http, stack.prometheus, {
        "fine": "vector(1)",
        "syntax": "up{",
        "execution": 'label_replace(up, "instance", "same", "", "")',  # duplicates
    })
    await _until(lambda: _scraped(http, stack.prometheus, "up", 1), "a first scrape")
    result = await src.poll()
    got = {s.metric: s.value for s in result.samples}
    assert got["fine"] == 1.0 and math.isnan(got["syntax"]) and math.isnan(got["execution"])
    notes = sorted(result.notes)
    assert notes[0].startswith("execution: HTTP 422 from Prometheus: execution: ")
    assert "same labelset" in notes[0]
    assert notes[1].startswith('syntax: HTTP 400 from Prometheus: bad_data: invalid parameter '
                               '"query"')
