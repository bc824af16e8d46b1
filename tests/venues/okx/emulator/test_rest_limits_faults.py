"""Rate limits (PROTOCOLS.md §3.6: per 2 s, 50011 with HTTP 429) and injected faults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tradeport.emulator.faults import ErrorAfter, ErrorBefore
from tradeport.venues.okx.emulator import OkxEmulator

from .conftest import RawClient, touch

SWAP = "BTC-USDT-SWAP"


@pytest.fixture
async def tight() -> AsyncIterator[RawClient]:
    emulator = OkxEmulator(step_interval=None, seed=11, order_limit=2, weight_limit=3)
    await emulator.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield RawClient(emulator, session)
    finally:
        await emulator.stop()


async def test_order_entry_past_the_per_instrument_budget_is_50011(tight: RawClient) -> None:
    bid, _ = touch(tight.emu, SWAP)
    for n in range(2):
        assert (await tight.order(SWAP, "buy", "1", str(bid - 100 - n))).code == "0"
    reply = await tight.order(SWAP, "buy", "1", str(bid - 110))
    assert (reply.status, reply.code) == (429, "50011")
    assert reply.body["msg"].startswith("Rate limit reached.")
    # the budget is per instrument: another one still has room
    assert (await tight.order("ETH-USDT-SWAP", "buy", "1", "100")).code == "0"
    pending = (await tight.get("/api/v5/trade/orders-pending")).data
    assert len(pending) == 3  # the refused request placed nothing


async def test_public_endpoints_count_per_ip(tight: RawClient) -> None:
    for _ in range(3):
        assert (await tight.public("/api/v5/market/books", instId=SWAP)).code == "0"
    reply = await tight.public("/api/v5/market/books", instId=SWAP)
    assert (reply.status, reply.code) == (429, "50011")
    assert (await tight.public("/api/v5/market/ticker", instId=SWAP)).code == "0"


async def test_an_error_before_fault_answers_without_placing(
    emu: OkxEmulator, raw: RawClient
) -> None:
    emu.faults.arm(
        "POST /api/v5/trade/order", ErrorBefore(503, "50001", "Service temporarily unavailable")
    )
    bid, _ = touch(emu, SWAP)
    reply = await raw.order(SWAP, "buy", "1", str(bid - 100))
    assert (reply.status, reply.code, reply.body["data"]) == (503, "50001", [])
    assert (await raw.get("/api/v5/trade/orders-pending")).data == []
    assert emu.faults.seen["POST /api/v5/trade/order"] == 1


async def test_an_error_after_fault_places_the_order(emu: OkxEmulator, raw: RawClient) -> None:
    emu.faults.arm("POST /api/v5/trade/order", ErrorAfter(500, "50026", "System error"))
    bid, _ = touch(emu, SWAP)
    reply = await raw.order(SWAP, "buy", "1", str(bid - 100), clOrdId="after1")
    assert (reply.status, reply.code) == (500, "50026")
    (row,) = (await raw.get("/api/v5/trade/orders-pending")).data
    assert row["clOrdId"] == "after1"
    await raw.public("/api/v5/market/books", instId=SWAP)
    assert emu.faults.seen["GET /api/v5/market/books"] == 1
