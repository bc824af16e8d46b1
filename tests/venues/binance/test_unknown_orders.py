"""Unknown is not failed (DESIGN.md principle 4), with faults injected into the emulator.

An order submit that meets a 5xx, a lost connection or a timeout is never sent again:
the client asks the venue for the order by its client order id. Market-data GETs may be
retried, and a 429 is waited out.
"""

import time
from decimal import Decimal

import aiohttp
import pytest

from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    Firing,
    Latency,
    TimeoutAfter,
)
from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus
from tradeport.model.errors import OrderNotFound
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import BinanceEmulator

from .conftest import connect

SYMBOL = "BTC-USDT"
SPOT_ORDER = "POST /api/v3/order"
FUTURES_ORDER = "POST /fapi/v1/order"
QUERY = {SPOT_ORDER: "GET /api/v3/order", FUTURES_ORDER: "GET /fapi/v1/order"}
SPOT_DEPTH = "GET /api/v3/depth"
# Binance's 503 texts (PROTOCOLS.md §2.6): the first means "status unknown", the second
# that the request failed; a client cannot tell them apart on a submit it must not resend.
UNKNOWN_ERROR = "Unknown error, please check your request or try again later."
UNAVAILABLE = "Service Unavailable."


async def resting_buy_price(client: BinanceClient) -> Decimal:
    """A bid well under the market, so the order rests as NEW."""
    book = await client.get_depth(SYMBOL, 5)
    inst = await client.instrument(SYMBOL)
    return quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal("0.98"))


async def impatient_client(emu: BinanceEmulator, key: str, seconds: float) -> BinanceClient:
    """A client warmed up (instruments, clock) whose requests time out after `seconds`."""
    client = await connect(emu, key, timeout=seconds)
    await client.instrument(SYMBOL)
    await client.sync_clock()
    return client


async def assert_reconciled_once(
    client: BinanceClient, emu: BinanceEmulator, fault: Fault, match: str, cid: str
) -> None:
    price = await resting_buy_price(client)
    emu.faults.arm(match, fault)
    order = await client.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id=cid)
    assert order.status is OrderStatus.NEW
    assert order.client_order_id == cid and order.order_id is not None
    assert order.price == price and order.qty == Decimal("0.01")
    assert emu.faults.fired == [Firing(match, fault)]
    assert emu.faults.seen[match] == 1  # never resent
    assert emu.faults.seen[QUERY[match]] == 1  # the answer came from the reconciling query
    listed = await client.get_open_orders(SYMBOL)
    assert [o.client_order_id for o in listed] == [cid]


async def test_error_after_submit_is_reconciled_to_the_placed_order(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    fault = ErrorAfter(503, -1000, UNKNOWN_ERROR)
    await assert_reconciled_once(spot, emulator, fault, SPOT_ORDER, "ea1")


async def test_timeout_after_submit_is_reconciled_to_the_placed_order(
    emulator: BinanceEmulator,
) -> None:
    # the venue holds the answer far longer than the client waits; stopping the
    # emulator releases it
    client = await impatient_client(emulator, "BINANCE___SPOT", 0.5)
    try:
        await assert_reconciled_once(client, emulator, TimeoutAfter(600), SPOT_ORDER, "ta1")
    finally:
        await client.close()


async def test_dropped_connection_after_submit_is_reconciled_to_the_placed_order(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    await assert_reconciled_once(spot, emulator, DropAfter(), SPOT_ORDER, "da1")


async def test_futures_error_after_submit_is_reconciled_to_the_placed_order(
    swap: BinanceClient, emulator: BinanceEmulator
) -> None:
    fault = ErrorAfter(503, -1000, UNKNOWN_ERROR)
    await assert_reconciled_once(swap, emulator, fault, FUTURES_ORDER, "fea1")


async def test_futures_408_execution_unknown_is_reconciled_not_raised(
    swap: BinanceClient, emulator: BinanceEmulator
) -> None:
    # HTTP 408 / -1007 "Send status unknown; execution status unknown" (§2.6)
    fault = ErrorAfter(408, -1007, "Timeout waiting for response from backend server.")
    await assert_reconciled_once(swap, emulator, fault, FUTURES_ORDER, "t408")


async def test_failed_lookup_after_a_lost_submit_still_returns_the_client_id(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    price = await resting_buy_price(spot)
    emulator.faults.arm(SPOT_ORDER, ErrorAfter(503, -1000, UNKNOWN_ERROR))
    # every lookup by client id fails too (the GET is retried, then gives up)
    emulator.faults.arm(QUERY[SPOT_ORDER], ErrorBefore(503, -1001, "Internal error."), None)
    order = await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="lf1")
    assert order.status is OrderStatus.UNKNOWN and order.client_order_id == "lf1"
    emulator.faults.clear()
    placed = await spot.query_order(SYMBOL, client_order_id="lf1")
    assert placed.status is OrderStatus.NEW  # it was placed all along
    assert emulator.faults.seen[SPOT_ORDER] == 1


async def test_error_before_submit_leaves_the_order_unknown_not_failed(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    price = await resting_buy_price(spot)
    emulator.faults.arm(SPOT_ORDER, ErrorBefore(503, -1000, UNAVAILABLE))
    order = await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="eb1")
    # the venue never saw it, but the client cannot know that
    assert order.status is OrderStatus.UNKNOWN
    assert order.client_order_id == "eb1" and order.order_id is None
    assert order.price == price and order.qty == Decimal("0.01")
    assert emulator.faults.seen[SPOT_ORDER] == 1
    with pytest.raises(OrderNotFound):
        await spot.query_order(SYMBOL, client_order_id="eb1")
    assert await spot.get_open_orders(SYMBOL) == []


async def test_depth_is_retried_past_one_503(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    emulator.faults.arm(SPOT_DEPTH, ErrorBefore(503, -1000, UNAVAILABLE))
    book = await spot.get_depth(SYMBOL, 5)
    assert book.bids and book.asks
    assert emulator.faults.seen[SPOT_DEPTH] == 2
    assert spot.http.status_counts[503] == 1


async def test_depth_waits_out_a_429_and_succeeds(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    limited = ErrorBefore(429, -1003, "Too many requests; current limit exceeded.", retry_after=1)
    emulator.faults.arm(SPOT_DEPTH, limited)
    started = time.monotonic()
    book = await spot.get_depth(SYMBOL, 5)
    # the retry waited for Retry-After, not only for the transport's shorter backoff
    assert time.monotonic() - started >= 1.0
    assert book.bids and book.asks
    assert emulator.faults.fired == [Firing(SPOT_DEPTH, limited)]
    assert emulator.faults.seen[SPOT_DEPTH] == 2
    assert spot.http.status_counts[429] == 1


async def test_latency_delays_depth_but_it_succeeds(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    await spot.get_depth(SYMBOL, 5)  # connection and clock warm
    emulator.faults.arm(SPOT_DEPTH, Latency(0.3))
    started = time.monotonic()
    book = await spot.get_depth(SYMBOL, 5)
    assert time.monotonic() - started >= 0.3
    assert book.bids and book.asks
    assert emulator.faults.fired == [Firing(SPOT_DEPTH, Latency(0.3))]


async def test_drop_after_closes_the_connection_without_an_answer(
    emulator: BinanceEmulator,
) -> None:
    # a POST: aiohttp itself resends an idempotent method once after a disconnect
    emulator.faults.arm(SPOT_ORDER, DropAfter())
    async with aiohttp.ClientSession() as raw:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await raw.post(f"{emulator.base_url}/api/v3/order", data=b"symbol=BTCUSDT")
        async with raw.post(f"{emulator.base_url}/api/v3/order", data=b"symbol=BTCUSDT") as resp:
            assert resp.status == 401 and (await resp.json())["code"] == -2014
    assert emulator.faults.seen[SPOT_ORDER] == 2


async def test_error_before_answers_in_binance_envelope_with_retry_after(
    emulator: BinanceEmulator,
) -> None:
    emulator.faults.arm(SPOT_DEPTH, ErrorBefore(429, -1003, "Too many requests.", retry_after=2))
    url = f"{emulator.base_url}/api/v3/depth?symbol=BTCUSDT"
    async with aiohttp.ClientSession() as raw, raw.get(url) as resp:
        assert resp.status == 429 and resp.headers["Retry-After"] == "2"
        assert await resp.json() == {"code": -1003, "msg": "Too many requests."}


async def test_fault_armed_over_http_fires_then_clears(
    spot: BinanceClient, emulator: BinanceEmulator
) -> None:
    arm = {
        "match": SPOT_ORDER,
        "kind": "error_after",
        "status": 503,
        "code": -1000,
        "msg": UNKNOWN_ERROR,
        "seconds": 0,
        "times": None,
    }
    price = await resting_buy_price(spot)
    async with aiohttp.ClientSession() as raw:
        async with raw.post(f"{emulator.base_url}/_emulator/fault", json=arm) as resp:
            assert resp.status == 200
            assert (await resp.json())["fault"]["kind"] == "error_after"
        first = await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="h1")
        second = await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="h2")
        assert [first.status, second.status] == [OrderStatus.NEW, OrderStatus.NEW]
        assert emulator.faults.seen[QUERY[SPOT_ORDER]] == 2
        async with raw.post(f"{emulator.base_url}/_emulator/fault/clear") as resp:
            assert await resp.json() == {"disarmed": 1, "fired": 2}
    third = await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="h3")
    assert third.status is OrderStatus.NEW
    assert emulator.faults.seen[QUERY[SPOT_ORDER]] == 2  # answered directly, no reconcile


@pytest.mark.parametrize(
    "arm",
    [
        {"match": SPOT_ORDER, "kind": "melt"},
        {"match": "order", "kind": "drop_after"},
        {"match": SPOT_ORDER, "kind": "timeout_after", "seconds": "long"},
    ],
)
async def test_bad_fault_request_is_refused_and_arms_nothing(
    emulator: BinanceEmulator, arm: dict[str, object]
) -> None:
    url = f"{emulator.base_url}/_emulator/fault"
    async with aiohttp.ClientSession() as raw, raw.post(url, json=arm) as resp:
        assert resp.status == 400 and "error" in await resp.json()
    assert emulator.faults.armed == []
