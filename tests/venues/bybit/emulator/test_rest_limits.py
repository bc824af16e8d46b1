"""Rate limits (PROTOCOLS.md §4.6): per-UID per-endpoint rolling second with the
`X-Bapi-Limit*` headers and retCode 10006, per-IP window with HTTP 403.

Limits here are small and windows long (relative to a test), so every count below is
decided by the requests alone, not by how fast they go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient, touch


@asynccontextmanager
async def started(**options: Any) -> AsyncIterator[RawClient]:
    emu = BybitEmulator(step_interval=None, **options)
    await emu.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield RawClient(emu, session)
    finally:
        await emu.stop()


@pytest.fixture
async def minute() -> AsyncIterator[RawClient]:
    """Bybit's per-UID limits, counted over a minute instead of a second."""
    async with started(uid_window_ms=60_000) as client:
        yield client


@pytest.fixture
async def tight() -> AsyncIterator[RawClient]:
    """3 order-entry calls per UID and 12 requests per IP, each per minute."""
    async with started(
        order_limit=3, uid_window_ms=60_000, weight_limit=12, weight_interval=(1, "MINUTE")
    ) as client:
        yield client


async def test_private_answers_carry_the_limit_headers(minute: RawClient) -> None:
    emu, raw = minute.emu, minute
    before = emu.now_ms()
    first = await raw.get("/v5/order/realtime", category="spot")
    second = await raw.get("/v5/order/realtime", category="spot")
    assert first.headers["X-Bapi-Limit"] == "50"
    assert (first.headers["X-Bapi-Limit-Status"], second.headers["X-Bapi-Limit-Status"]) == (
        "49",
        "48",
    )
    assert int(first.headers["X-Bapi-Limit-Reset-Timestamp"]) >= before
    bid, _ = touch(emu, "linear", "BTCUSDT")
    order = await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(bid - 100))
    assert order.headers["X-Bapi-Limit"] == "10"  # linear order entry, 10/s
    spot = await raw.order(
        "spot", "BTCUSDT", "Buy", "0.001", str(touch(emu, "spot", "BTCUSDT")[0] - 100)
    )
    assert spot.headers["X-Bapi-Limit"] == "20"  # spot order entry, 20/s


async def test_a_business_error_still_counts_and_carries_the_headers(minute: RawClient) -> None:
    reply = await minute.order("linear", "BTCUSDT", "Sell", "0.01", reduceOnly=True)
    assert reply.code == 110017 and reply.headers["X-Bapi-Limit-Status"] == "9"


async def test_order_entry_past_the_uid_budget_is_too_many_visits(tight: RawClient) -> None:
    emu = tight.emu
    bid, _ = touch(emu, "linear", "ETHUSDT")
    replies = [
        await tight.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - 10 - n)) for n in range(4)
    ]
    assert [r.code for r in replies] == [0, 0, 0, 10006]
    assert [r.headers["X-Bapi-Limit-Status"] for r in replies] == ["2", "1", "0", "0"]
    refused = replies[-1]
    assert refused.body["retMsg"] == "Too many visits!" and refused.status == 200
    # the window frees a place one window after the first call of the four
    reset = int(refused.headers["X-Bapi-Limit-Reset-Timestamp"])
    assert reset == int(replies[2].headers["X-Bapi-Limit-Reset-Timestamp"])
    assert reset > emu.now_ms()
    # the refused order was not placed; other endpoints and the other category have their own
    opened = await tight.get("/v5/order/realtime", category="linear", symbol="ETHUSDT")
    assert len(opened.result["list"]) == 3
    spot_bid, _ = touch(emu, "spot", "ETHUSDT")
    assert (await tight.order("spot", "ETHUSDT", "Buy", "0.01", str(spot_bid - 10))).code == 0
    # once the window has passed (the server clock moved on), entry is allowed again
    emu.clock_skew_ms += 61_000
    assert (await tight.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - 20))).code == 0


async def test_past_the_ip_budget_the_gateway_answers_403(tight: RawClient) -> None:
    emu = tight.emu
    statuses = [(await tight.public("/v5/market/time")).status for _ in range(13)]
    assert statuses == [200] * 12 + [403]
    refused = await tight.public("/v5/market/time")
    assert (refused.status, refused.body["retMsg"]) == (403, "access too frequent")
    # every request counts, signed or not, known path or not
    assert (await tight.get("/v5/account/info")).status == 403
    # the ban lasts until the window has room again
    emu.clock_skew_ms += 61_000
    assert (await tight.public("/v5/market/time")).status == 200


async def test_the_ip_ban_can_be_set_longer() -> None:
    options: dict[str, Any] = {"weight_limit": 2, "weight_interval": (1, "MINUTE")}
    async with started(ip_ban_ms=120_000, **options) as client:
        emu = client.emu
        statuses = [(await client.public("/v5/market/time")).status for _ in range(3)]
        assert statuses == [200, 200, 403]
        emu.clock_skew_ms += 61_000  # the window is free again, the ban is not over
        assert (await client.public("/v5/market/time")).status == 403
        emu.clock_skew_ms += 60_000
        assert (await client.public("/v5/market/time")).status == 200
