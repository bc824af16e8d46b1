"""Binance's own answers about an order's fate (PROTOCOLS.md §2.6), and the emulator's
Binance envelope for injected faults. The venue-neutral cases (5xx, dropped connection
or timeout after the venue took an order; a failed lookup; retried and waited-out GETs)
are in tests/conformance/test_unknown_outcomes.py."""

from decimal import Decimal

import aiohttp
import pytest

from tradeport.emulator.faults import DropAfter, ErrorAfter, ErrorBefore, Firing
from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import BinanceEmulator

SYMBOL = "BTC-USDT"
SPOT_ORDER = "POST /api/v3/order"
FUTURES_ORDER = "POST /fapi/v1/order"
FUTURES_QUERY = "GET /fapi/v1/order"
SPOT_DEPTH = "GET /api/v3/depth"


async def test_futures_408_execution_unknown_is_reconciled_not_raised(
    swap: BinanceClient, emulator: BinanceEmulator
) -> None:
    # HTTP 408 / -1007 "Send status unknown; execution status unknown" (§2.6)
    fault = ErrorAfter(408, -1007, "Timeout waiting for response from backend server.")
    book = await swap.get_depth(SYMBOL, 5)
    price = quantize_price(
        await swap.instrument(SYMBOL), Decimal(str(book.bids[0][0])) * Decimal("0.98")
    )
    emulator.faults.arm(FUTURES_ORDER, fault)
    order = await swap.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="t408")
    assert order.status is OrderStatus.NEW
    assert order.client_order_id == "t408" and order.order_id is not None
    assert order.price == price and order.qty == Decimal("0.01")
    assert emulator.faults.fired == [Firing(FUTURES_ORDER, fault)]
    assert emulator.faults.seen[FUTURES_ORDER] == 1  # never resent
    assert emulator.faults.seen[FUTURES_QUERY] == 1  # the answer came from the lookup
    listed = await swap.get_open_orders(SYMBOL)
    assert [o.client_order_id for o in listed] == ["t408"]


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
