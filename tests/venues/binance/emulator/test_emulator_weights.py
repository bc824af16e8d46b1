"""Request weight per IP (429, then 418) and order counts per account."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tradeport.venues.binance.emulator import BinanceEmulator
from tradeport.venues.binance.emulator.weights import HAMMER_ALLOWANCE

from .conftest import RawClient, center_clock


@pytest.fixture
async def tight() -> AsyncIterator[RawClient]:
    """30 weight per UTC day, with the server clock far from the day's boundaries."""
    emu = BinanceEmulator(step_interval=None, weight_limit=30, weight_interval=(1, "DAY"))
    center_clock(emu)
    await emu.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield RawClient(emu, session)
    finally:
        await emu.stop()


async def used(raw: RawClient, path: str, query: str, header: str) -> int:
    reply = await raw.public(path, query)
    assert reply.status == 200, reply.body
    return int(reply.headers[header])


@pytest.mark.parametrize(
    ("path", "limit", "weight"),
    [
        ("/api/v3/depth", 100, 5),
        ("/api/v3/depth", 500, 25),
        ("/api/v3/depth", 1000, 50),
        ("/api/v3/depth", 5000, 250),
        ("/fapi/v1/depth", 5, 2),
        ("/fapi/v1/depth", 100, 5),
        ("/fapi/v1/depth", 500, 10),
        ("/fapi/v1/depth", 1000, 20),
    ],
)
async def test_depth_weight_depends_on_limit(
    raw: RawClient, path: str, limit: int, weight: int
) -> None:
    center_clock(raw.emu)
    header = "X-MBX-USED-WEIGHT-1M"
    first = await used(raw, path, "symbol=BTCUSDT&limit=5", header)
    second = await used(raw, path, f"symbol=BTCUSDT&limit={limit}", header)
    assert second - first == weight


@pytest.mark.parametrize(
    ("path", "query", "weight"),
    [
        ("/api/v3/ticker/24hr", "symbol=BTCUSDT", 2),
        ("/api/v3/ticker/24hr", "", 80),
        ("/api/v3/ticker/24hr", 'symbols=["BTCUSDT","ETHUSDT"]', 2),
        ("/api/v3/exchangeInfo", "", 20),
        ("/api/v3/trades", "symbol=BTCUSDT", 25),
        ("/fapi/v1/ticker/24hr", "symbol=BTCUSDT", 1),
        ("/fapi/v1/ticker/24hr", "", 40),
        ("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=50", 1),
        ("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=1000", 5),
        ("/fapi/v1/exchangeInfo", "", 1),
    ],
)
async def test_weights_are_table_driven(raw: RawClient, path: str, query: str, weight: int) -> None:
    center_clock(raw.emu)
    header = "X-MBX-USED-WEIGHT-1M"
    ping = "/api/v3/ping" if path.startswith("/api/") else "/fapi/v1/ping"
    base = await used(raw, ping, "", header)
    after = await used(raw, path, query, header)
    assert after - base == weight


async def test_signed_weights_depend_on_parameters(raw: RawClient) -> None:
    center_clock(raw.emu)
    header = "X-MBX-USED-WEIGHT-1M"
    a = int((await raw.signed("GET", "/api/v3/myTrades", [("symbol", "BTCUSDT")])).headers[header])
    b = int(
        (
            await raw.signed("GET", "/api/v3/myTrades", [("symbol", "BTCUSDT"), ("orderId", "1")])
        ).headers[header]
    )
    c = int((await raw.signed("GET", "/api/v3/openOrders")).headers[header])
    assert (a, b - a, c - b) == (20, 5, 80)


async def test_exchange_info_announces_the_effective_budgets(tight: RawClient) -> None:
    spot = (await tight.public("/api/v3/exchangeInfo")).body["rateLimits"]
    assert spot[0] == {
        "rateLimitType": "REQUEST_WEIGHT",
        "interval": "DAY",
        "intervalNum": 1,
        "limit": 30,
    }
    assert {(r["interval"], r["intervalNum"]) for r in spot[1:]} == {("SECOND", 10), ("DAY", 1)}
    futures = (await tight.public("/fapi/v1/exchangeInfo")).body["rateLimits"]
    assert futures[0]["limit"] == 30
    assert [r["rateLimitType"] for r in futures] == ["REQUEST_WEIGHT", "ORDERS", "ORDERS"]


async def test_over_budget_is_429_then_hammering_is_418(tight: RawClient) -> None:
    header = "X-MBX-USED-WEIGHT-1D"
    for n in range(1, 7):  # 6 x 5 = 30, the whole budget
        reply = await tight.public("/api/v3/depth", "symbol=BTCUSDT&limit=10")
        assert reply.status == 200 and reply.headers[header] == str(5 * n)
    over = await tight.public("/api/v3/depth", "symbol=BTCUSDT&limit=10")
    assert over.status == 429 and over.body["code"] == -1003
    assert "30 request weight per 1 DAY" in over.body["msg"]
    retry = int(over.headers["Retry-After"])
    # the window ends at the next UTC midnight, half a day away
    assert 0 < retry <= 86_400 and abs(retry - 43_195) <= 5
    for _ in range(HAMMER_ALLOWANCE - 1):
        assert (await tight.public("/api/v3/ping")).status == 429
    banned = await tight.public("/api/v3/ping")
    assert banned.status == 418 and banned.body["code"] == -1003
    assert "banned until" in banned.body["msg"]
    assert int(banned.headers["Retry-After"]) > retry
    assert (await tight.public("/api/v3/time")).status == 418
    # the USDⓈ-M budget is a different one (fapi.binance.com is another host)
    assert (await tight.public("/fapi/v1/ping")).status == 200


async def test_order_counts_are_reported_and_capped(raw: RawClient) -> None:
    center_clock(raw.emu)
    order = [
        ("symbol", "BTCUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.0001"),
        ("price", "50000"),
    ]
    first = await raw.signed("POST", "/api/v3/order", order)
    assert first.headers["X-MBX-ORDER-COUNT-10S"] == "1"
    assert first.headers["X-MBX-ORDER-COUNT-1D"] == "1"
    for _ in range(49):
        assert (await raw.signed("POST", "/api/v3/order", order)).status == 200
    over = await raw.signed("POST", "/api/v3/order", order)
    assert (over.status, over.body["code"]) == (429, -1015)
    assert over.body["msg"] == "Too many new orders; current limit is 50 orders per 10 SECOND."
    # refused orders are not placed
    listed = await raw.signed("GET", "/api/v3/openOrders", [("symbol", "BTCUSDT")])
    assert len(listed.body) == 50

    fut = [
        ("symbol", "ETHUSDT"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "0.01"),
        ("price", "3000"),
    ]
    one = await raw.signed("POST", "/fapi/v1/order", fut)
    two = await raw.signed("POST", "/fapi/v1/order", fut)
    assert one.headers["X-MBX-ORDER-COUNT-1M"] == "1" and two.headers["X-MBX-ORDER-COUNT-1M"] == "2"
    assert two.headers["X-MBX-ORDER-COUNT-10S"] == "2"
    # a new order costs no IP weight on USDⓈ-M
    assert one.headers["X-MBX-USED-WEIGHT-1M"] == two.headers["X-MBX-USED-WEIGHT-1M"]
