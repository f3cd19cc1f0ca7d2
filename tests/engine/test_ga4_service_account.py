"""GA4 with a service-account key: google-auth signs, a fake token endpoint on loopback checks.

The key is an RSA key made here with `cryptography`; the key file's `token_uri` points at the
fake, so the real google-auth code signs a real JWT and trades it for a token, in a worker
thread (were it on the event loop, the loopback server on that loop could not answer).
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from noc_board.config.schema import MetricConfig, SourceConfig
from noc_board.core.clock import ManualClock
from noc_board.sources.base import SourceError
from noc_board.sources.factory import build_source
from noc_board.sources.ga4_tokens import ServiceAccountTokens
from noc_board.sources.http import HttpFetcher, make_client
from tests.engine.fakes.ga4 import FakeGA4, google_error
from tests.engine.fakes.loopback import LoopbackServer, SleepRecorder

NOW = 1_767_794_400.0


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def key_file(tmp_path: Path, key: rsa.RSAPrivateKey, token_uri: str) -> Path:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "board-sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "noc-board-test", "private_key_id": "k1",
        "private_key": pem, "client_email": "board@noc-board-test.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": token_uri,
    }), encoding="utf-8")
    return path


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


async def test_a_key_file_gives_tokens_made_off_the_event_loop(
    client: httpx.AsyncClient, tmp_path: Path, rsa_key: rsa.RSAPrivateKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeGA4(token="never-this-one", public_key=public_pem(rsa_key))
    loop_thread = threading.get_ident()
    renew_threads: list[int] = []
    renew = ServiceAccountTokens._renew

    def recording(self: ServiceAccountTokens) -> None:
        renew_threads.append(threading.get_ident())
        renew(self)

    monkeypatch.setattr(ServiceAccountTokens, "_renew", recording)
    clock = ManualClock(NOW)
    async with LoopbackServer(fake) as server:
        cfg = SourceConfig(name="ga", kind="ga4", url=server.url, property_id="123456789",
                           key_file=str(key_file(tmp_path, rsa_key, f"{server.url}/token")))
        metrics = [MetricConfig(id="web.s", source="ga", measure="sessions_today")]
        http = HttpFetcher(client, None, SleepRecorder(), random.Random(5))
        src = build_source(cfg, metrics, http, clock, None, "UTC")
        first = await src.poll()
        again = await src.poll()  # the token is still good: no second exchange
        assert [r.path for r in server.requests].count("/token") == 1
        fake.errors = [google_error(401, "UNAUTHENTICATED", "Token expired.")]
        with pytest.raises(SourceError, match="UNAUTHENTICATED"):
            await src.poll()
        after_401 = await src.poll()  # a refused token is replaced at once
    assert first.samples[0].value == again.samples[0].value == after_401.samples[0].value == 2010
    tokens = [r for r in server.requests if r.path == "/token"]
    assert len(tokens) == 2 and len(fake.issued) == 2
    assert b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in tokens[0].body
    reports = [r for r in server.requests if r.path.endswith(":runReport")]
    assert reports[0].headers["authorization"] == f"Bearer {fake.issued[0]}"
    assert reports[-1].headers["authorization"] == f"Bearer {fake.issued[-1]}"
    assert len(renew_threads) == 2 and loop_thread not in renew_threads


async def test_tokens_are_renewed_by_the_clock(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey,
) -> None:
    fake = FakeGA4(public_key=public_pem(rsa_key), expires_in=3600)
    clock = ManualClock(NOW)
    async with LoopbackServer(fake) as server:
        tokens = ServiceAccountTokens(key_file(tmp_path, rsa_key, f"{server.url}/token"), clock)
        first = await tokens.token()
        assert await tokens.token() == first and tokens.refreshes == 1
        # google-auth stamps the expiry from the wall clock; move ours past it, less the margin
        clock.set(tokens._expiry - 299)
        renewed = await tokens.token()
    assert renewed != first and tokens.refreshes == 2


async def test_key_and_token_endpoint_problems_are_source_errors(
    tmp_path: Path, rsa_key: rsa.RSAPrivateKey,
) -> None:
    clock = ManualClock(NOW)
    with pytest.raises(SourceError, match="does not exist"):
        await ServiceAccountTokens(tmp_path / "missing.json", clock).token()
    (tmp_path / "bad.json").write_text('{"type": "service_account"}', encoding="utf-8")
    with pytest.raises(SourceError, match="is not a service-account key file"):
        await ServiceAccountTokens(tmp_path / "bad.json", clock).token()
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    fake = FakeGA4(public_key=public_pem(other))  # the endpoint knows another key
    async with LoopbackServer(fake) as server:
        wrong = ServiceAccountTokens(key_file(tmp_path, rsa_key, f"{server.url}/token"), clock)
        with pytest.raises(SourceError, match=r"token refused by 127\.0\.0\.1:\d+: invalid_grant"):
            await wrong.token()
        port = server.port
    gone = ServiceAccountTokens(key_file(tmp_path, rsa_key, f"http://127.0.0.1:{port}/token"),
                                clock, timeout=2.0)
    with pytest.raises(SourceError, match=r"cannot reach the token endpoint 127\.0\.0\.1"):
        await gone.token()
