"""The built-in HTTP probe against loopback servers: each way a URL can be down, told apart."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from noc_board.config.schema import MetricConfig, ProbeTargetConfig, SourceConfig
from noc_board.core.clock import ManualClock, SystemClock
from noc_board.sources.base import SourceError
from noc_board.sources.http import HttpFetcher, make_client
from noc_board.sources.probe import ProbeSource, target_url
from noc_board.sources.probe_check import ProbeResult
from noc_board.sources.tls import cert_not_after
from tests.engine.fakes.loopback import LoopbackServer, Reply, Request, SleepRecorder, closed_port
from tests.engine.fakes.tls import CertFiles, TlsLoopbackServer, issue, make_ca

FIELDS = ("up", "status", "response_time", "tls_days_left")


async def _held(release: asyncio.Event) -> Reply:
    await release.wait()
    return Reply(200, "late\n")


def site(request: Request, release: asyncio.Event | None = None) -> Reply | Awaitable[Reply]:
    if request.path == "/slow" and release is not None:
        return _held(release)  # answers only once the test lets it
    routes = {
        "/ok": Reply(200, "fine\n"),
        "/health": Reply(204),
        "/missing": Reply(404, "404 page not found\n"),
        "/old": Reply(301, "", headers={"Location": "/ok"}),
        "/loop": Reply(302, "", headers={"Location": "/loop"}),
        "/busy": Reply(200, "x" * 1000, delay=0.15),
        "/broken": Reply(200, hang_up=True),
    }
    path = request.path.removeprefix("/prefix")  # a server under a path prefix, or not
    return routes.get(path, Reply(404, "404 page not found\n"))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    release = asyncio.Event()
    async with LoopbackServer(lambda request: site(request, release)) as s:
        yield s
        release.set()
        await asyncio.sleep(0.05)  # the held answer goes out before the server closes


def probe(client: httpx.AsyncClient, url: str, targets: list[ProbeTargetConfig],
          fetcher: HttpFetcher | None = None, **cfg: Any) -> ProbeSource:
    config = SourceConfig(name="probe", kind="probe", url=url, timeout=3.0, targets=targets,
                          **cfg)
    metrics = [MetricConfig(id=f"p.{t.name}.{f}", source="probe", measure=f"{t.name}.{f}")
               for t in targets for f in FIELDS]
    http = fetcher or HttpFetcher(client, None, SleepRecorder(), random.Random(1))
    return ProbeSource(config, metrics, http, SystemClock())


def values(result: Any, name: str) -> dict[str, float]:
    prefix = f"p.{name}."
    return {s.metric.removeprefix(prefix): s.value for s in result.samples
            if s.metric.startswith(prefix)}


async def test_up_down_and_redirects_over_http(client: httpx.AsyncClient,
                                               server: LoopbackServer) -> None:
    targets = [
        ProbeTargetConfig("ok", "/ok"),
        ProbeTargetConfig("prefixed", "health"),  # relative to the source's url and its path
        ProbeTargetConfig("missing", "/missing"),
        ProbeTargetConfig("moved", "/old"),
        ProbeTargetConfig("moved_raw", "/old", follow_redirects=False),
        ProbeTargetConfig("moved_expected", "/old", expect=[301], follow_redirects=False),
        ProbeTargetConfig("loop", server.url + "/loop"),
        ProbeTargetConfig("picky", "/ok", expect=[204]),
    ]
    src = probe(client, server.url + "/prefix/", targets)
    result = await src.poll()
    assert values(result, "ok")["up"] == 1 and values(result, "ok")["status"] == 200
    assert values(result, "ok")["response_time"] > 0
    assert math.isnan(values(result, "ok")["tls_days_left"])  # plain HTTP
    assert values(result, "prefixed")["status"] == 204
    missing = values(result, "missing")
    assert missing["up"] == 0 and missing["status"] == 404 and missing["response_time"] > 0
    assert values(result, "moved")["up"] == 1 and values(result, "moved")["status"] == 200
    assert src.results["moved"].reason == f"ok after 1 redirect to {server.url}/ok"
    assert src.results["moved"].redirects == 1
    assert values(result, "moved_raw")["up"] == 0 and values(result, "moved_raw")["status"] == 301
    assert values(result, "moved_expected")["up"] == 1
    assert values(result, "loop")["up"] == 0 and math.isnan(values(result, "loop")["status"])
    assert result.notes == (
        "missing: down: HTTP 404 (expected 2xx)",
        "moved_raw: down: HTTP 301 redirect to /ok (expected 2xx)",
        "loop: down: too many redirects",
        "picky: down: HTTP 200 (expected 204)",
    )
    (table,) = result.breakdowns
    assert table.metric == "probe.targets"
    assert dict(table.rows) == {"ok": 1, "prefixed": 1, "missing": 0, "moved": 1,
                                "moved_raw": 0, "moved_expected": 1, "loop": 0, "picky": 0}


async def test_connection_failures_are_each_named(client: httpx.AsyncClient,
                                                  server: LoopbackServer) -> None:
    targets = [
        ProbeTargetConfig("refused", f"http://127.0.0.1:{closed_port()}/"),
        ProbeTargetConfig("nowhere", "http://no-such-host.invalid/health"),
        ProbeTargetConfig("slow", "/slow", timeout=0.3),
        ProbeTargetConfig("hangup", "/broken"),
        ProbeTargetConfig("ftp", "ftp://127.0.0.1/file"),
    ]
    result = await probe(client, server.url, targets).poll()
    notes = dict(note.split(": down: ", 1) for note in result.notes)
    assert notes["refused"] == "connection refused"
    assert notes["nowhere"].startswith("DNS lookup failed: ")
    assert notes["slow"] == "timed out after 0.3s"
    assert notes["hangup"].startswith("bad HTTP answer: ")
    assert notes["ftp"].startswith("bad URL: ")
    for name in notes:
        got = values(result, name)
        assert got["up"] == 0 and math.isnan(got["status"]) and math.isnan(got["response_time"])


async def test_response_time_covers_the_answer(client: httpx.AsyncClient,
                                               server: LoopbackServer) -> None:
    result = await probe(client, server.url, [ProbeTargetConfig("busy", "/busy")]).poll()
    assert 0.15 <= values(result, "busy")["response_time"] < 2.0


async def test_injected_timer_and_clock(client: httpx.AsyncClient,
                                        server: LoopbackServer) -> None:
    ticks = iter([100.0, 100.25])
    config = SourceConfig(name="probe", kind="probe", url=server.url,
                          targets=[ProbeTargetConfig("ok", "/ok")])
    metric = MetricConfig(id="p.ok.response_time", source="probe", measure="ok.response_time")
    odd = MetricConfig(id="p.odd", source="probe", measure="ok.latency")
    http = HttpFetcher(client, None, SleepRecorder(), random.Random(1))
    src = ProbeSource(config, [metric, odd], http, ManualClock(1_718_000_000.0),
                      timer=lambda: next(ticks))
    result = await src.poll()
    assert [(s.metric, s.ts) for s in result.samples] == [
        ("p.ok.response_time", 1_718_000_000.0), ("p.odd", 1_718_000_000.0)]
    assert result.samples[0].value == 0.25 and math.isnan(result.samples[1].value)
    assert result.notes[0].startswith("p.odd: unknown probe measure 'ok.latency'")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, CertFiles]]:
    directory: Path = tmp_path_factory.mktemp("certs")
    ca = make_ca(directory)
    yield {
        "ca": ca,
        "good": issue(directory, "good", ca, 42),
        "self": issue(directory, "self", None, 30),
    }


async def _tls_probe(client: httpx.AsyncClient, certs: dict[str, CertFiles], which: str,
                     **cfg: Any) -> tuple[ProbeResult, dict[str, float]]:
    def handler(request: Request) -> Reply:
        return Reply(200, "ok\n")

    async with TlsLoopbackServer(handler, certs[which]) as tls:
        src = probe(client, tls.url, [ProbeTargetConfig("site", "/health")], **cfg)
        result = await src.poll()
        return src.results["site"], values(result, "site")


async def test_tls_days_left_of_a_trusted_certificate(
        client: httpx.AsyncClient, certs: dict[str, CertFiles]) -> None:
    result, got = await _tls_probe(client, certs, "good", ca_file=str(certs["ca"].cert))
    assert result.up and got["status"] == 200
    assert got["tls_days_left"] == pytest.approx(42, abs=0.01)


async def test_self_signed_certificate_is_a_certificate_error(
        client: httpx.AsyncClient, certs: dict[str, CertFiles]) -> None:
    result, got = await _tls_probe(client, certs, "self")
    assert not result.up and result.failure == "certificate"
    assert result.reason == "certificate error: self-signed certificate"
    assert got["tls_days_left"] == pytest.approx(30, abs=0.01)  # read over a second handshake
    insecure, got = await _tls_probe(client, certs, "self", insecure=True)
    assert insecure.up and got["tls_days_left"] == pytest.approx(30, abs=0.01)


async def test_expired_certificate_has_negative_days(
        client: httpx.AsyncClient, certs: dict[str, CertFiles]) -> None:
    expired = issue(certs["ca"].cert.parent, "expired", certs["ca"], -2)
    result, got = await _tls_probe(client, dict(certs, expired=expired), "expired",
                                   ca_file=str(certs["ca"].cert))
    assert result.reason == "certificate error: certificate has expired"
    assert got["tls_days_left"] == pytest.approx(-2, abs=0.01) and got["up"] == 0


async def test_cannot_run_without_targets_or_with_a_bad_ca_file(
        client: httpx.AsyncClient, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="has no targets"):
        await probe(client, "", []).poll()
    missing = probe(client, "", [ProbeTargetConfig("a", "http://127.0.0.1:9/")],
                    ca_file=str(tmp_path / "nope.pem"))
    with pytest.raises(SourceError, match=r"CA file '.*nope\.pem' does not exist"):
        await missing.poll()
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    bad = probe(client, "", [ProbeTargetConfig("a", "http://127.0.0.1:9/")], ca_file=str(junk))
    with pytest.raises(SourceError, match="holds no usable PEM certificate"):
        await bad.poll()


async def test_the_probe_client_is_closed_with_the_fetcher(
        client: httpx.AsyncClient, server: LoopbackServer) -> None:
    fetcher = HttpFetcher(client, None, SleepRecorder(), random.Random(1))
    src = probe(client, server.url, [ProbeTargetConfig("ok", "/ok")], fetcher=fetcher)
    await src.poll()
    await src.poll()
    dedicated = fetcher.derive().dedicated_client()
    await fetcher.aclose()
    assert src._client is not None and src._client.is_closed and dedicated.is_closed
    assert not client.is_closed  # the shared client belongs to the composition root
    assert len(server.requests) == 2


def test_target_url() -> None:
    assert target_url("http://h:1/base/", "/x") == "http://h:1/base/x"
    assert target_url("http://h:1", "x") == "http://h:1/x"
    assert target_url("http://h:1", "https://other/y") == "https://other/y"
    assert target_url("", "/x") == "/x"


def test_cert_not_after_reads_der(certs: dict[str, CertFiles]) -> None:
    import ssl

    der = ssl.PEM_cert_to_DER_cert(certs["good"].cert.read_text(encoding="ascii"))
    assert cert_not_after(der) == pytest.approx(certs["good"].not_after)
    with pytest.raises(ValueError):
        cert_not_after(der[:40])
    with pytest.raises(ValueError):
        cert_not_after(b"\x02\x01\x00")


def _issues(text: str) -> list[str]:
    from noc_board.config.loader import ConfigError, parse_config

    with pytest.raises(ConfigError) as caught:
        parse_config(text, "board.toml")
    return [str(e) for e in caught.value.errors]


def test_check_config_names_probe_paypal_and_target_mistakes() -> None:
    issues = _issues('''
[[sources]]
name = "probe"
kind = "probe"
url = ""

[[sources.targets]]
name = "shop"
url = "/health"

[[sources.targets]]
name = "shop"
url = "shop.example.com"

[[sources]]
name = "empty"
kind = "probe"
url = "http://x"

[[sources]]
name = "pp"
kind = "paypal"
url = ""

[[sources]]
name = "prom"
kind = "prometheus"
url = "http://prom:9090"

[[metrics]]
id = "a"
source = "probe"
measure = "shop.uptime"

[[metrics]]
id = "b"
source = "probe"
measure = "shp.up"

[[metrics]]
id = "c"
source = "pp"

[[metrics]]
id = "d"
source = "prom"
measure = "targets_upp"

[[metrics]]
id = "e"
source = "prom"
measure = "targets_up"
''')
    assert issues == [
        "board.toml:9: sources[0].targets[0].url: a relative URL needs the source's url as "
        "its base",
        "board.toml:12: sources[0].targets[1].name: duplicate target name 'shop'",
        "board.toml:13: sources[0].targets[1].url: expected an http:// or https:// URL, or a "
        "path starting with / (relative to the source's url)",
        "board.toml:15: sources[1].targets: a probe source checks at least one URL: add a "
        "[[sources.targets]] with a name and a url",
        "board.toml:20: sources[2].client_id: required for a paypal source: the REST app's "
        "client id",
        "board.toml:20: sources[2].secret: required for a paypal source: the name of the "
        "keyring "
        "entry holding the app's secret",
        "board.toml:33: metrics[0].measure: a probe measure is <target>.<field>; unknown field "
        "'uptime'; known: up, status, response_time, tls_days_left",
        "board.toml:38: metrics[1].measure: unknown probe target 'shp'; did you mean 'shop'?",
        "board.toml:40: metrics[2].measure: required for a metric of a paypal source ('pp'): "
        "the named measure the connector computes, e.g. orders",
        "board.toml:47: metrics[3].measure: unknown Prometheus measure 'targets_upp'; known: "
        "targets_up, targets_down, targets_up_ratio (or give a query)",
    ]
