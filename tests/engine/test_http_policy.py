"""The shared request policy against a loopback server: retries, backoff, caps, decoding."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from noc_board.core.clock import ManualClock
from noc_board.sources.base import SourceError
from noc_board.sources.error_shapes import stripe_error
from noc_board.sources.http import HttpFetcher, RequestPolicy, make_client
from noc_board.sources.policy import MIB, format_mib, parse_retry_after
from noc_board.sources.prometheus_wire import PromRangeEnvelope
from tests.engine.fakes.loopback import (
    LoopbackServer,
    Reply,
    Request,
    SleepRecorder,
    closed_port,
    json_reply,
)

SEED = 7


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(trust_env=False) as c:
        yield c


def fetcher(
    client: httpx.AsyncClient, sleep: SleepRecorder, **policy: Any
) -> HttpFetcher:
    return HttpFetcher(
        client, RequestPolicy(**policy), sleep, random.Random(SEED),
        service="Test", clock=ManualClock(1_700_000_000.0),
    )


def scripted(*replies: Reply) -> Callable[[Request], Reply]:
    """Answers with each reply in turn, then repeats the last."""
    queue = list(replies)

    def handler(request: Request) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def expected_backoff(n: int, base: float = 0.5, cap: float = 30.0) -> list[float]:
    rng = random.Random(SEED)
    return [rng.uniform(0, min(cap, base * 2**i)) for i in range(n)]


async def test_5xx_then_success_retries_with_full_jitter(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    handler = scripted(Reply(503, "busy"), Reply(502, "bad gateway"), json_reply({"ok": 1}))
    async with LoopbackServer(handler) as server:
        body = await fetcher(client, sleep).get_json(server.url + "/x")
    assert body == {"ok": 1}
    assert len(server.requests) == 3
    assert sleep.waits == pytest.approx(expected_backoff(2))
    assert 0 <= sleep.waits[1] <= 1.0  # full jitter: anywhere in [0, base * 2]


async def test_backoff_is_capped() -> None:
    policy = RequestPolicy(backoff_base=0.5, backoff_cap=30.0)
    rng = random.Random(1)
    waits = [policy.backoff(attempt, rng) for attempt in range(40)]
    assert all(0 <= w <= 30.0 for w in waits)
    assert max(waits[10:]) > 15  # past the cap the range is [0, 30], not [0, 0.5 * 2**n]


async def test_gives_up_after_max_retries(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(Reply(500, "boom"))) as server:
        with pytest.raises(SourceError) as caught:
            await fetcher(client, sleep, max_retries=3).get_json(server.url + "/x")
    assert len(server.requests) == 4
    assert len(sleep.waits) == 3
    assert str(caught.value) == "HTTP 500 from Test: boom"
    assert caught.value.status == 500


async def test_429_retry_after_seconds_is_honoured(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    handler = scripted(
        json_reply({"error": "slow down"}, 429, **{"Retry-After": "7"}), json_reply([1, 2])
    )
    async with LoopbackServer(handler) as server:
        assert await fetcher(client, sleep).get_json(server.url + "/x") == [1, 2]
    assert sleep.waits == [7.0]


async def test_429_retry_after_http_date_uses_the_date_header(client: httpx.AsyncClient) -> None:
    sent = datetime(2026, 1, 7, 14, 0, 0, tzinfo=UTC)
    later = datetime(2026, 1, 7, 14, 0, 12, tzinfo=UTC)
    sleep = SleepRecorder()
    handler = scripted(
        Reply(429, "", headers={"Date": format_datetime(sent, usegmt=True),
                                "Retry-After": format_datetime(later, usegmt=True)}),
        json_reply({"ok": True}),
    )
    async with LoopbackServer(handler) as server:
        await fetcher(client, sleep).get_json(server.url + "/x")
    assert sleep.waits == [12.0]


async def test_long_retry_after_is_handed_to_the_scheduler(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(Reply(429, "", headers={"Retry-After": "120"}))) as server:
        with pytest.raises(SourceError) as caught:
            await fetcher(client, sleep).get_json(server.url + "/x")
    assert len(server.requests) == 1 and sleep.waits == []
    assert caught.value.retry_after == 120.0
    assert str(caught.value).startswith("rate limited by Test; retry after 120s")


async def test_stripe_should_retry_false_stops_retries(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    reply = json_reply({"error": {"type": "api_error", "message": "Something went wrong"}}, 500,
                       **{"Stripe-Should-Retry": "false"})
    async with LoopbackServer(scripted(reply)) as server:
        http = fetcher(client, sleep).derive(service="Stripe", error_hook=stripe_error)
        with pytest.raises(SourceError, match="HTTP 500 from Stripe: Something went wrong"):
            await http.get_json(server.url + "/v1/charges")
    assert len(server.requests) == 1


async def test_stripe_should_retry_true_retries_a_409(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    handler = scripted(
        json_reply({"error": {"message": "lock"}}, 409, **{"Stripe-Should-Retry": "true"}),
        json_reply({"data": []}),
    )
    async with LoopbackServer(handler) as server:
        assert await fetcher(client, sleep).get_json(server.url + "/x") == {"data": []}
    assert len(server.requests) == 2


async def test_4xx_is_not_retried(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(json_reply({"message": "no such thing"}, 404))) as server:
        with pytest.raises(SourceError, match="HTTP 404 from Test: no such thing"):
            await fetcher(client, sleep).get_json(server.url + "/x")
    assert len(server.requests) == 1 and sleep.waits == []


async def test_timeout_is_retried_then_reported(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(Reply(200, "{}", delay=5.0))) as server:
        with pytest.raises(SourceError) as caught:
            await fetcher(client, sleep, timeout=0.2, max_retries=1).get_json(server.url + "/x")
    assert str(caught.value) == "timed out after 0.2s"
    assert caught.value.retry_after is None
    assert len(server.requests) == 2 and len(sleep.waits) == 1


async def test_a_dripping_body_hits_the_whole_attempt_deadline(
    client: httpx.AsyncClient,
) -> None:
    # each byte arrives well inside httpx's per-read timeout; only the total deadline fires
    sleep = SleepRecorder()
    slow = Reply(200, b'{"padding": "' + b"x" * 200 + b'"}', "application/json", drip=0.01)
    async with LoopbackServer(scripted(slow)) as server:
        with pytest.raises(SourceError, match=r"^timed out after 0\.3s$"):
            await fetcher(client, sleep, timeout=0.3, max_retries=0).get_json(server.url + "/x")


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    port = closed_port()
    with pytest.raises(SourceError) as caught:
        await fetcher(client, sleep, max_retries=2).get_json(f"http://127.0.0.1:{port}/x")
    assert str(caught.value).startswith(f"cannot connect to 127.0.0.1:{port}")
    assert len(sleep.waits) == 2


@pytest.mark.parametrize("declared", [True, False])
async def test_oversized_body_is_cut_off(client: httpx.AsyncClient, declared: bool) -> None:
    sleep = SleepRecorder()
    big = Reply(200, b"[" + b"1," * 40_000 + b"1]", "application/json", declare_length=declared)
    async with LoopbackServer(scripted(big)) as server:
        with pytest.raises(SourceError) as caught:
            await fetcher(client, sleep, max_body_bytes=64 * 1024).get_json(server.url + "/x")
    assert str(caught.value) == "response over 64 KiB"
    assert len(server.requests) == 1  # not retried


def test_size_formatting() -> None:
    assert format_mib(20 * MIB) == "20 MiB"
    assert format_mib(MIB + MIB // 2) == "1.5 MiB"
    assert format_mib(512) == "512 bytes"


async def test_malformed_json_names_the_position(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(Reply(200, b'{"a": 1,, "b": 2}', "application/json"))) as s:
        with pytest.raises(SourceError, match=r"^malformed JSON at char 8$"):
            await fetcher(client, sleep).get_json(s.url + "/x")


async def test_truncated_json(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(Reply(200, b'{"a": [1, 2', "application/json"))) as s:
        with pytest.raises(SourceError, match="malformed JSON: truncated"):
            await fetcher(client, sleep).get_json(s.url + "/x")


async def test_non_json_names_the_content_type_and_shows_the_start(
    client: httpx.AsyncClient,
) -> None:
    sleep = SleepRecorder()
    page = "<html>\n<body>Login required " + "z" * 200 + "</body></html>"
    async with LoopbackServer(scripted(Reply(200, page, "text/html"))) as s:
        with pytest.raises(SourceError) as caught:
            await fetcher(client, sleep).get_json(s.url + "/x")
    message = str(caught.value)
    assert message.startswith('expected JSON from Test, got text/html: "<html> <body>Login')
    assert "\n" not in message and len(message) < 140


async def test_shape_mismatch_is_a_source_error(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(json_reply({"status": 3}))) as s:
        with pytest.raises(SourceError, match=r"unexpected response shape: .*\$\.status"):
            await fetcher(client, sleep).get_json(s.url + "/x", shape=PromRangeEnvelope)


async def test_secrets_never_reach_the_message(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    token = "sk_test_supersecret_123"
    echo = json_reply({"error": f"bad token Bearer {token} for user ops:hunter22"}, 401)
    async with LoopbackServer(scripted(echo)) as s:
        with pytest.raises(SourceError) as caught:
            await fetcher(client, sleep).get_json(
                s.url + "/x", headers={"Authorization": f"Bearer {token}"}
            )
        with pytest.raises(SourceError) as caught_basic:
            await fetcher(client, sleep).get_json(s.url + "/x", auth=("ops", "hunter22"))
    assert token not in str(caught.value) and "***" in str(caught.value)
    assert "hunter22" not in str(caught_basic.value)


async def test_post_form_and_json_and_raw(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()

    def handler(request: Request) -> Reply:
        if request.path == "/form":
            return json_reply(request.params())
        if request.path == "/json":
            return json_reply(request.json())
        return Reply(200, "Prometheus Server is Ready.\n")

    async with LoopbackServer(handler) as s:
        http = fetcher(client, sleep)
        assert await http.post_json(s.url + "/form", data={"query": "up"}) == {"query": "up"}
        assert await http.post_json(s.url + "/json", json={"a": [1]}) == {"a": [1]}
        raw = await http.request_raw("GET", s.url + "/-/ready")
    assert raw.status_code == 200 and raw.text == "Prometheus Server is Ready.\n"


async def test_big_bodies_are_decoded_in_a_worker_process(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    points = [[1_700_000_000 + 15 * i, str(i / 2)] for i in range(3000)]
    body = {"status": "success",
            "data": {"resultType": "matrix", "result": [{"metric": {}, "values": points}]}}
    async with LoopbackServer(scripted(json_reply(body))) as s:
        http = fetcher(client, sleep)
        http.policy = RequestPolicy(inline_decode_bytes=1024)
        try:
            decoded = await http.get_json(s.url + "/big", shape=PromRangeEnvelope)
            plain = await http.get_json(s.url + "/big")
            assert http._pool._executor is not None  # the worker pool was used
        finally:
            await http.aclose()
    assert http._pool._executor is None
    assert decoded.data.result[0].values[2999] == (1_700_000_000 + 15 * 2999, "1499.5")
    assert plain == body


def test_parse_retry_after() -> None:
    assert parse_retry_after("30", 0) == 30.0
    assert parse_retry_after("1.5", 0) == 1.5
    assert parse_retry_after("Wed, 07 Jan 2026 14:00:30 GMT", 1767794400.0) == 30.0
    assert parse_retry_after("Wed, 07 Jan 2026 13:00:00 GMT", 1767794400.0) == 0.0  # past
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after(None, 0) is None
    assert parse_retry_after("-5", 0) == 0.0


async def test_a_secret_httpx_cannot_send_is_a_source_error(client: httpx.AsyncClient) -> None:
    sleep = SleepRecorder()
    async with LoopbackServer(scripted(json_reply({}))) as s:
        with pytest.raises(SourceError, match="cannot send the request") as caught:
            await fetcher(client, sleep).get_json(
                s.url + "/x", headers={"Authorization": "Bearer tökén-123456"}
            )
    assert "tökén" not in str(caught.value)
