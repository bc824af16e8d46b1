"""The h1 engine under `HttpTransport` and the Binance client: the same retries, status
counts and venue behaviour as on aiohttp, end to end against the Binance emulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from aiohttp import web

import tradeport as tp
from tradeport.emulator.faults import ErrorAfter, ErrorBefore
from tradeport.model import OrderStatus
from tradeport.model.errors import BadParameter
from tradeport.transport.http import HttpTransport
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

SYMBOL = "BTC-USDT"
SPOT_ORDER = "POST /api/v3/order"
SPOT_DEPTH = "GET /api/v3/depth"


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[str, Counter[str], set[int]]]:
    """Answers 503 twice per method, then 200; records hits and client ports."""
    hits: Counter[str] = Counter()
    ports: set[int] = set()

    async def handle(request: web.Request) -> web.Response:
        ports.add(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
        hits[request.method] += 1
        if hits[request.method] < 3:
            return web.json_response({"code": -1000}, status=503)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/flaky", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", hits, ports
    finally:
        await runner.cleanup()


async def test_transport_on_h1_retries_gets_and_counts_statuses(
    flaky: tuple[str, Counter[str], set[int]],
) -> None:
    url, hits, ports = flaky
    http = HttpTransport(url, venue="test", retries=3, backoff_base=0.001, engine="h1")
    try:
        resp = await http.request("GET", "/flaky")
        assert (resp.status, resp.body) == (200, b'{"ok": true}')
        assert resp.headers.get("CONTENT-TYPE") == "application/json; charset=utf-8"
        assert http.status_counts == Counter({503: 2, 200: 1})
        post = await http.request("POST", "/flaky", body=b"x=1")
        assert post.status == 503 and hits["POST"] == 1  # a POST is never resent
        assert len(ports) == 1  # every attempt on one kept-alive connection
    finally:
        await http.close()


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(BadParameter, match="engine"):
        HttpTransport("http://127.0.0.1:1", venue="test", engine="curl")


@pytest.fixture
async def spot() -> AsyncIterator[tuple[BinanceClient, BinanceEmulator]]:
    # the market moves only when a test moves it: outcomes are exact
    emu = BinanceEmulator(step_interval=None, seed=11)
    await emu.start()
    acct = DEFAULT_ACCOUNTS[0]
    client = await tp.create_client(
        "BINANCE___SPOT",
        environment="emulator",
        base_url=emu.base_url,
        api_key=acct.api_key,
        secret=acct.secret,
        http_engine="h1",
    )
    assert isinstance(client, BinanceClient) and client.http.h1 is not None
    try:
        yield client, emu
    finally:
        await client.close()
        await emu.stop()


async def bid_under(client: BinanceClient, fraction: str) -> Decimal:
    book = await client.get_depth(SYMBOL, 5)
    return (Decimal(str(book.bids[0][0])) * Decimal(fraction)).quantize(Decimal("0.01"))


async def test_binance_depth_and_order_round_trip_on_h1(
    spot: tuple[BinanceClient, BinanceEmulator],
) -> None:
    client, _ = spot
    book = await client.get_depth(SYMBOL, 20)
    assert book.bids and book.asks and book.bids[0][0] < book.asks[0][0]
    price = await bid_under(client, "0.9")
    order = await client.make_order(SYMBOL, Decimal("0.01"), price, "buy-limit")
    assert order.status is OrderStatus.NEW
    assert [o.order_id for o in await client.get_open_orders(SYMBOL)] == [order.order_id]
    cancelled = await client.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED
    assert await client.get_open_orders(SYMBOL) == []
    assert client.http.h1 is not None
    pool = client.http.h1.pool(client.http.base_url)
    assert pool is not None and pool.open_connections == 1  # all of it on one socket


async def test_binance_depth_waits_out_a_429_on_h1(
    spot: tuple[BinanceClient, BinanceEmulator],
) -> None:
    client, emu = spot
    limited = ErrorBefore(429, -1003, "Too many requests; current limit exceeded.", retry_after=1)
    emu.faults.arm(SPOT_DEPTH, limited)
    book = await client.get_depth(SYMBOL, 5)
    assert book.bids and book.asks
    assert emu.faults.seen[SPOT_DEPTH] == 2 and client.http.status_counts[429] == 1


async def test_binance_order_answered_5xx_after_placing_is_reconciled_on_h1(
    spot: tuple[BinanceClient, BinanceEmulator],
) -> None:
    client, emu = spot
    price = await bid_under(client, "0.98")
    fault = ErrorAfter(503, -1000, "Unknown error, please check your request or try again later.")
    emu.faults.arm(SPOT_ORDER, fault)
    order = await client.make_order(
        SYMBOL, Decimal("0.01"), price, "buy-limit", client_order_id="h1a"
    )
    assert order.status is OrderStatus.NEW and order.order_id is not None
    assert emu.faults.seen[SPOT_ORDER] == 1  # never resent
    assert emu.faults.seen["GET /api/v3/order"] == 1  # the answer came from reconciling
    assert [o.client_order_id for o in await client.get_open_orders(SYMBOL)] == ["h1a"]
