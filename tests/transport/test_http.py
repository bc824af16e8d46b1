"""The HTTP transport against a small loopback server: what is retried and what never is."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tradeport.model.errors import RequestTimeout
from tradeport.transport.http import HttpTransport, scrub


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Counter[str]]]:
    hits: Counter[str] = Counter()

    async def flaky(request: web.Request) -> web.Response:
        hits[f"{request.method} {request.path}"] += 1
        if hits[f"{request.method} {request.path}"] < 3:
            return web.json_response({"code": -1000}, status=503)
        return web.json_response({"ok": True})

    async def slow(request: web.Request) -> web.Response:
        hits[f"{request.method} {request.path}"] += 1
        await asyncio.sleep(1.0)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/flaky", flaky)
    app.router.add_route("*", "/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", hits
    finally:
        await runner.cleanup()


async def test_get_is_retried_through_5xx(server: tuple[str, Counter[str]]) -> None:
    url, hits = server
    http = HttpTransport(url, venue="test", retries=3, backoff_base=0.001)
    try:
        resp = await http.request("GET", "/flaky")
        assert resp.status == 200 and hits["GET /flaky"] == 3
        assert http.status_counts == Counter({503: 2, 200: 1})
    finally:
        await http.close()


async def test_post_is_never_resent_after_5xx(server: tuple[str, Counter[str]]) -> None:
    url, hits = server
    http = HttpTransport(url, venue="test", retries=3, backoff_base=0.001)
    try:
        resp = await http.request("POST", "/flaky", body=b"x=1")
        assert resp.status == 503 and hits["POST /flaky"] == 1
    finally:
        await http.close()


async def test_post_timeout_raises_without_resending(server: tuple[str, Counter[str]]) -> None:
    url, hits = server
    http = HttpTransport(url, venue="test", timeout=0.2, retries=3, backoff_base=0.001)
    try:
        with pytest.raises(RequestTimeout):
            await http.request("POST", "/slow", body=b"x=1")
        assert hits["POST /slow"] == 1
    finally:
        await http.close()


async def test_idempotent_timeout_is_retried_then_raises(server: tuple[str, Counter[str]]) -> None:
    url, hits = server
    http = HttpTransport(url, venue="test", timeout=0.1, retries=2, backoff_base=0.001)
    try:
        with pytest.raises(RequestTimeout):
            await http.request("GET", "/slow")
        assert hits["GET /slow"] == 3
    finally:
        await http.close()


def test_scrub_hides_secrets() -> None:
    assert scrub("key=abc&secret=s3cr3t", ("s3cr3t", "")) == "key=abc&secret=***"
